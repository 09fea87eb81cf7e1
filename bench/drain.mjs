// Drain: 10,000 events tracked while every API host answers 503, then ingest recovers; the time
// until the collector has all 10,000 distinct $insert_ids. Outlast runs with a 1 s backoff cap
// (retry_backoff_base_ms 100, retry_backoff_max_ms 1000) so the recovery is noticed within a
// second, as its default 5 min cap would not; mixpanel-browser runs with its defaults. A page
// stops tracking at the cap: what it managed to queue by then is what is drained.
import { arrivedCount, hostConfig, libraryReady, sdkHtml, sleep, trackMany } from './pages.mjs';

export const DRAIN_OUTLAST_CONFIG = { retry_backoff_base_ms: 100, retry_backoff_max_ms: 1_000 };

/** Per SDK: `{ ms, delivered, of }`, or the count delivered by the cap. */
export async function measureDrain(env) {
  const n = 10_000;
  const capMs = env.quick ? 20_000 : 40_000;
  /** mixpanel-browser slows down as its queue grows: it queues what it can in this time. */
  const queueCapMs = env.quick ? 5_000 : 10_000;
  const out = { n, capMs, queueCapMs, outlastConfig: DRAIN_OUTLAST_CONFIG };
  for (const sdk of env.sdks) {
    const token = `drain-${sdk}-${Date.now()}`;
    await env.setApi('503');
    const page = await env.browser.newPage();
    try {
      const config = hostConfig(sdk, env.apiHosts, sdk === 'outlast' ? DRAIN_OUTLAST_CONFIG : {});
      await page.goto(env.site.page(`/drain/${token}`, sdkHtml({ sdk, token, libUrl: `/lib/${sdk}.min.js`, config })));
      await libraryReady(page);
      const queued = await trackMany(page, 'drain', n, sdk === 'mixpanel' ? queueCapMs : capMs, sdk === 'mixpanel' ? 100 : 1000);
      if (!queued) {
        out[sdk] = { failed: 'the tab crashed or stopped answering while queueing' };
        continue;
      }
      const t0 = Date.now();
      await env.setApi('ok');
      let got = 0;
      while (Date.now() - t0 < capMs && (got = arrivedCount(env.collector, token)) < queued) await sleep(50);
      out[sdk] = { queued, delivered: got, ...(got >= queued ? { ms: Date.now() - t0 } : { capped: true }) };
    } finally {
      await page
        .context()
        .close()
        .catch(() => {});
      await env.setApi('ok');
    }
  }
  return out;
}
