// Durability: during an outage (every API host answers 503) a page tracks 100 events; the browser
// is SIGKILLed N ms after the last `track()`, started again on the same profile with ingest
// recovered, and the same page opened. Lost = tracked − distinct $insert_ids at the collector.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arrivedCount, hostConfig, libraryReady, sdkHtml, sleep } from './pages.mjs';
import { failure } from './browser.mjs';

const EVENTS = 100;

/** One kill-and-restart: how many of the events arrived. */
async function once(env, sdk, killAfterMs, waitMs) {
  const token = `kill-${sdk}-${killAfterMs}-${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), 'outlast-bench-kill-'));
  const url = env.site.page(`/kill/${token}`, sdkHtml({ sdk, token, libUrl: `/lib/${sdk}.min.js`, config: hostConfig(sdk, env.apiHosts) }));
  try {
    await env.setApi('503');
    let b = await env.launch(dir);
    let page = await b.newPage(true);
    await page.goto(url);
    await libraryReady(page);
    await page.evaluate((n) => {
      for (let i = 0; i < n; i++) window.mixpanel.track('kill', { plan: 'pro', i });
    }, EVENTS);
    env.tally.add('durability (SIGKILL, restart)', sdk, token, EVENTS);
    await sleep(killAfterMs);
    await b.kill();
    await env.setApi('ok');
    b = await env.launch(dir);
    try {
      page = await b.newPage(true);
      await page.goto(url);
      const t0 = Date.now();
      let got = 0;
      while (Date.now() - t0 < waitMs && (got = arrivedCount(env.collector, token)) < EVENTS) await sleep(50);
      return got;
    } finally {
      await b.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Per N: events lost out of 100 for each SDK. */
export async function measureDurability(env) {
  const waitMs = env.quick ? 8_000 : 10_000;
  const out = { events: EVENTS, waitMs, rows: [] };
  for (const n of [50, 200, 1_000]) {
    const row = { killAfterMs: n };
    for (const sdk of env.sdks) {
      try {
        row[sdk] = { lost: EVENTS - (await once(env, sdk, n, waitMs)) };
      } catch (e) {
        row[sdk] = failure(e);
      }
    }
    out.rows.push(row);
  }
  return out;
}
