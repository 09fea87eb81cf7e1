// Issue 14 item 5 in every engine: a host that answers 404 (a misrouted proxy, say) is passed over for the next
// host at once, and a batch that every host refuses that way is dropped and reported instead of retried for days.
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/fixtures';
import { useEngineScenario, type EngineHarness } from '../support/engines/harness';
import { arrived, expectedLabels, reportsOf, sdkPage, trackScript, waitArrived } from '../support/sdk-page';

let h: EngineHarness;
const open = useEngineScenario((harness) => (h = harness));

describe('hosts that refuse for good', () => {
  it('a primary answering 404: every event arrives through the alternate', async () => {
    await h.collector.setMode('primary', 'notfound');
    const token = 'refusal-primary-' + h.engine;
    await open(sdkPage(h, '/notfound.html', { token, script: trackScript('refused-once', 20) }));
    const got = await waitArrived(h.collector, token, 20, 20_000);
    expect(got.labels).toEqual(expectedLabels('refused-once', 20));
    expect([...got.hosts]).toEqual(['alternate']);
  });

  it('every host answering 404: the batch is dropped and reported once, not retried', async () => {
    for (const name of Object.keys(h.collector.urls)) await h.collector.setMode(name, 'notfound');
    const token = 'refusal-everywhere-' + h.engine;
    const start = h.collector.requests().length;
    const page = await open(sdkPage(h, '/everywhere.html', { token, script: trackScript('refused-everywhere', 5) }));
    const dropped = await waitFor(async () => {
      const r = (await reportsOf(page)).filter((x) => x.code === 'dropped' && x.reason === 'refused_by_every_host');
      return r.length ? r : null;
    }, 15_000);
    expect(dropped!.reduce((n, r) => n + (r.count ?? 0), 0)).toBe(5);
    // no retry rounds after the drop
    const tried = h.collector.requests().length - start;
    await new Promise((r) => setTimeout(r, 1_500));
    expect(h.collector.requests().length - start).toBe(tried);
    expect(tried).toBeLessThanOrEqual(Object.keys(h.collector.urls).length);
    expect(arrived(h.collector, token).unique).toBe(0);
  });
});
