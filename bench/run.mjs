// `npm run bench`: measures Outlast and mixpanel-browser side by side in Debian's Chromium against
// the local collector, prints one table with every goal and whether it is met, and writes
// bench-results/latest.json; a full run also writes bench/last-run.json, adds itself to
// bench/history.json (the last three) and rewrites docs/bench-report.md from it.
// A benchmark, not a test: it never fails on a figure. `--quick` makes every measure shorter;
// `--only=a,b` runs only those measures (bytes, trackCost, firstTrack, load, slowLoad, drain,
// drainSlow, sendPath, durability, memory).
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startCollector } from '../examples/collector/collector.mjs';
import { launch } from './browser.mjs';
import { measureBytes } from './bytes.mjs';
import { SLOW_PHONE_CPU, measureDrain } from './drain.mjs';
import { measureDurability } from './durability.mjs';
import { measureLoad } from './load.mjs';
import { machine } from './machine.mjs';
import { measureMemory } from './memory.mjs';
import { measureSendPath } from './send-path.mjs';
import { measureSlowLoad } from './slow-load.mjs';
import { MIXPANEL_CDN, OUTLAST_CDN, SDKS, createTally, sleep } from './pages.mjs';
import { startSite } from './site.mjs';
import { recordRun } from './report.mjs';
import { formatTable } from './table.mjs';
import { measureFirstTrack, measureTrackCost } from './track-cost.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const quick = process.argv.includes('--quick');
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');

const resultsDir = `${root}bench-results/`;
const libDir = `${resultsDir}lib/`;
mkdirSync(libDir, { recursive: true });
// both CDN builds side by side, served by the site and by the collector's script host
copyFileSync(OUTLAST_CDN, `${libDir}outlast.min.js`);
copyFileSync(MIXPANEL_CDN, `${libDir}mixpanel.min.js`);

const started = Date.now();
const collector = await startCollector({ hosts: ['primary', 'alternate'], scriptHost: { dir: libDir } });
const site = await startSite(libDir);
const browser = await launch();
const env = {
  browser,
  site,
  collector,
  quick,
  sdks: SDKS,
  apiHosts: [collector.urls.primary, collector.urls.alternate],
  scriptUrl: collector.urls.script,
  launch,
  /** Events each scenario tracked, to count at the end what arrived and how often. */
  tally: createTally(),
  /** Every API host to `mode` (`ok` to recover). */
  setApi: (mode, opts) => Promise.all(['primary', 'alternate'].map((h) => collector.setMode(h, mode, opts))),
};

const results = {
  machine: { ...machine(), chromium: await browser.version(), referenceMs: await referenceMs(browser) },
  date: new Date().toISOString(),
  quick,
};
/**
 * A fixed piece of page work (1,000,000 small JSON.stringify calls) timed in this Chromium, so a
 * reader can scale the timings: the machines this runs on are shared and their speed varies.
 */
async function referenceMs(b) {
  const page = await b.newPage();
  try {
    return await page.evaluate(() => {
      const t0 = performance.now();
      let n = 0;
      for (let i = 0; i < 1e6; i++) n += JSON.stringify({ a: i }).length;
      return n > 0 ? Math.round(performance.now() - t0) : 0;
    });
  } finally {
    await page.context().close();
  }
}

const step = async (name, f) => {
  if (only && !only.includes(name)) return;
  const t = Date.now();
  process.stderr.write(`bench: ${name}...`);
  try {
    results[name] = await f();
  } catch (e) {
    results[name] = { error: String(e.stack || e) };
  }
  process.stderr.write(` ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
};
try {
  await step('bytes', () => measureBytes());
  await step('trackCost', () => measureTrackCost(env));
  await step('firstTrack', () => measureFirstTrack(env));
  await step('load', () => measureLoad(env));
  await step('slowLoad', () => measureSlowLoad(env));
  await step('drain', () => measureDrain(env));
  await step('drainSlow', () => measureDrain(env, SLOW_PHONE_CPU));
  await step('sendPath', () => measureSendPath(env));
  await step('durability', () => measureDurability(env));
  await step('memory', () => measureMemory(env));
  // what arrived in every scenario, once the last requests had time to land
  await sleep(2_000);
  results.delivery = env.tally.count(collector);
} finally {
  await browser.close().catch(() => {});
  await site.close();
  await collector.close();
}
results.durationS = Math.round((Date.now() - started) / 1000);
results.machine.loadAverageEnd = machine().loadAverage;

console.log(formatTable(results));
const json = JSON.stringify(results, null, 2) + '\n';
writeFileSync(`${resultsDir}latest.json`, json);
if (!quick && !only) {
  writeFileSync(`${root}bench/last-run.json`, json);
  await recordRun(results);
}
