// A page whose renderer is killed (an out-of-memory kill, a discarded mobile tab) gets no
// `pagehide`, so no unload beacon leaves; the visitor never comes back. Where the browser has
// `fetchLater()` (Chromium 135+), the page keeps one deferred request armed with what no host
// has acknowledged, and the browser sends it when the document is destroyed.
//
// Firefox and WebKit have no `fetchLater()`, and their drivers cannot kill one page's renderer:
// there such a page's events wait in the outbox for the visitor's next page of the site.
import { describe, expect, it } from 'vitest';
import { DEFERRED_SEND_DELAY_MS } from '../../src/constants';
import { crashTab } from '../support/engines/chromium';
import { useEngineScenario, type EngineHarness } from '../support/engines/harness';
import { arrived, deliveryState, expectedLabels, sdkPage, trackIn, waitArrived } from '../support/sdk-page';
import { sleep, waitFor } from '../support/wait';

let h: EngineHarness;
const open = useEngineScenario((harness) => (h = harness));

/** How long after the last `track()` the renderer is killed: past the re-arm delay, and nothing more. */
const KILL_AFTER_MS = DEFERRED_SEND_DELAY_MS + 150;

/** How long the collector is watched for late copies once everything arrived. */
const SETTLE_MS = 2_000;

describe('a page whose renderer is killed, no pagehide, no return visit', () => {
  it('ten events the sender still holds (60 s flush interval): 10 of 10 arrive through fetchLater, once', async (ctx) => {
    if (h.engine !== 'chromium') return ctx.skip('no fetchLater');
    const token = 'later-held';
    const tab = await open(sdkPage(h, '/held.html', { token, config: { debug: true, batch_flush_interval_ms: 60_000 } }));
    await waitFor(async () => (await deliveryState(tab)).is_sender, 10_000);
    await trackIn(tab, 'held', 10);
    await sleep(KILL_AFTER_MS);
    expect(h.collector.requests()).toEqual([]); // nothing left the page before the kill
    await crashTab(tab);

    const got = await waitArrived(h.collector, token, 10, 10_000);
    await sleep(SETTLE_MS);
    const after = arrived(h.collector, token);
    expect(got.labels).toEqual(expectedLabels('held', 10));
    expect(after.unique).toBe(10);
    expect(after.duplicates).toBe(0);
  });

  it('a people.increment the sender still holds, under Mixpanel semantics: applied once, through fetchLater', async (ctx) => {
    if (h.engine !== 'chromium') return ctx.skip('no fetchLater');
    const token = 'later-people';
    h.collector.setSemantics('mixpanel'); // a `$add` received twice is applied twice
    try {
      const tab = await open(sdkPage(h, '/people.html', { token, config: { debug: true, batch_flush_interval_ms: 60_000 } }));
      await waitFor(async () => (await deliveryState(tab)).is_sender, 10_000);
      await tab.evaluate(() => {
        const mp = (
          window as unknown as { mixpanel: { identify(id: string): void; people: { increment(name: string, by: number): void } } }
        ).mixpanel;
        mp.identify('later-user');
        mp.people.increment('visits', 1);
      });
      await sleep(KILL_AFTER_MS);
      await crashTab(tab);

      await waitFor(() => h.collector.profiles().people['later-user']?.operations.$add === 1, 10_000);
      await sleep(SETTLE_MS);
      const profile = h.collector.profiles().people['later-user']!;
      expect(profile.operations.$add).toBe(1);
      expect(profile.properties.visits).toBe(1);
    } finally {
      h.collector.setSemantics('dedupe');
    }
  });

  it('killed with a request in flight (the host answers after 3 s) and two batches waiting: 30 of 30 arrive, none twice', async (ctx) => {
    if (h.engine !== 'chromium') return ctx.skip('no fetchLater');
    const token = 'later-in-flight';
    // The collector counts what it receives at once and answers 3 s later: the page's keepalive
    // request (one at a time, 10 records) is still open when the renderer dies, so its records
    // must not also be in the deferred request; the two batches waiting behind it are only there.
    for (const host of Object.keys(h.collector.urls)) await h.collector.setMode(host, 'ok', { delay: 3_000 });
    const config = { debug: true, max_in_flight: 1, batch_size: 10, batch_request_timeout_ms: 10_000 };
    const tab = await open(sdkPage(h, '/in-flight.html', { token, config }));
    await waitFor(async () => (await deliveryState(tab)).is_sender, 10_000);
    for (let burst = 0; burst < 3; burst++) {
      await trackIn(tab, `flight${burst}`, 10);
      await sleep(KILL_AFTER_MS);
    }
    const inFlight = (await deliveryState(tab)).in_flight;
    await crashTab(tab);

    await waitArrived(h.collector, token, 30, 10_000);
    await sleep(SETTLE_MS);
    const after = arrived(h.collector, token);
    console.log(`${inFlight} record(s) in flight at the kill; ${after.unique} unique, ${after.raw} raw arrived`);
    expect(inFlight).toBe(10);
    expect(after.labels).toEqual([0, 1, 2].flatMap((b) => expectedLabels(`flight${b}`, 10)).sort());
    expect(after.duplicates).toBe(0);
  });
});
