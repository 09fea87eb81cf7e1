// Host health shared across pages (issue 16 item 1): what one page learned about the ingest
// hosts is kept per token, so the next page starts with the host that works instead of
// re-learning the outage, its unload beacon goes to the host that answered, and the primary
// is tried again once its failing period is over. `failback_interval_ms` stands for the
// minute a real primary stays passed over.
import { describe, expect, it } from 'vitest';
import type { FaultMode } from '../../examples/collector/collector.mjs';
import { waitFor } from '../support/fixtures';
import { useEngineScenario, type EngineHarness } from '../support/engines/harness';
import type { Tab } from '../support/engines/types';
import { arrived, deliveryState, expectedLabels, sdkPage, trackIn, trackScript, waitArrived, waitState } from '../support/sdk-page';
import { pageHtml } from '../support/site';

let h: EngineHarness;
const open = useEngineScenario((harness) => (h = harness));

/** How long the primary is passed over after failing: long enough for a slow engine to open the next page within it. */
const FAILING_PERIOD_MS = 8_000;

/** The first page of the visit: tracks 5 events, which arrive through the alternate once the primary failed. */
async function firstPage(token: string, mode: FaultMode): Promise<Tab> {
  await h.collector.setMode('primary', mode);
  const tab = await open(
    sdkPage(h, `/${token}-1.html`, {
      token,
      script: trackScript('first', 5),
      config: { debug: true, failback_interval_ms: FAILING_PERIOD_MS },
    }),
  );
  const got = await waitArrived(h.collector, token, 5, 20_000);
  expect([...got.hosts]).toEqual(['alternate']);
  expect(h.collector.requests().some((r) => r.host === 'primary')).toBe(true); // the page did meet the failing primary
  await acknowledged(tab);
  return tab;
}

/** The `/track` requests the collector logged after `seq`, in order, as `host status`. */
function trackRequestsSince(seq: number): string[] {
  return h.collector
    .requests(seq)
    .filter((r) => r.endpoint === 'track')
    .map((r) => `${r.host} ${r.status}`);
}

/**
 * Waits until the page has read the answers to what it sent: leaving earlier would beacon
 * records the collector already has, a duplicate by design that this file does not count.
 */
const acknowledged = (tab: Tab) => waitState(tab, (s) => s.queued === 0 && s.in_flight === 0);

const lastSeq = (): number => h.collector.requests().at(-1)?.seq ?? 0;

describe('host health shared across pages', () => {
  for (const mode of ['503', 'hang'] as const) {
    it(`primary ${mode === '503' ? 'answers 503' : 'hangs'}: the next page's first request goes to the alternate`, async () => {
      const token = `health-next-${mode}`;
      const tab = await firstPage(token, mode);

      const before = lastSeq();
      await tab.goto(
        sdkPage(h, `/${token}-2.html`, {
          token,
          script: trackScript('second', 5),
          config: { debug: true, failback_interval_ms: FAILING_PERIOD_MS },
        }),
      );
      await waitFor(() => arrived(h.collector, token, 'second').unique === 5, 20_000);
      const requests = trackRequestsSince(before);
      expect(requests[0], `requests of the second page: ${requests.join(', ')}`).toBe('alternate 200');
      expect(requests.filter((r) => r.startsWith('primary'))).toEqual([]);
      expect(arrived(h.collector, token).duplicates).toBe(0);
    });
  }

  it('the unload beacon of a page that has sent nothing yet goes to the host that answered', async () => {
    const token = 'health-beacon';
    const tab = await firstPage(token, '503');

    // a page whose sender has nothing to send and would wait a minute for more: only the beacon carries what it tracks
    await tab.goto(
      sdkPage(h, `/${token}-2.html`, {
        token,
        config: { debug: true, failback_interval_ms: FAILING_PERIOD_MS, batch_flush_interval_ms: 60_000, batch_size: 50 },
      }),
    );
    await waitState(tab, (s) => s.is_sender);
    const away = h.site.page(`/${token}-away.html`, pageHtml({ body: '<h1>elsewhere</h1>' }));
    const before = lastSeq();
    await tab.evaluate((url: string) => {
      const mp = (window as unknown as { mixpanel: { track(name: string, props: object): void } }).mixpanel;
      for (let i = 0; i < 5; i++) mp.track('leaving', { label: 'leaving-' + i });
      location.href = url;
    }, away);
    await tab.waitForURL(away);

    // no page of the site is open now: what arrives came by the beacon
    await waitFor(() => arrived(h.collector, token, 'leaving').unique === 5, 10_000).catch(() => undefined);
    const requests = trackRequestsSince(before);
    expect(arrived(h.collector, token, 'leaving').labels, `requests after the page left: ${requests.join(', ')}`).toEqual(
      expectedLabels('leaving', 5),
    );
    expect(requests).toEqual(['alternate 200']);
  });

  it('once the primary recovers and its failing period ends, traffic returns to it', async () => {
    const token = 'health-recover';
    const tab = await firstPage(token, '503');
    await h.collector.setMode('primary', 'ok');

    const before = lastSeq();
    const primary = h.collector.urls.primary!;
    await tab.goto(sdkPage(h, `/${token}-2.html`, { token, config: { debug: true, failback_interval_ms: FAILING_PERIOD_MS } }));
    await trackIn(tab, 'during', 5);
    await waitFor(() => arrived(h.collector, token, 'during').unique === 5, 20_000);
    expect(trackRequestsSince(before)[0]).toBe('alternate 200'); // still within the failing period: the alternate

    await waitState(tab, (s) => s.host === primary, FAILING_PERIOD_MS + 10_000); // the period is over: the primary is next
    const probe = lastSeq();
    await trackIn(tab, 'after', 5);
    await waitFor(() => arrived(h.collector, token, 'after').unique === 5, 20_000);
    expect(trackRequestsSince(probe)).toEqual(['primary 200']);
    await acknowledged(tab);

    // and the next page starts with the primary
    const third = lastSeq();
    await tab.goto(sdkPage(h, `/${token}-3.html`, { token, script: trackScript('third', 5), config: { debug: true } }));
    await waitFor(() => arrived(h.collector, token, 'third').unique === 5, 20_000);
    expect(trackRequestsSince(third)).toEqual(['primary 200']);
    expect((await deliveryState(tab)).host).toBe(primary);
    expect(arrived(h.collector, token).duplicates).toBe(0);
  });
});
