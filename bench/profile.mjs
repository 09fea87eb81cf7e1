// Where a missed goal's time goes, function by function: a readable (not minified) build of the
// CDN entry, the same code as dist/mixpanel.min.js with its names kept, run on the bench's pages
// under V8's sampling profiler (read from a Chromium trace). Not part of `npm run bench`: run it
// for the measure a bench row missed, and quote what it prints.
//   node bench/profile.mjs load    loading at 4× CPU: script arrival → ready
//   node bench/profile.mjs first   the first track() on a fresh page
//   node bench/profile.mjs burst   a burst of 1,000 track() calls
//   node bench/profile.mjs drain   draining 2,000 queued events at 4× CPU
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import resolve from '@rollup/plugin-node-resolve';
import typescript from '@rollup/plugin-typescript';
import { startCollector } from '../examples/collector/collector.mjs';
import { launch } from './browser.mjs';
import { READY_LOADED, READY_SCRIPT, hostConfig, sdkHtml, sleep, trackMany } from './pages.mjs';
import { startSite } from './site.mjs';
import { SLOW_PHONE_CPU, TRACE_CATEGORIES, mainTasks, markTs, resourceArrivalTs, throttleCpu, traced } from './trace.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const what = process.argv[2] ?? 'load';
const libDir = `${root}bench-results/profile-lib/`;
const PROFILED = [...TRACE_CATEGORIES, 'disabled-by-default-v8.cpu_profiler'];

/** The CDN entry bundled as the build does, minus terser, so the profile names functions. */
async function readableBuild() {
  const bundle = await rollup({
    input: `${root}src/cdn.ts`,
    plugins: [resolve(), typescript({ tsconfig: `${root}tsconfig.json`, include: ['src/**/*.ts'], declaration: false })],
    onwarn() {},
  });
  const { output } = await bundle.generate({ format: 'iife', name: 'outlastCdn' });
  await bundle.close();
  mkdirSync(libDir, { recursive: true });
  writeFileSync(`${libDir}outlast.min.js`, output[0].code);
}

/**
 * Self time (ms) per function of the main thread's samples inside [from, to] (µs), largest first:
 * `{ fn, ms }` with the function's name and its file:line.
 */
function selfTimes(trace, from, to, top = 15) {
  const profiles = trace.events.filter((e) => e.name === 'Profile' && e.pid === trace.mainPid && e.tid === trace.mainTid);
  const out = new Map();
  for (const p of profiles) {
    const nodes = new Map();
    let t = p.args.data.startTime;
    for (const c of trace.events.filter((e) => e.name === 'ProfileChunk' && e.id === p.id && e.pid === p.pid)) {
      const cpu = c.args.data.cpuProfile ?? {};
      for (const n of cpu.nodes ?? []) nodes.set(n.id, n);
      const samples = cpu.samples ?? [];
      const deltas = c.args.data.timeDeltas ?? [];
      for (let i = 0; i < samples.length; i++) {
        t += deltas[i] ?? 0;
        const next = deltas[i + 1] ?? 0;
        if (t < from || t > to) continue;
        const f = nodes.get(samples[i])?.callFrame ?? {};
        const file = String(f.url ?? '')
          .split('/')
          .pop();
        const key = `${f.functionName || '(anonymous)'}${file ? ` ${file}:${(f.lineNumber ?? 0) + 1}` : ''}`;
        out.set(key, (out.get(key) ?? 0) + next);
      }
    }
  }
  return [...out.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, us]) => ({ fn, ms: Math.round(us / 100) / 10 }));
}

await readableBuild();
const collector = await startCollector({ hosts: ['primary', 'alternate'] });
const site = await startSite(libDir);
const b = await launch();
const hosts = [collector.urls.primary, collector.urls.alternate];
try {
  const page = await b.newPage();
  const cpu = what === 'load' || what === 'drain' ? SLOW_PHONE_CPU : 1;
  if (cpu > 1) await throttleCpu(page, cpu);
  const html = sdkHtml({
    sdk: 'outlast',
    token: `profile-${what}`,
    snippet: true,
    libUrl: '/lib/outlast.min.js',
    config: hostConfig('outlast', hosts, what === 'drain' ? { retry_backoff_base_ms: 100, retry_backoff_max_ms: 1_000 } : {}),
    loaded: READY_LOADED,
    script: what === 'load' ? "mixpanel.track('page opened', { plan: 'pro' });" : '',
  }).replace('<head>', `<head><script>${READY_SCRIPT}</script>`);
  const url = site.page(`/profile/${what}`, html);
  let span = null;
  if (what === 'load') {
    const { trace } = await traced(
      b.browser,
      page,
      'sdk-ready',
      async () => {
        await page.goto(url);
        await page.evaluate(() => window.benchReady);
      },
      PROFILED,
    );
    span = { trace, from: resourceArrivalTs(trace, '/lib/outlast.min.js'), to: markTs(trace, 'sdk-ready') };
  } else if (what === 'first' || what === 'burst') {
    await page.goto(url);
    await page.evaluate(() => window.benchReady);
    const n = what === 'first' ? 1 : 1_000;
    const { trace } = await traced(
      b.browser,
      page,
      'calls-start',
      () =>
        page.evaluate(
          (n) =>
            new Promise((done) =>
              setTimeout(() => {
                performance.mark('calls-start');
                for (let i = 0; i < n; i++)
                  window.mixpanel.track('profiled', { plan: 'pro', price: 42, tags: ['a', 'b'], source: 'bench', i });
                performance.mark('calls-end');
                setTimeout(done, 500);
              }, 0),
            ),
          n,
        ),
      PROFILED,
    );
    span = { trace, from: markTs(trace, 'calls-start'), to: markTs(trace, 'calls-end') };
    // the task that ran the calls, to the end: the microtasks they queued (the outbox write) count too
    const task = mainTasks(trace).find((t) => t.start <= span.from && t.end >= span.to);
    if (task) span.taskTo = task.end;
  } else if (what === 'drain') {
    await collector.setMode('primary', '503');
    await collector.setMode('alternate', '503');
    await page.goto(url);
    await page.evaluate(() => window.benchReady);
    await trackMany(page, 'drain', 2_000, 30_000);
    const { trace } = await traced(
      b.browser,
      page,
      'drain-start',
      async () => {
        await page.evaluate(() => performance.mark('drain-start'));
        await collector.setMode('primary', 'ok');
        await collector.setMode('alternate', 'ok');
        const t0 = Date.now();
        while (Date.now() - t0 < 40_000 && collector.stats().unique < 2_000) await sleep(100);
        await page.evaluate(() => performance.mark('drain-end'));
      },
      PROFILED,
    );
    span = { trace, from: markTs(trace, 'drain-start'), to: markTs(trace, 'drain-end') };
  }
  const { trace, from, to, taskTo } = span;
  const tasks = mainTasks(trace);
  const longest = tasks.filter((t) => t.start >= from && t.start <= to).sort((x, y) => y.end - y.start - (x.end - x.start))[0];
  console.log(`${what}: window ${((to - from) / 1000).toFixed(1)} ms${cpu > 1 ? ` at ${cpu}× CPU` : ''}`);
  console.log('self time by function, inside the window:');
  for (const r of selfTimes(trace, from, to)) console.log(`  ${String(r.ms).padStart(7)} ms  ${r.fn}`);
  if (taskTo !== undefined) {
    console.log(`the rest of that task (${((taskTo - to) / 1000).toFixed(1)} ms: microtasks the calls queued, such as the outbox write):`);
    for (const r of selfTimes(trace, to, taskTo, 8)) console.log(`  ${String(r.ms).padStart(7)} ms  ${r.fn}`);
  }
  if (longest && what === 'drain') {
    console.log(`longest task: ${((longest.end - longest.start) / 1000).toFixed(1)} ms; self time by function inside it:`);
    for (const r of selfTimes(trace, longest.start, longest.end, 10)) console.log(`  ${String(r.ms).padStart(7)} ms  ${r.fn}`);
  }
} finally {
  await b.close();
  await site.close();
  await collector.close();
}
