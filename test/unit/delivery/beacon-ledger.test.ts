import { describe, expect, it } from 'vitest';
import { KEEPALIVE_UNKNOWN_MS } from '../../../src/constants';
import { createBeaconLedger } from '../../../src/delivery/beacon-ledger';
import { bodyOf, fakeOutbox } from './fakes';

function rig() {
  let t = 1_000_000;
  const outbox = fakeOutbox();
  const ledger = createBeaconLedger(() => t);
  outbox.onEnqueue(ledger.enqueued);
  outbox.onDrop(ledger.dropped);
  const pendingIds = () => ledger.pending().records.map((r) => r.id);
  return { outbox, ledger, pendingIds, advance: (ms: number) => (t += ms) };
}

describe('beacon ledger', () => {
  it('holds what was enqueued until it is acknowledged (here or in another tab) or dropped', async () => {
    const { outbox, ledger, pendingIds } = rig();
    const [a, b, c, d] = outbox.add(4);
    ledger.acknowledged([a!.id]); // this tab's sender
    ledger.acknowledged([c!.id, 'not-ours']); // another tab's, announced
    await outbox.drop([d!], 'rejected');
    expect(pendingIds()).toEqual([b!.id]);
    ledger.clear();
    expect(pendingIds()).toEqual([]);
  });

  it('keeps a bounded list, oldest first', () => {
    const { outbox, ledger } = rig();
    outbox.add(1_200, 'track', (i) => ({ event: `e${i}` }));
    const list = ledger.pending().records;
    expect(list).toHaveLength(1_000);
    expect(bodyOf(list[0]!).event).toBe('e200');
    expect(bodyOf(list[999]!).event).toBe('e1199');
  });

  it('leaves out records of keepalive requests in flight, and of those that failed without an answer for KEEPALIVE_UNKNOWN_MS', () => {
    const { outbox, ledger, pendingIds, advance } = rig();
    const recs = outbox.add(6);
    const first = ledger.keepaliveStarted([recs[0]!.id, recs[1]!.id], 1_000);
    const second = ledger.keepaliveStarted([recs[2]!.id], 500);
    expect(ledger.keepaliveBytes()).toBe(1_500);
    expect(pendingIds()).toEqual(recs.slice(3).map((r) => r.id));
    first(true); // answered (or aborted by us): gone
    second(false); // no answer: the browser may still send it
    expect(ledger.pending()).toEqual({ records: [recs[0], recs[1], ...recs.slice(3)], keepaliveBytes: 500 });
    advance(KEEPALIVE_UNKNOWN_MS + 1);
    expect(pendingIds()).toEqual(recs.map((r) => r.id));
    expect(ledger.keepaliveBytes()).toBe(0);
  });
});
