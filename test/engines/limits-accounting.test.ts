// Against a collector with Mixpanel's ingestion semantics (200 for a batch with one valid event,
// the others dropped without a word), what a page's delivery state calls delivered is what the
// collector kept: every event Outlast builds is within Mixpanel's limits, so none is dropped.
import { describe, expect, it } from 'vitest';
import { useEngineScenario, type EngineHarness } from '../support/engines/harness';
import { arrived, deliveryState, sdkPage, waitState } from '../support/sdk-page';

let h: EngineHarness;
const open = useEngineScenario((harness) => (h = harness), { collector: { semantics: 'mixpanel' } });

/** Page code: events at and past every limit Mixpanel's /track reference and data-type page give. */
const AT_THE_LIMITS = `
  var wide = {}, keys = {}, list = [];
  for (var i = 0; i < 300; i++) { wide['p' + i] = i; keys['k' + i] = i; list.push(i); }
  var emoji = 'ab' + new Array(501).join('\\ud83d\\ude00');
  var cjk = new Array(301).join('\\u6f22');
  for (var n = 0; n < 3; n++) {
    mixpanel.track('wide', Object.assign({ label: 'wide-' + n }, wide));
    mixpanel.track('nested', { label: 'nested-' + n, keys: keys, list: list });
    mixpanel.track('text', { label: 'text-' + n, emoji: emoji, cjk: cjk });
    mixpanel.track('plain', { label: 'plain-' + n });
  }
  mixpanel.register(wide);
  mixpanel.track('super', { label: 'super' });
`;

describe('accounting against Mixpanel’s silent drops', () => {
  it('events at the limits are all kept: delivered equals what the collector kept, nothing dropped', async () => {
    const token = 'limits-accounting';
    const page = await open(sdkPage(h, '/limits.html', { token, hosts: ['primary'], script: AT_THE_LIMITS }));

    const state = await waitState(page, (s) => s.queued === 0 && s.in_flight === 0 && s.delivered >= 13, 20_000);
    const kept = arrived(h.collector, token);
    const dropped = h.collector.dropped().filter((d) => (d.data.properties as Record<string, unknown> | undefined)?.token === token);
    expect(dropped.map((d) => d.reason)).toEqual([]);
    expect(kept.unique).toBe(13);
    expect(state.delivered).toBe(kept.raw);
    expect((await deliveryState(page)).dropped).toBe(0);

    // what was kept is what a report shows: whole characters within 255 bytes
    const text = h.collector.events({ event: 'text' })[0]!.data.properties as Record<string, string>;
    expect(new TextEncoder().encode(text.emoji).length).toBeLessThanOrEqual(255);
    expect(text.emoji).toBe('ab' + '😀'.repeat(63));
    expect(text.cjk).toBe('漢'.repeat(85));
  });
});
