#!/usr/bin/env node
// `npm run demo`: the outage story, headless and scripted in Chromium. A visitor clicks through
// the example site and the single-page app while the primary ingest host is down, then while
// every host is down (nginx, the first-party proxy, killed too), in two tabs, and then the
// hosts come back. Prints what was tracked, delivered, lost and duplicated in each phase, and
// exits non-zero if any event was lost. Ports are ephemeral, so it never collides with
// `npm start`.
import { chromium } from 'playwright-core';
import { sleep } from './collector/http-util.mjs';
import { startDemo } from './demo-server.mjs';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../scripts/chromium-flags.mjs';

/** How long the hosts may take to drain the outbox once they are back (pages retry within 4 s). */
const DRAIN_TIMEOUT_MS = 30_000;

const log = (line) => console.log(line);

async function waitFor(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) {
      log(`  (gave up waiting: ${what})`);
      return false;
    }
    await sleep(200);
  }
}

async function main() {
  const demo = await startDemo({ buildSpa: process.env.OUTLAST_DEMO_SKIP_SPA_BUILD !== '1' });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  const { collector, nginx } = demo;
  let failed = false;
  try {
    const context = await browser.newContext();
    const tab = await context.newPage();
    tab.on('pageerror', (e) => {
      log(`  page error: ${e.message}`);
      failed = true;
    });
    const phases = [];

    const setPhase = async (name, description) => {
      phases.push(name);
      await tab.evaluate((p) => localStorage.setItem('outlast-demo:phase', p), name);
      log(`\n▶ ${name}: ${description}`);
    };
    const totals = () => tab.evaluate(() => window.outlastDemo.totals());
    const delivered = (phase) => collector.events({ endpoint: 'track' }).filter((e) => e.data.properties?.demo_phase === phase);
    const deliveredUnique = (phase) => delivered(phase).filter((e) => !e.duplicate).length;
    const click = async (page, selector, times = 1) => {
      for (let i = 0; i < times; i++) await page.click(selector);
    };
    const allDelivered = async (phase) => deliveredUnique(phase) >= ((await totals()).byPhase[phase] ?? 0);

    await tab.goto(demo.url);
    await setPhase('all hosts up', 'clicks on the home page and the products page');
    await click(tab, '#track', 5);
    await tab.click('a[href="/products.html"]');
    await click(tab, '#add-umbrella', 2);
    await click(tab, '#add-boots');
    await waitFor(() => allDelivered('all hosts up'), 15_000, 'delivery with every host up');

    await setPhase('primary down', 'the primary refuses connections; a burst, the about page, the single-page app');
    await collector.setMode('primary', 'refuse');
    await tab.click('a[href="/"]');
    await click(tab, '#burst');
    await tab.click('a[href="/about.html"]');
    await click(tab, '#signup');
    await tab.click('a[href="/spa/"]');
    await tab.click('a[href="/spa/pricing"]');
    await click(tab, '#action', 2);
    await waitFor(() => allDelivered('primary down'), 15_000, 'failover to the alternate host');

    const proxyNote = nginx ? ', nginx killed' : '';
    await setPhase(
      'every host down',
      `primary refuses, alternate hangs, the proxy's upstream answers 503${proxyNote}; two tabs keep tracking`,
    );
    await collector.setMode('alternate', 'hang');
    await collector.setMode('upstream', '503');
    await nginx?.kill();
    await tab.click('a[href="/spa/account"]');
    await click(tab, '#action', 3);
    await tab.click('a[href="/"]');
    await click(tab, '#track', 10);
    const second = await context.newPage();
    second.on('pageerror', (e) => {
      log(`  page error (second tab): ${e.message}`);
      failed = true;
    });
    await second.goto(demo.spaUrl);
    await second.click('a[href="/spa/pricing"]');
    await click(second, '#action', 4);
    await second.goto(`${demo.url}products.html`);
    await click(second, '#add-raincoat', 3);
    await tab.click('a[href="/products.html"]');
    await click(tab, '#add-umbrella', 2);
    await sleep(2_000);
    const duringOutage = deliveredUnique('every host down');
    log(`  delivered while every host was down: ${duringOutage} (they wait in IndexedDB)`);
    await second.close();

    await setPhase('recovery', 'every host is back; one more page view and a few clicks');
    await Promise.all(['primary', 'alternate', 'upstream'].map((h) => collector.setMode(h, 'ok')));
    await nginx?.start();
    await tab.click('a[href="/"]');
    await click(tab, '#track', 3);
    await waitFor(
      async () => {
        for (const p of phases) if (!(await allDelivered(p))) return false;
        const s = await tab.evaluate(() => window.mixpanel.get_delivery_state());
        return s.queued === 0;
      },
      DRAIN_TIMEOUT_MS,
      'the outbox to drain',
    );

    const t = await totals();
    const rows = phases.map((phase) => {
      const tracked = t.byPhase[phase] ?? 0;
      const unique = deliveredUnique(phase);
      const hosts = {};
      for (const e of delivered(phase)) if (!e.duplicate) hosts[e.host] = (hosts[e.host] ?? 0) + 1;
      return {
        phase,
        tracked,
        delivered: unique,
        lost: Math.max(0, tracked - unique),
        duplicated: delivered(phase).length - unique,
        'accepted by': Object.entries(hosts)
          .map(([h, n]) => `${h} ${n}`)
          .join(', '),
      };
    });
    const sum = (k) => rows.reduce((n, r) => n + r[k], 0);
    const total = {
      phase: 'total',
      tracked: sum('tracked'),
      delivered: sum('delivered'),
      lost: sum('lost'),
      duplicated: sum('duplicated'),
      'accepted by': '',
    };
    const empty = rows.some((r) => r.tracked === 0);
    printTable([...rows, total]);
    if (total.lost > 0 || empty) failed = true;
    log(
      !failed
        ? `\nNo event lost: ${total.tracked} tracked, ${total.delivered} delivered; duplicate copies received: ${total.duplicated} ` +
            `(${((100 * total.duplicated) / Math.max(1, total.delivered)).toFixed(1)} %, absorbed by $insert_id at query time, not in raw exports).`
        : `\nFAILED: ${total.lost} event(s) lost${empty ? ', or a phase tracked nothing' : ''}.`,
    );
  } finally {
    await browser.close().catch(() => {});
    await demo.close();
  }
  process.exit(failed ? 1 : 0);
}

/** Prints rows as an aligned plain-text table (numbers right-aligned). */
function printTable(rows) {
  const cols = Object.keys(rows[0]);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const cell = (v, i) => (typeof v === 'number' ? String(v).padStart(width[i]) : String(v).padEnd(width[i]));
  log('');
  log(
    cols
      .map((c, i) => c.padEnd(width[i]))
      .join('  ')
      .trimEnd(),
  );
  log(width.map((w) => '-'.repeat(w)).join('  '));
  rows.forEach((r, j) => {
    if (j === rows.length - 1) log(width.map((w) => '-'.repeat(w)).join('  '));
    log(
      cols
        .map((c, i) => cell(r[c], i))
        .join('  ')
        .trimEnd(),
    );
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
