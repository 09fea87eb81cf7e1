// Outages in every engine: every host failing while the user moves through the site, the
// browser killed mid-outage, and the page going offline. Nothing is lost once ingest is back.
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/fixtures';
import { useEngineScenario, type EngineHarness } from '../support/engines/harness';
import { arrived, deliveryState, expectedLabels, sdkPage, trackIn, trackScript, waitArrived } from '../support/sdk-page';

let h: EngineHarness;
const open = useEngineScenario((harness) => (h = harness));

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

  it('an outage that ends just after the visitor moved on: what the leaving page handed to a failing host is sent again, not taken as delivered', async () => {
    // The primary's 503 is heard; the alternate's comes after the page has gone, so no page ever hears it.
    await everyHost('503');
    await h.collector.setMode('alternate', '503', { delay: 1_500 });
    const token = 'outage-unheard';
    const page = await open(sdkPage(h, '/unheard-1.html', { token, script: trackScript('left', 20) }));
    await waitFor(() => h.collector.requests().some((r) => r.host === 'alternate'), 10_000);
    await page.goto(sdkPage(h, '/unheard-2.html', { token }));
    await everyHost('ok');
    await h.collector.setMode('alternate', 'ok', { delay: 0 });
    // the next page's own event gets a 2xx from the host the leaving page handed its events to
    await trackIn(page, 'stayed', 1);
    const got = await waitArrived(h.collector, token, 21);
    expect(got.unique).toBe(21);
    expect(got.labels).toEqual([...expectedLabels('left', 20), ...expectedLabels('stayed', 1)].sort());
  });

  it('the browser is SIGKILLed 1 s after the last track() during an outage; after a restart every event arrives', async (ctx) => {
    if (!h.browser.persistentProfile) return ctx.skip(`${h.engine}'s automation sessions keep no storage across a restart`);
    await everyHost('refuse');
    const token = 'outage-kill';
    await open(sdkPage(h, '/before-crash.html', { token, script: trackScript('crash', 25) }));
    await new Promise((r) => setTimeout(r, 1_000));
    await h.restartBrowser();

    await everyHost('ok');
    await open(sdkPage(h, '/after-crash.html', { token }));
    const got = await waitArrived(h.collector, token, 25);
    expect(got.unique).toBe(25);
    expect(got.labels).toEqual(expectedLabels('crash', 25));
    expect(got.duplicates).toBe(0);
  });

  it('offline: no request is attempted while offline, and every event arrives once back online', async (ctx) => {
    const setOffline = h.browser.setOffline;
    if (!setOffline) return ctx.skip(`${h.engine}'s driver cannot take the browser offline`);
    const token = 'outage-offline';
    const page = await open(sdkPage(h, '/offline.html', { token }));
    // count the requests the page starts (the SDK looks `fetch` up at each send)
    await page.evaluate(() => {
      const w = window as unknown as { fetch: typeof fetch; __attempts: number };
      const real = w.fetch;
      w.__attempts = 0;
      w.fetch = (...args: Parameters<typeof fetch>) => {
        w.__attempts++;
        return real(...args);
      };
    });
    await setOffline(true);
    try {
      await waitFor(async () => (await deliveryState(page)).offline, 5_000);
      await trackIn(page, 'offline', 15);
      await new Promise((r) => setTimeout(r, 1_500)); // fifteen flush intervals
      expect((await deliveryState(page)).queued).toBe(15);
      // the hosts are up: anything this page had sent would have been accepted
      expect(arrived(h.collector, token).raw).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __attempts: number }).__attempts)).toBe(0);
    } finally {
      await setOffline(false);
    }

    const got = await waitArrived(h.collector, token, 15);
    expect(got.unique).toBe(15);
    expect(got.labels).toEqual(expectedLabels('offline', 15));
    expect(got.duplicates).toBe(0);
  });
});
