// Loading cost on a slow phone: with the CPU throttled 4×, the main-thread time from the library's
// script arriving (its response) to the instance being ready (parse, compile, run, init and, for
// Outlast, the outbox's first IndexedDB open), read from a trace of each visit. Both SDKs load
// through their snippets on the same page, which tracks one event. Also the page's Total Blocking
// Time with each SDK and without one, from first contentful paint until `QUIET_MS` after the
// instance is ready (after `load` for the page without one). The thread's CPU time over the same
// window is kept too: it leaves out the time the thread waited for a core, so on a shared machine
// its ratio moves less.
import { READY_LOADED, READY_SCRIPT, hostConfig, median, sdkHtml, sleep } from './pages.mjs';
import { closePage, failure } from './browser.mjs';
import {
  SLOW_PHONE_CPU,
  breakdown,
  busyCpuMs,
  busyMs,
  longestTask,
  mainTasks,
  markTs,
  resourceArrivalTs,
  throttleCpu,
  totalBlockingMs,
  traced,
} from './trace.mjs';

/** How long a visit is watched after the instance is ready: a first batch is sent in this time. */
const QUIET_MS = 2_000;

/** One throttled visit: `{ loadMs, tbtMs, longestMs, spent }` (loadMs undefined for the page without an SDK). */
async function visit(env, sdk, url) {
  const page = await env.browser.newPage();
  try {
    await throttleCpu(page, SLOW_PHONE_CPU);
    const { trace } = await traced(env.browser.browser, page, 'sdk-ready', async () => {
      await page.goto(url, { waitUntil: 'load' });
      await page.evaluate(() => window.benchReady);
      await sleep(QUIET_MS);
    });
    const tasks = mainTasks(trace);
    const ready = markTs(trace, 'sdk-ready');
    const fcp = trace.events.find((e) => e.name === 'firstContentfulPaint' && e.pid === trace.mainPid)?.ts ?? tasks[0]?.start;
    const end = tasks[tasks.length - 1]?.end ?? ready;
    const out = { tbtMs: totalBlockingMs(tasks, fcp, end), longestMs: longestTask(tasks, fcp, end).ms };
    if (sdk !== 'none') {
      const arrived = resourceArrivalTs(trace, `/lib/${sdk}.min.js`);
      if (arrived === undefined || ready === undefined) return { ...out, failed: 'no script arrival or ready mark in the trace' };
      out.loadMs = busyMs(tasks, arrived, ready);
      out.loadCpuMs = busyCpuMs(tasks, arrived, ready);
      out.wallMs = (ready - arrived) / 1000;
      out.spent = breakdown(trace, arrived, ready);
    }
    return out;
  } catch (e) {
    return failure(e);
  } finally {
    await closePage(page);
  }
}

/** Per SDK (and the page without one): medians over the visits, and the breakdown of the median visit. */
export async function measureSlowLoad(env) {
  const reps = env.quick ? 2 : 5;
  const kinds = ['none', ...env.sdks];
  const urls = {};
  for (const sdk of kinds) {
    const token = `slowload-${sdk}-${Date.now()}`;
    const html = sdkHtml({
      sdk,
      token,
      snippet: true,
      libUrl: `/lib/${sdk}.min.js`,
      config: hostConfig(sdk, env.apiHosts),
      loaded: READY_LOADED,
      body: '<h1>A page</h1><p>with some text to paint.</p>',
      script:
        sdk === 'none'
          ? "addEventListener('load', function () { window.benchMarkReady(); });"
          : `mixpanel.track('page opened', { plan: 'pro' });`,
    });
    // the ready promise has to exist before init runs
    urls[sdk] = { url: env.site.page(`/slow-load/${token}`, html.replace('<head>', `<head><script>${READY_SCRIPT}</script>`)), token };
  }
  const visits = Object.fromEntries(kinds.map((k) => [k, []]));
  for (let i = 0; i < reps; i++) for (const sdk of kinds) visits[sdk].push(await visit(env, sdk, urls[sdk].url));
  const out = { cpuThrottle: SLOW_PHONE_CPU, quietMs: QUIET_MS, reps };
  for (const sdk of kinds) {
    const ok = visits[sdk].filter((v) => !v.failed);
    if (sdk !== 'none') env.tally.add('slow load (4× CPU)', sdk, urls[sdk].token, ok.length);
    if (!ok.length) {
      out[sdk] = { failed: visits[sdk][0]?.failed ?? 'no visit' };
      continue;
    }
    const row = { tbtMs: median(ok.map((v) => v.tbtMs)), longestMs: median(ok.map((v) => v.longestMs)), runs: ok.length };
    if (sdk !== 'none') {
      row.loadMs = median(ok.map((v) => v.loadMs));
      row.loadCpuMs = median(ok.map((v) => v.loadCpuMs));
      // every visit's figure, to see the spread on a busy machine
      row.samples = ok.map((v) => Math.round(v.loadMs));
      row.wallMs = median(ok.map((v) => v.wallMs));
      row.spent = ok.reduce((a, b) => (Math.abs(a.loadMs - row.loadMs) <= Math.abs(b.loadMs - row.loadMs) ? a : b)).spent;
    }
    out[sdk] = row;
  }
  return out;
}
