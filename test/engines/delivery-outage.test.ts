// Outages in real Chromium: every host failing while the user moves through the site, the
// browser killed mid-outage, and the page going offline. Nothing is lost once ingest is back.
import { describe, expect, it } from 'vitest';
import type { Request } from 'playwright-core';
import { waitFor, type Harness } from '../support/fixtures';
import { arrived, deliveryState, expectedLabels, sdkPage, trackIn, trackScript, useScenario, waitArrived } from '../support/sdk-page';

let h: Harness;
const open = useScenario((harness) => (h = harness));

async function everyHost(mode: 'ok' | '503' | 'refuse'): Promise<void> {
  for (const name of Object.keys(h.collector.urls)) await h.collector.setMode(name, mode);
}

describe('outages', () => {
  it('every host answers 503 while the user visits 5 pages tracking 20 events each; then 100 of 100 arrive', async () => {
    await everyHost('503');
    const token = 'outage-pages';
    const page = await open();
    const names: string[] = [];
    for (let i = 1; i <= 5; i++) {
      const name = `visit${i}`;
      names.push(name);
      await page.goto(sdkPage(h, `/visit${i}.html`, { token, script: trackScript(name, 20), config: { debug: true } }));
      // on to the next page after one more failed request (a fetch, or this page's beacon): some pages
      // leave before their outbox's store has even opened, as a quick click through the site does
      await waitFor(() => h.collector.requests().filter((r) => r.status === 503).length >= i, 10_000);
    }
    expect(arrived(h.collector, token).unique).toBe(0);

    await everyHost('ok');
    const got = await waitArrived(h.collector, token, 100);
    expect(got.unique).toBe(100);
    expect(got.labels).toEqual(names.flatMap((n) => expectedLabels(n, 20)).sort());
    expect(got.duplicates).toBeLessThan(100 * 0.01);
  });

  it('the browser is SIGKILLed 1 s after the last track() during an outage; after a restart every event arrives', async () => {
    await everyHost('refuse');
    const token = 'outage-kill';
    const page = await open(sdkPage(h, '/before-crash.html', { token, script: trackScript('crash', 25) }));
    await page.waitForTimeout(1_000);
    await h.restartBrowser();

    await everyHost('ok');
    await open(sdkPage(h, '/after-crash.html', { token }));
    const got = await waitArrived(h.collector, token, 25);
    expect(got.unique).toBe(25);
    expect(got.labels).toEqual(expectedLabels('crash', 25));
    expect(got.duplicates).toBe(0);
  });

  it('offline: no request is attempted while offline, and every event arrives once back online', async () => {
    const token = 'outage-offline';
    const page = await open(sdkPage(h, '/offline.html', { token }));
    const attempted: string[] = [];
    const collectorOrigins = Object.values(h.collector.urls).map((u) => new URL(u).origin);
    const onRequest = (r: Request) => {
      if (collectorOrigins.includes(new URL(r.url()).origin)) attempted.push(r.url());
    };
    await h.browser.context.setOffline(true);
    page.on('request', onRequest);
    try {
      await waitFor(async () => (await deliveryState(page)).offline, 5_000);
      await trackIn(page, 'offline', 15);
      await page.waitForTimeout(1_500); // fifteen flush intervals
      expect((await deliveryState(page)).queued).toBe(15);
      // the hosts are up: anything this page had sent would have been accepted. (Counting all
      // requests instead would also count a keepalive fetch of an earlier test's closed tab.)
      expect(arrived(h.collector, token).raw).toBe(0);
    } finally {
      page.off('request', onRequest);
      await h.browser.context.setOffline(false);
    }
    expect(attempted).toEqual([]);

    const got = await waitArrived(h.collector, token, 15);
    expect(got.unique).toBe(15);
    expect(got.labels).toEqual(expectedLabels('offline', 15));
    expect(got.duplicates).toBe(0);
  });
});
