// Memory: JS heap (`performance.memory.usedJSHeapSize` after a forced GC through CDP) once 100,000
// events are queued while every API host answers 503, minus the same page's heap before them.
import { hostConfig, libraryReady, sdkHtml, trackMany } from './pages.mjs';
import { failure } from './browser.mjs';

/** The page's used JS heap after a full GC, in bytes. */
async function heapAfterGc(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.detach();
  return page.evaluate(() => performance.memory.usedJSHeapSize);
}

/** Per SDK: `{ growthBytes, queued }` (or how many could be queued by the cap). */
export async function measureMemory(env) {
  const n = 100_000;
  const capMs = env.quick ? 15_000 : 30_000;
  /** mixpanel-browser slows down as its queue grows: it queues what it can in this time. */
  const queueCapMs = env.quick ? 5_000 : 10_000;
  const out = { n, capMs, queueCapMs };
  await env.setApi('503');
  try {
    for (const sdk of env.sdks) {
      const token = `mem-${sdk}-${Date.now()}`;
      const page = await env.browser.newPage();
      try {
        await page.goto(
          env.site.page(`/mem/${token}`, sdkHtml({ sdk, token, libUrl: `/lib/${sdk}.min.js`, config: hostConfig(sdk, env.apiHosts) })),
        );
        await libraryReady(page);
        const before = await heapAfterGc(page);
        const queued = await trackMany(page, 'memory', n, sdk === 'mixpanel' ? queueCapMs : capMs, sdk === 'mixpanel' ? 100 : 1000);
        if (!queued) {
          out[sdk] = { failed: 'the tab crashed or stopped answering while queueing' };
          continue;
        }
        env.tally.add('memory (100,000 queued)', sdk, token, queued);
        const growthBytes = (await heapAfterGc(page)) - before;
        const state = sdk === 'outlast' ? await page.evaluate(() => window.mixpanel.get_delivery_state()) : null;
        out[sdk] = { tracked: queued, growthBytes, ...(state ? { queued: state.queued, dropped: state.dropped, store: state.store } : {}) };
      } catch (e) {
        out[sdk] = failure(e);
      } finally {
        await page
          .context()
          .close()
          .catch(() => {});
      }
    }
  } finally {
    await env.setApi('ok');
  }
  return out;
}
