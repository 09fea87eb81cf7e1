// Main-thread cost of `track()`: a burst of n calls in one task, timed inside the page, and the
// long tasks (PerformanceObserver 'longtask') seen from the burst until `settleMs` after it.
// "SDK tasks" is the longest main-thread work the SDK added: the burst's own task minus the loop
// (microtasks it queued, such as the outbox write) or any later task (such as a batch being sent);
// both are kept apart too (`burstTaskMs`, `laterTaskMs`), to say which one it was. A burst stops at a time cap
// (3 s, 5 s in a full run): mixpanel-browser's cost grows with its queue, and past the cap the
// figure is over the calls it managed.
/* global PerformanceObserver, screen -- the functions passed to page.evaluate run in the page */
import { READY_LOADED, READY_SCRIPT, hostConfig, libraryReady, median, sdkHtml, sleep } from './pages.mjs';
import { closePage, failure } from './browser.mjs';

const EVENT_PROPS = { plan: 'pro', price: 42, tags: ['a', 'b'], source: 'bench' };

/**
 * One burst on a fresh page in a fresh context; `{ us, loopMs, sdkTaskMs, burstTaskMs, laterTaskMs }`,
 * or `{ us, loopMs, busyAfter }` when the page stayed busy 5 s past the settle time, or `{ failed }`.
 */
async function burst(env, sdk, n, settleMs, token) {
  const page = await env.browser.newPage();
  try {
    const html = sdkHtml({ sdk, token, libUrl: `/lib/${sdk}.min.js`, config: hostConfig(sdk, env.apiHosts) });
    await page.goto(env.site.page(`/cost/${token}`, html));
    await libraryReady(page);
    // the loop's own figures come as a console message the moment it ends: a page that the SDK
    // then keeps busy for a minute still yields its per-call cost
    const loopDone = new Promise((resolve) =>
      page.on('console', (m) => {
        if (m.text().startsWith('bench-loop ')) resolve(JSON.parse(m.text().slice(11)));
      }),
    );
    const run = page.evaluate(
      ([n, props, settleMs, capMs]) =>
        new Promise((resolve) => {
          const tasks = [];
          const po = new PerformanceObserver((l) => tasks.push(...l.getEntries()));
          po.observe({ type: 'longtask' });
          // a fresh task, so the burst is the only page code in it
          setTimeout(() => {
            const t0 = performance.now();
            let i = 0;
            // a burst that would hold the tab longer than capMs stops there (checking the clock costs well under 1 µs)
            for (; i < n && (i % 16 || performance.now() - t0 < capMs); i++) window.mixpanel.track('burst', { ...props, i });
            const t1 = performance.now();
            console.debug('bench-loop ' + JSON.stringify({ loopMs: t1 - t0, calls: i }));
            setTimeout(() => {
              po.disconnect();
              let burstTaskMs = 0;
              let laterTaskMs = 0;
              for (const t of tasks) {
                if (t.startTime <= t0 && t.startTime + t.duration >= t1) burstTaskMs = Math.max(burstTaskMs, t.duration - (t1 - t0));
                else if (t.startTime + t.duration >= t0) laterTaskMs = Math.max(laterTaskMs, t.duration);
              }
              resolve({ loopMs: t1 - t0, sdkTaskMs: Math.max(burstTaskMs, laterTaskMs), burstTaskMs, laterTaskMs, calls: i });
            }, settleMs);
          }, 0);
        }),
      [n, EVENT_PROPS, settleMs, env.quick ? 3_000 : 5_000],
    );
    const crashed = new Promise((r) => page.once('crash', () => r({ failed: 'tab crashed' })));
    const timeout = sleep(60_000).then(() => ({ failed: 'over 60 s' }));
    const stuck = loopDone.then((loop) => sleep(settleMs + 5_000).then(() => ({ ...loop, busyAfter: true })));
    const r = await Promise.race([run, crashed, timeout, stuck]);
    if (!r.failed) env.tally.add('track() burst', sdk, token, r.calls);
    return r.failed ? r : { ...r, us: (r.loopMs * 1000) / r.calls };
  } catch (e) {
    return failure(e);
  } finally {
    await closePage(page);
  }
}

/**
 * The floor: what any SDK that queues events must do per call, measured the same way on a page
 * without one. Each call builds an event of the same shape and size as the ones the SDKs send
 * (20 properties, about 540 characters of JSON), stringifies it and keeps the text. On a slow
 * machine this alone can be over a target; the figure says how much of a cost is the SDK's own.
 */
async function floorBurst(env, n) {
  const page = await env.browser.newPage();
  try {
    await page.goto(env.site.page(`/floor/${n}-${Date.now()}`, sdkHtml({ sdk: 'none' })));
    return await page.evaluate(
      ([n, props]) =>
        new Promise((resolve) =>
          setTimeout(() => {
            const shared = {
              $current_url: location.href,
              $referrer: '',
              $referring_domain: '$direct',
              $browser: 'Chrome',
              $browser_version: 156,
              $os: 'Linux',
            };
            const kept = [];
            const t0 = performance.now();
            for (let i = 0; i < n; i++) {
              const p = {
                ...shared,
                $screen_width: screen.width,
                $screen_height: screen.height,
                token: 'floor',
                mp_lib: 'web',
                $lib_version: '1.0.0',
              };
              p.time = Date.now() / 1000;
              p.$insert_id = Math.random().toString(16).slice(2) + Math.random().toString(16).slice(2);
              p.distinct_id = '$device:0d9f6c1e-7a4b-4c2d-9e8f-123456789abc';
              p.$device_id = '0d9f6c1e-7a4b-4c2d-9e8f-123456789abc';
              Object.assign(p, props, { i });
              kept.push(JSON.stringify({ event: 'burst', properties: p }));
            }
            resolve(((performance.now() - t0) * 1000) / n + (kept.length ? 0 : 1));
          }, 0),
        ),
      [n, EVENT_PROPS],
    );
  } catch (e) {
    return null;
  } finally {
    await closePage(page);
  }
}

/**
 * The first `track()` of a fresh page, alone in its task, once the instance is ready (for Outlast
 * once its outbox is open): what a page's first event costs, compiling included. Milliseconds.
 */
async function firstCall(env, sdk, token) {
  const page = await env.browser.newPage();
  try {
    const html = sdkHtml({ sdk, token, libUrl: `/lib/${sdk}.min.js`, config: hostConfig(sdk, env.apiHosts), loaded: READY_LOADED });
    await page.goto(env.site.page(`/first/${token}`, html.replace('<head>', `<head><script>${READY_SCRIPT}</script>`)));
    await page.evaluate(() => window.benchReady);
    const ms = await page.evaluate(
      (props) =>
        new Promise((resolve) =>
          setTimeout(() => {
            const t0 = performance.now();
            window.mixpanel.track('first', props);
            resolve(performance.now() - t0);
          }, 0),
        ),
      EVENT_PROPS,
    );
    env.tally.add('first track()', sdk, token, 1);
    // what a page does next: the event is kept (and sent) while the page stays
    await sleep(300);
    return ms;
  } catch (e) {
    return null;
  } finally {
    await closePage(page);
  }
}

/** Per SDK: the median over fresh pages of the first `track()` call, in ms. */
export async function measureFirstTrack(env) {
  const reps = env.quick ? 3 : 7;
  const times = Object.fromEntries(env.sdks.map((s) => [s, []]));
  for (let i = 0; i < reps; i++)
    for (const sdk of env.sdks) {
      const ms = await firstCall(env, sdk, `first-${sdk}-${i}-${Date.now()}`);
      if (typeof ms === 'number') times[sdk].push(ms);
    }
  const row = (xs) =>
    xs.length ? { ms: median(xs), runs: xs.length, samples: xs.map((x) => Math.round(x * 10) / 10) } : { failed: 'no run' };
  return Object.fromEntries(env.sdks.map((s) => [s, row(times[s])]));
}

/** For each burst size: median µs per call and the worst SDK task over the runs, per SDK, and the floor. */
export async function measureTrackCost(env) {
  const sizes = [100, 1_000, 10_000];
  const out = [];
  for (const n of sizes) {
    const row = { n };
    for (const sdk of env.sdks) {
      // mixpanel-browser rewrites its localStorage queue on every call: one capped run of 1,000+ is plenty
      let runs = env.quick ? 2 : 3;
      if (sdk === 'mixpanel' && n >= 1_000) runs = 1;
      const results = [];
      for (let i = 0; i < runs; i++) {
        const r = await burst(env, sdk, n, env.quick ? 1000 : 1500, `cost-${sdk}-${n}-${i}-${Date.now()}`);
        results.push(r);
        if (r.failed) break;
      }
      const ok = results.filter((r) => !r.failed);
      row[sdk] = ok.length
        ? {
            us: median(ok.map((r) => r.us)),
            ...(ok.some((r) => r.busyAfter)
              ? { busyAfter: true }
              : {
                  sdkTaskMs: Math.max(...ok.map((r) => r.sdkTaskMs)),
                  burstTaskMs: Math.max(...ok.map((r) => r.burstTaskMs)),
                  laterTaskMs: Math.max(...ok.map((r) => r.laterTaskMs)),
                }),
            runs: ok.length,
            calls: Math.min(...ok.map((r) => r.calls)),
          }
        : { failed: results[0]?.failed ?? 'no run' };
    }
    const floor = [];
    for (let i = 0; i < (env.quick ? 2 : 3); i++) floor.push(await floorBurst(env, n));
    const ok = floor.filter((x) => typeof x === 'number');
    if (ok.length) row.floorUs = median(ok);
    out.push(row);
  }
  return out;
}
