import { describe, expect, it } from 'vitest';
import { HANDOFF_TRUST_MS, KEEPALIVE_UNKNOWN_MS } from '../../../src/constants';
import { createLedger } from '../../../src/delivery/ledger';
import { MemoryStorage } from '../outbox/helpers';
import { bodyOf, fakeOutbox, testLedger } from './fakes';

function pageRig() {
  let t = 1_000_000;
  const outbox = fakeOutbox();
  const ledger = testLedger(() => t);
  outbox.onEnqueue(ledger.enqueued);
  outbox.onDrop(ledger.dropped);
  const pendingIds = () => ledger.pending().records.map((r) => r.id);
  return { outbox, ledger, pendingIds, advance: (ms: number) => (t += ms) };
}

describe("ledger: this page's unacknowledged records", () => {
  it('holds what was enqueued until it is acknowledged (here or in another tab) or dropped', async () => {
    const { outbox, ledger, pendingIds } = pageRig();
    const [a, b, c, d] = outbox.add(4);
    ledger.acknowledged([a!.id]); // this tab's sender
    ledger.acknowledged([c!.id, 'not-ours']); // another tab's, announced
    await outbox.drop([d!], 'rejected');
    expect(pendingIds()).toEqual([b!.id]);
    ledger.clear();
    expect(pendingIds()).toEqual([]);
  });

  it('keeps a bounded list, oldest first', () => {
    const { outbox, ledger } = pageRig();
    outbox.add(1_200, 'track', (i) => ({ event: `e${i}` }));
    const list = ledger.pending().records;
    expect(list).toHaveLength(1_000);
    expect(bodyOf(list[0]!).event).toBe('e200');
    expect(bodyOf(list[999]!).event).toBe('e1199');
  });

  it('leaves out records of keepalive requests in flight, and of those that failed without an answer for KEEPALIVE_UNKNOWN_MS', () => {
    const { outbox, ledger, pendingIds, advance } = pageRig();
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

/** Two ledgers on one localStorage, as the hiding page and the next page (or another tab) see it. */
function rig(storage: Storage | null = new MemoryStorage()) {
  let t = 1_000_000;
  const now = () => t;
  const make = () =>
    createLedger(
      'tok',
      () => HANDOFF_TRUST_MS,
      now,
      () => storage,
    );
  return { leaving: make(), next: make(), storage, advance: (ms: number) => (t += ms), now };
}

describe('ledger: hand-offs', () => {
  it('what one page handed off, another page holds, until a 2xx from that host to a request started since confirms it', () => {
    const { leaving, next, advance, now } = rig();
    leaving.handedOff(['a', 'b'], 'https://h1');
    leaving.handedOff(['c'], 'https://h2');
    expect([...next.heldIds()].sort()).toEqual(['a', 'b', 'c']);
    const before = now() - 1;
    advance(500);
    expect(next.answered('https://h1', before, true), 'a request started before the hand-off says nothing of it').toEqual([]);
    expect(next.answered('https://h1', now(), true)).toEqual(['a', 'b']);
    expect([...next.heldIds()], 'the other host has not answered').toEqual(['c']);
    expect(leaving.held()).toEqual([{ ids: ['c'], host: 'https://h2', at: 1_000_000 }]);
  });

  it('a failure of any host releases every hand-off: their records are sent as usual', () => {
    const { leaving, next, advance, now } = rig();
    leaving.handedOff(['a'], 'https://h1');
    leaving.handedOff(['b'], 'https://h2');
    advance(100);
    // even a request started before: it failed after the hand-off. And a failure of another host:
    // an outage may have begun before the hand-off and end within the window, when a 2xx from
    // h2 would vouch for what it never got.
    expect(next.answered('https://h1', now() - 5_000, false)).toEqual([]);
    expect([...next.heldIds()]).toEqual([]);
    expect(next.answered('https://h2', now(), true), 'nothing left to confirm on the other host').toEqual([]);
    expect(next.answered('https://h1', now(), true), 'nothing left to confirm on that host').toEqual([]);
  });

  it('the window ending without an answer releases it; an answer after that confirms nothing', () => {
    const { leaving, next, advance, now } = rig();
    leaving.handedOff(['a'], 'https://h1');
    const sent = now() + 10;
    advance(HANDOFF_TRUST_MS);
    expect([...next.heldIds()]).toEqual(['a']);
    advance(1);
    expect([...next.heldIds()]).toEqual([]);
    expect(next.answered('https://h1', sent, true)).toEqual([]);
  });

  it('a clock set back past the hand-off releases it rather than holding it longer', () => {
    const { leaving, next, advance } = rig();
    leaving.handedOff(['a'], 'https://h1');
    advance(-60_000);
    expect(next.held()).toEqual([]);
  });

  it('keeps at most 2,000 ids: past that the oldest hand-offs are released (a duplicate, never a loss)', () => {
    const { leaving, storage } = rig();
    for (let i = 0; i < 5; i++)
      leaving.handedOff(
        Array.from({ length: 600 }, (_, k) => `p${i}-${k}`),
        'https://h1',
      );
    const held = leaving.held();
    expect(held.map((e) => e.ids[0])).toEqual(['p2-0', 'p3-0', 'p4-0']);
    expect(storage!.getItem('mp_handoff_tok')!.length).toBeLessThan(40_000);
    leaving.clear();
    expect(storage!.getItem('mp_handoff_tok')).toBeNull();
  });

  it('a broken stored value holds nothing; without localStorage the hand-off lives in memory for this page', () => {
    const storage = new MemoryStorage();
    storage.setItem('mp_handoff_tok', '{not json');
    const { next } = rig(storage);
    expect(next.held()).toEqual([]);
    storage.setItem('mp_handoff_tok', JSON.stringify([[1_000_000, 'https://h1', ['a', 2]], 'x', [1_000_000, 'https://h1', ['b']]]));
    expect([...next.heldIds()]).toEqual(['b']);

    const alone = rig(null);
    alone.leaving.handedOff(['a'], 'https://h1');
    expect([...alone.leaving.heldIds()]).toEqual(['a']);
    expect([...alone.next.heldIds()], 'another page cannot see it').toEqual([]);
  });

  it('a full localStorage loses the hand-off, not the page: nothing throws', () => {
    const storage = new MemoryStorage();
    storage.setItem = () => {
      throw new DOMException('full', 'QuotaExceededError');
    };
    const { leaving } = rig(storage);
    expect(() => leaving.handedOff(['a'], 'https://h1')).not.toThrow();
  });
});

describe('ledger: a hide hands off the beacon and the keepalive requests on their way', () => {
  it('stores both, leaves out a failing host, and holds them out of what is pending', () => {
    const { outbox, ledger, pendingIds } = pageRig();
    const recs = outbox.add(6);
    const ids = (from: number, to: number) => recs.slice(from, to).map((r) => r.id);
    ledger.keepaliveStarted(ids(0, 2), 1_000, 'https://h1');
    ledger.keepaliveStarted(ids(2, 3), 500, 'https://down');
    ledger.handedOff(ids(3, 5), 'https://h2', undefined, (host) => host === 'https://down');
    expect(ledger.held().map((e) => [e.host, e.ids])).toEqual([
      ['https://h2', ids(3, 5)],
      ['https://h1', ids(0, 2)],
    ]);
    expect(pendingIds(), 'neither in a keepalive request nor handed off').toEqual(ids(5, 6));
    expect(ledger.answered('https://h1', 1_000_000, false)).toEqual([]);
    expect(ledger.held(), 'a failure releases them').toEqual([]);
    expect(pendingIds()).toEqual(ids(3, 6));
  });
});
