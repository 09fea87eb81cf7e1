// Issue 14 item 5: a host that refuses a batch for good (401, 403, 404, other 4xx but 408/413/429)
// is failed over; a batch every host refuses is dropped and reported instead of retried for days.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSender, type Sender } from '../../../src/delivery/sender';
import type { Answer } from '../../../src/delivery/wire';
import { answer, fakeOutbox, fakeTransport, ok, testConfig, testReporter, type Call } from './fakes';

let sender: Sender | undefined;

function rig(handler: (call: Call) => Answer) {
  const reporter = testReporter();
  const outbox = fakeOutbox(reporter);
  const transport = fakeTransport(handler);
  const cfg = testConfig({ api_host: ['https://a.test', 'https://b.test'] });
  sender = createSender({ outbox, config: () => cfg, reporter, transport, online: () => true, random: () => 1 });
  outbox.onEnqueue(() => sender!.notify());
  return { outbox, transport, sender, reporter };
}

beforeEach(() => void vi.useFakeTimers({ now: 1_000_000 }));
afterEach(() => {
  sender?.stop();
  vi.useRealTimers();
});

describe('sender: refusals that no retry changes', () => {
  it.each([401, 403, 404, 410])('fails over to the next host at once on %i, and delivers there', async (status) => {
    const { outbox, transport, sender } = rig((c) => (c.host === 'https://a.test' ? answer(status) : ok()));
    outbox.add(5);
    sender.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(transport.calls.map((c) => c.host)).toEqual(['https://a.test', 'https://b.test']);
    expect(outbox.records.size).toBe(0);
    expect(outbox.dropped).toHaveLength(0);
  });

  it('drops and reports a batch that every host refuses, instead of retrying it', async () => {
    const { outbox, transport, sender, reporter } = rig(() => answer(401));
    outbox.add(5);
    sender.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(outbox.records.size).toBe(0);
    expect(outbox.dropped).toHaveLength(1);
    expect(outbox.dropped[0]!.records).toHaveLength(5);
    expect(outbox.dropped[0]!.reason).toBe('refused_by_every_host');
    expect(reporter.reports.filter((r) => r.code === 'dropped')).toEqual([
      expect.objectContaining({ reason: 'refused_by_every_host', count: 5 }),
    ]);
    // one request per host, no bisection, no backoff rounds
    expect(transport.calls).toHaveLength(2);
  });

  it('keeps retrying when one host refuses and the other is down', async () => {
    const { outbox, transport, sender } = rig((c) => (c.host === 'https://a.test' ? answer(404) : answer(503)));
    outbox.add(3);
    sender.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(transport.calls.length).toBeGreaterThan(4);
    expect(outbox.dropped).toHaveLength(0);
    expect(outbox.records.size).toBe(3);
  });
});
