// The dashboard `npm start` prints: a visitor breaks the primary (then the alternate too) with
// its buttons, tracks on the multi-page site and in the single-page app, brings the hosts back,
// and reads 0 lost with every tracked event delivered. It saves a screenshot of the chart.
// Chromium only: it sets the viewport and takes screenshots (test-results/, and docs/dashboard.png
// with OUTLAST_UPDATE_DOCS=1), steps only Playwright has; the dashboard's data path is the same
// one test/engines/demo-nginx and example-site drive on every engine.
import { mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startDemo } from '../../examples/demo-server.mjs';
import { launchEngine, type EngineBrowser } from '../support/engines';
import { playwrightPage } from '../support/engines/chromium';
import { waitFor } from '../support/fixtures';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let demo: Awaited<ReturnType<typeof startDemo>>;
let browser: EngineBrowser;
/** A Chromium tab of the driver layer, as the Playwright page behind it (for the viewport and screenshots). */
const newPage = async () => playwrightPage(await browser.newTab());

beforeAll(async () => {
  // Without nginx the story is primary → alternate, the same on machines with and without it.
  demo = await startDemo({ nginx: false });
  browser = await launchEngine('chromium');
});
afterAll(async () => {
  await browser?.close();
  await demo?.close();
});

const cell = (page: Page, id: string) => page.textContent(`#${id}`).then((t) => (t ?? '').trim());
const setMode = (page: Page, host: string, mode: string) => page.click(`#host-${host} button[data-mode="${mode}"]`);

describe('the dashboard', () => {
  it('shows an outage, the failover and zero lost after recovery', async () => {
    const errors: string[] = [];
    const dashboard = await newPage();
    await dashboard.setViewportSize({ width: 980, height: 760 });
    dashboard.on('pageerror', (e) => errors.push(`dashboard: ${e.message}`));
    await dashboard.goto(demo.dashboardUrl);
    await waitFor(() => dashboard.$('#host-primary button[data-mode="refuse"]'), 10_000);

    await setMode(dashboard, 'primary', 'refuse');
    await waitFor(async () => (await cell(dashboard, 'host-primary td:nth-child(2)')) === 'refuse', 5_000);
    expect(demo.collector.stats().byHost.primary!.fault.mode).toBe('refuse');

    const site = await newPage();
    site.on('pageerror', (e) => errors.push(`site: ${e.message}`));
    await site.goto(demo.url);
    for (let i = 0; i < 5; i++) await site.click('#track');
    await site.click('a[href="/products.html"]');
    await site.click('#add-boots');
    // The sending tab failed over: the dashboard names the alternate as the serving host.
    await waitFor(async () => (await cell(dashboard, 'd-host')) === 'alternate', 15_000);

    // Every host down for a few seconds: the outbox fills up, on the chart too.
    await setMode(dashboard, 'alternate', '503');
    const spa = await newPage();
    spa.on('pageerror', (e) => errors.push(`spa: ${e.message}`));
    await spa.goto(demo.spaUrl);
    await spa.click('a[href="/spa/pricing"]');
    await spa.click('#action');
    await spa.click('a[href="/spa/account"]');
    await spa.click('#action');
    await site.click('a[href="/"]');
    await site.click('#burst');
    await waitFor(async () => Number(await cell(dashboard, 'd-queued')) >= 100, 10_000);
    await dashboard.waitForTimeout(2_500);

    await setMode(dashboard, 'alternate', 'ok');
    await setMode(dashboard, 'primary', 'ok');
    const tracked = await site.evaluate(() => (window as any).outlastDemo.totals().tracked as number);
    // Page loaded + 5 clicks, Page loaded + 1 on products, 3 views + 2 actions in the app, Page loaded + 100.
    expect(tracked).toBe(6 + 2 + 5 + 101);
    await waitFor(
      async () => (await cell(dashboard, 'd-queued')) === '0' && (await cell(dashboard, 'd-unique')) === String(tracked),
      30_000,
    );
    await dashboard.waitForTimeout(2_500);
    expect(await cell(dashboard, 'd-tracked')).toBe(String(tracked));
    expect(await cell(dashboard, 'd-lost')).toBe('0');
    expect(await cell(dashboard, 'd-dropped')).toBe('0');
    expect(demo.collector.stats().byEndpoint.track.unique).toBe(tracked);

    // The chart is drawn: one line per series, with the outage's points in it.
    const points = await dashboard.$$eval('#chart polyline', (ls) => ls.map((l) => (l.getAttribute('points') ?? '').split(' ').length));
    expect(points).toHaveLength(3);
    expect(Math.min(...points)).toBeGreaterThan(5);
    expect(await dashboard.$$eval('#chart rect', (rs) => rs.length)).toBeGreaterThan(3); // shaded outage

    mkdirSync(`${ROOT}test-results`, { recursive: true });
    await dashboard.screenshot({ path: `${ROOT}test-results/demo-dashboard.png`, fullPage: true });
    if (process.env.OUTLAST_UPDATE_DOCS === '1') {
      mkdirSync(`${ROOT}docs`, { recursive: true });
      await dashboard.screenshot({ path: `${ROOT}docs/dashboard.png`, clip: { x: 0, y: 0, width: 980, height: 540 } });
      expect(statSync(`${ROOT}docs/dashboard.png`).size).toBeLessThan(100_000);
    }
    expect(errors).toEqual([]);
  }, 90_000);
});
