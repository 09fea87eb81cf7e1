// A device whose clock is days slow: Mixpanel drops `/track` events more than 5 days old by its own
// clock, and answers 200 for a batch it drops. The collector's clock is set 6 days ahead of the
// device's (the same as a device 6 days slow), with Mixpanel's semantics; the ingest host's `Date`
// header follows that clock. Every event a page tracks must be kept, none counted delivered in vain.
import { describe, expect, it } from 'vitest';
import { useEngineScenario, type EngineHarness } from '../support/engines/harness';
import { arrived, sdkPage, waitState } from '../support/sdk-page';

const SIX_DAYS_MS = 6 * 24 * 60 * 60 * 1000;

let h: EngineHarness;
const open = useEngineScenario((harness) => (h = harness), {
  collector: { semantics: 'mixpanel', now: () => Date.now() + SIX_DAYS_MS },
});

describe('a device clock 6 days slow', () => {
  it('10 events tracked are the 10 kept by the collector, and the 10 counted delivered', async () => {
    const token = 'clock-skew';
    const script = `for (var i = 0; i < 10; i++) mixpanel.track('skewed', { n: i });`;
    const page = await open(sdkPage(h, '/skew.html', { token, hosts: ['primary'], script }));

    const state = await waitState(page, (s) => s.queued === 0 && s.in_flight === 0 && s.delivered + s.dropped >= 10, 20_000);
    const dropped = h.collector.dropped().filter((d) => (d.data.properties as Record<string, unknown> | undefined)?.token === token);
    expect(dropped.map((d) => d.reason)).toEqual([]);
    expect(arrived(h.collector, token).unique).toBe(10);
    expect(state.delivered).toBe(10);
  });
});
