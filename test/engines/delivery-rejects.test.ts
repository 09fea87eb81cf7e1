// A host that reads a batch and refuses it: 413 splits the batch until it fits, 400 splits it
// until the one bad event stands alone, and only that one is dropped (and reported).
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/fixtures';
import { useEngineScenario, type EngineHarness } from '../support/engines/harness';
import { arrived, deliveryState, expectedLabels, reportsOf, sdkPage, trackScript, waitArrived, waitState } from '../support/sdk-page';

let h: EngineHarness;
const open = useEngineScenario((harness) => (h = harness));

describe('batches the host refuses', () => {
  it('413 above 10 events per request: the batch is split and every event arrives', async () => {
    await h.collector.setMode('primary', '413', { maxEvents: 10 });
    const token = 'reject-413';
    const page = await open(
      sdkPage(h, '/413.html', { token, hosts: ['primary'], script: trackScript('big', 35), config: { debug: true } }),
    );

    const got = await waitArrived(h.collector, token, 35, 20_000);
    expect(got.labels).toEqual(expectedLabels('big', 35));
    const log = h.collector.requests();
    expect(log.some((r) => r.status === 413)).toBe(true);
    expect(log.filter((r) => r.status === 200).every((r) => r.count <= 10)).toBe(true);
    expect(got.duplicates).toBe(0);
    expect((await deliveryState(page)).dropped).toBe(0);
  });

  it('a poison event answered with 400: every good event arrives, only the poison one is dropped and reported', async () => {
    await h.collector.setMode('primary', '400');
    const token = 'reject-400';
    const script = [trackScript('good', 12), "mixpanel.track('bad', { label: 'bad', poison: true });", trackScript('fine', 12)].join('\n');
    const page = await open(sdkPage(h, '/400.html', { token, hosts: ['primary'], script, config: { debug: true } }));

    const got = await waitArrived(h.collector, token, 24, 20_000);
    expect(got.labels).toEqual([...expectedLabels('good', 12), ...expectedLabels('fine', 12)].sort());
    expect(got.duplicates).toBe(0);

    const dropped = await waitFor(async () => (await reportsOf(page)).filter((r) => r.code === 'dropped'), 10_000);
    expect(dropped).toEqual([expect.objectContaining({ code: 'dropped', reason: 'rejected', count: 1 })]);
    const state = await waitState(page, (s) => s.queued === 0);
    expect(state.dropped).toBe(1);
    expect(arrived(h.collector, token, 'bad').raw).toBe(0);
  });
});
