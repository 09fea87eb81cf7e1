// Drain: 10,000 events tracked while every API host answers 503, then ingest recovers; the time
// until the collector has all 10,000 distinct $insert_ids, unthrottled and with the CPU throttled
// 4× (a slow phone; the backlog is queued at full speed, the drain throttled). Outlast runs with a 1 s backoff cap (retry_backoff_base_ms 100,
// retry_backoff_max_ms 1000) so the recovery is noticed within a second, as its default 5 min cap
// would not; mixpanel-browser runs with its defaults. A page stops tracking at the cap: what it
// managed to queue by then is what is drained.
//
// Sending cost: at 4× the drain is traced, and the longest main-thread task from the recovery to
// the last event delivered is the SDK's (the page does nothing else), with what it was spent on.
import { hostConfig, libraryReady, median, sdkHtml, sleep, trackMany } from './pages.mjs';
import { SLOW_PHONE_CPU, LONG_TASK_MS, breakdown, busyMs, longestTask, mainTasks, markTs, throttleCpu, traced } from './trace.mjs';
import { closePage, failure } from './browser.mjs';

export const DRAIN_OUTLAST_CONFIG = { retry_backoff_base_ms: 100, retry_backoff_max_ms: 1_000 };

/** A lighter trace than the loading one: a drain at 4× lasts tens of seconds. */
const DRAIN_TRACE = ['toplevel', 'devtools.timeline', 'blink.user_timing', 'v8'];

/** Distinct `$insert_id`s and raw items the collector accepted for `token`, and when the first came. */
function received(collector, token) {
  const ids = new Set();
  let raw = 0;
  let first = Infinity;
  for (const e of collector.events({ endpoint: 'track' }))
    if (e.data.properties?.token === token) {
      raw++;
      ids.add(String(e.data.properties.$insert_id));
      first = Math.min(first, e.receivedAt);
    }
  return { delivered: ids.size, raw, first };
}

/**
 * The /track requests of a drain: how many were accepted, events per request, how many were
 * open at once at most, and the time from recovery to the last answer.
 */
function requestStats(log, t0) {
  const track = log.filter((q) => q.endpoint === 'track');
  const ok = track.filter((q) => q.status === 200);
  const times = ok.map((q) => q.time).sort((a, b) => a - b);
  return {
    sent: track.length,
    accepted: ok.length,
    eventsPerRequest: ok.length ? Math.round(ok.reduce((a, q) => a + q.count, 0) / ok.length) : 0,
    bytesPerRequest: ok.length ? Math.round(ok.reduce((a, q) => a + q.bytes, 0) / ok.length) : 0,
    lastMs: times.length ? times[times.length - 1] - t0 : undefined,
    medianGapMs: times.length > 1 ? median(times.slice(1).map((t, i) => t - times[i])) : undefined,
  };
}

/** The tasks over 50 ms in [from, to], counted by what took most of each (its largest self-time event). */
function longTaskKinds(trace, tasks, from, to) {
  const kinds = {};
  for (const t of tasks)
    if (t.start >= from && t.start <= to && t.end - t.start > LONG_TASK_MS * 1000) {
      const top = breakdown(trace, t.start, t.end, 1)[0]?.name ?? 'unknown';
      kinds[top] = (kinds[top] ?? 0) + 1;
    }
  return kinds;
}

/** One SDK's drain: queue during 503s, recover, wait for every event; traced when `cpu` > 1. */
async function drainOnce(env, sdk, { n, capMs, queueCapMs, cpu }) {
  const token = `drain-${sdk}-${cpu}x-${Date.now()}`;
  await env.setApi('503');
  const page = await env.browser.newPage();
  try {
    const config = hostConfig(sdk, env.apiHosts, sdk === 'outlast' ? DRAIN_OUTLAST_CONFIG : {});
    await page.goto(env.site.page(`/drain/${token}`, sdkHtml({ sdk, token, libUrl: `/lib/${sdk}.min.js`, config })));
    await libraryReady(page);
    const queued = await trackMany(page, 'drain', n, sdk === 'mixpanel' ? queueCapMs : capMs, sdk === 'mixpanel' ? 100 : 1000);
    if (!queued) return { failed: 'the tab crashed or stopped answering while queueing' };
    env.tally.add(cpu > 1 ? `drain (${cpu}× CPU)` : 'drain', sdk, token, queued);
    // the backlog is queued at full speed (the page's own tracking is not what this measures); only the drain is throttled
    if (cpu > 1) await throttleCpu(page, cpu);
    const drain = async () => {
      await page.evaluate(() => performance.mark('drain-start'));
      const since = env.collector.requests().at(-1)?.seq ?? 0;
      const t0 = Date.now();
      await env.setApi('ok');
      let got = received(env.collector, token);
      while (Date.now() - t0 < capMs && got.delivered < queued) {
        await sleep(50);
        got = received(env.collector, token);
      }
      const out = { queued, delivered: got.delivered, raw: got.raw };
      if (got.delivered >= queued) out.ms = Date.now() - t0;
      else out.capped = true;
      // how long the recovery took to be noticed, and the delivery itself
      if (got.first < Infinity) out.firstMs = got.first - t0;
      out.requests = requestStats(env.collector.requests(since), t0);
      await page.evaluate(() => performance.mark('drain-end'));
      return out;
    };
    if (cpu <= 1) return await drain();
    const { result, trace } = await traced(env.browser.browser, page, 'drain-start', drain, DRAIN_TRACE);
    const from = markTs(trace, 'drain-start');
    const to = markTs(trace, 'drain-end');
    const tasks = mainTasks(trace);
    const longest = longestTask(tasks, from, to);
    const long = tasks.filter((t) => t.start >= from && t.start <= to && t.end - t.start > LONG_TASK_MS * 1000).length;
    return {
      ...result,
      longestTaskMs: longest.ms,
      longTasks: long,
      busyMs: busyMs(tasks, from, to),
      longestSpent: longest.start === undefined ? [] : breakdown(trace, longest.start, longest.end, 6),
      longTaskKinds: longTaskKinds(trace, tasks, from, to),
      spent: breakdown(trace, from, to, 8),
    };
  } finally {
    await closePage(page);
    await env.setApi('ok');
  }
}

/** Per SDK: `{ ms, queued, delivered, raw }` or the count delivered by the cap; at 4× also the longest task. */
export async function measureDrain(env, cpu = 1) {
  const n = 10_000;
  const capMs = (env.quick ? 20_000 : 40_000) * (cpu > 1 ? 1.5 : 1);
  /** mixpanel-browser slows down as its queue grows: it queues what it can in this time. */
  const queueCapMs = env.quick ? 5_000 : 10_000;
  const out = { n, capMs, queueCapMs, cpu, outlastConfig: DRAIN_OUTLAST_CONFIG };
  for (const sdk of env.sdks) {
    try {
      out[sdk] = await drainOnce(env, sdk, { n, capMs, queueCapMs, cpu });
    } catch (e) {
      out[sdk] = failure(e);
    }
  }
  return out;
}

export { SLOW_PHONE_CPU };
