// Host failover in every engine: a primary that refuses or hangs is passed over for the
// alternate at once, and a Retry-After is honoured on every host.
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/fixtures';
import { useEngineScenario, type EngineHarness } from '../support/engines/harness';
import { expectedLabels, sdkPage, trackScript, waitArrived } from '../support/sdk-page';

let h: EngineHarness;
const open = useEngineScenario((harness) => (h = harness));

describe('failover between ingest hosts', () => {
  it('a primary that refuses connections: every event arrives through the alternate', async () => {
    await h.collector.setMode('primary', 'refuse');
    const token = 'failover-refuse';
    await open(sdkPage(h, '/refuse.html', { token, script: trackScript('refused', 30), config: { debug: true } }));

    const got = await waitArrived(h.collector, token, 30, 20_000);
    expect(got.labels).toEqual(expectedLabels('refused', 30));
    expect([...got.hosts]).toEqual(['alternate']);
    expect(got.duplicates).toBe(0);
  });

  it('a primary that accepts and never answers: every event arrives through the alternate after one timeout', async () => {
    await h.collector.setMode('primary', 'hang');
    const token = 'failover-hang';
    await open(sdkPage(h, '/hang.html', { token, script: trackScript('hung', 10), config: { debug: true } }));

    const got = await waitArrived(h.collector, token, 10, 20_000);
    expect(got.labels).toEqual(expectedLabels('hung', 10));
    expect([...got.hosts]).toEqual(['alternate']);
    // One request (one batch) waited for the timeout on the primary, then the sender moved on for good.
    const firstAccepted = h.collector.requests().find((r) => r.host === 'alternate' && r.status === 200)!;
    const hungBefore = h.collector.requests().filter((r) => r.host === 'primary' && r.seq < firstAccepted.seq);
    expect(hungBefore.map((r) => r.status)).toEqual(['hang']);
    expect(got.duplicates).toBe(0);
  });

  it('429 with Retry-After: 3 on every host: no request to a host within 3 s of its 429, then all arrive', async () => {
    await h.collector.setMode('primary', '429', { retryAfter: 3 });
    await h.collector.setMode('alternate', '429', { retryAfter: 3 });
    const token = 'failover-429';
    await open(sdkPage(h, '/429.html', { token, script: trackScript('limited', 10), config: { debug: true } }));

    await waitFor(() => h.collector.requests().filter((r) => r.status === 429).length >= 2, 20_000);
    await h.collector.setMode('primary', 'ok');
    await h.collector.setMode('alternate', 'ok');

    const got = await waitArrived(h.collector, token, 10, 20_000);
    expect(got.labels).toEqual(expectedLabels('limited', 10));

    const log = h.collector.requests();
    let followed = 0;
    for (const limited of log.filter((r) => r.status === 429)) {
      const next = log.find((r) => r.host === limited.host && r.seq > limited.seq);
      if (!next) continue;
      followed++;
      expect(next.time - limited.time, `request to ${limited.host} after its 429`).toBeGreaterThanOrEqual(3_000);
    }
    expect(followed).toBeGreaterThanOrEqual(1);
    expect(got.duplicates).toBe(0);
  });
});
