import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { electSender, type ChannelLike, type Election, type LockLike } from '../../../src/delivery/leader';
import { createSender } from '../../../src/delivery/sender';
import { memoryStorage } from '../shared/memory-storage';
import { fakeOutbox, fakeTransport, ok, testConfig, testReporter } from './fakes';

/** Web Locks as the spec has them for one exclusive name: granted in request order, released when the callback settles. */
function fakeLocks(): LockLike {
  const holders = new Set<string>();
  const waiting = new Map<string, Array<() => void>>();
  const grantNext = (name: string) => {
    holders.delete(name);
    const next = waiting.get(name)?.shift();
    if (next) next();
  };
  return {
    request(name, options, callback) {
      return new Promise((resolve, reject) => {
        const run = () => {
          holders.add(name);
          callback()
            .then(resolve, reject)
            .finally(() => grantNext(name));
        };
        if (!holders.has(name)) return run();
        const q = waiting.get(name) || [];
        waiting.set(name, q);
        q.push(run);
        options.signal?.addEventListener('abort', () => {
          const i = q.indexOf(run);
          if (i >= 0) q.splice(i, 1);
          reject(new Error('AbortError'));
        });
      });
    },
  };
}

/** BroadcastChannel: a message reaches every other channel of the same name, asynchronously. */
function channelHub(): (name: string) => ChannelLike {
  const all = new Map<string, Set<ChannelLike>>();
  return (name) => {
    const peers = all.get(name) || new Set<ChannelLike>();
    all.set(name, peers);
    const ch: ChannelLike = {
      onmessage: null,
      postMessage(data) {
        peers.forEach((p) => p !== ch && setTimeout(() => p.onmessage?.({ data }), 0));
      },
      close() {
        peers.delete(ch);
      },
    };
    peers.add(ch);
    return ch;
  };
}

let elections: Election[] = [];
beforeEach(() => vi.useFakeTimers({ now: 5_000_000 }));
afterEach(() => {
  elections.forEach((e) => e.close());
  elections = [];
  vi.useRealTimers();
});

describe('one sender per origin and token', () => {
  it('with Web Locks, only the tab holding the lock sends; the other nudges it; the lock passes on close', async () => {
    const locks = fakeLocks();
    const channel = channelHub();
    const cfg = testConfig({ batch_flush_interval_ms: 60_000 });
    const reporter = testReporter();
    const outbox = fakeOutbox(reporter); // the shared IndexedDB of the origin
    const tab = () => {
      const transport = fakeTransport(ok);
      const sender = createSender({ outbox, config: () => cfg, reporter, transport, online: () => true });
      const election = electSender(
        'tok',
        (leader) => (leader ? sender.start() : sender.stop()),
        () => cfg,
        {
          locks,
          channel,
          storage: null,
        },
      );
      election.onNudge(() => void sender.flush());
      elections.push(election);
      return { transport, sender, election };
    };
    const a = tab();
    const b = tab();
    await vi.advanceTimersByTimeAsync(0);
    expect([a.election.isLeader(), b.election.isLeader()]).toEqual([true, false]);

    outbox.add(3); // written by tab B
    b.election.nudge();
    await vi.advanceTimersByTimeAsync(1);
    expect(a.transport.calls).toHaveLength(1);
    expect(b.transport.calls).toHaveLength(0);
    expect(outbox.records.size).toBe(0);

    a.election.close();
    a.sender.stop();
    await vi.advanceTimersByTimeAsync(0);
    expect(b.election.isLeader()).toBe(true);
    outbox.add(2);
    await b.sender.flush();
    expect(b.transport.calls).toHaveLength(1);
    expect(a.transport.calls).toHaveLength(1);
    expect(outbox.records.size).toBe(0);
  });

  it('tells the other tabs which records were acknowledged, and nudges are not mistaken for acks', async () => {
    const channel = channelHub();
    const env = { locks: fakeLocks(), channel, storage: null };
    const a = electSender(
      'tok',
      () => undefined,
      () => testConfig(),
      env,
    );
    const b = electSender(
      'tok',
      () => undefined,
      () => testConfig(),
      env,
    );
    const other = electSender(
      'other-token',
      () => undefined,
      () => testConfig(),
      env,
    );
    elections.push(a, b, other);
    const heard: string[][] = [];
    const nudges: number[] = [];
    b.onAck((ids) => heard.push(ids));
    b.onNudge(() => nudges.push(1));
    other.onAck((ids) => heard.push(['wrong token', ...ids]));
    a.announce(['k1', 'k2']);
    a.nudge();
    await vi.advanceTimersByTimeAsync(1);
    expect(heard).toEqual([['k1', 'k2']]);
    expect(nudges).toEqual([1]);
  });

  it('without Web Locks, a localStorage lease elects one tab and is taken over once it expires', async () => {
    const storage = memoryStorage();
    const cfg = testConfig({ sender_lease_ms: 1_000 });
    const env = { locks: null, channel: null, storage };
    const roles: boolean[] = [];
    storage.setItem('mp_sender_tok', JSON.stringify({ id: 'a-tab-that-froze', exp: Date.now() + 1_000 }));
    const e = electSender(
      'tok',
      (l) => roles.push(l),
      () => cfg,
      env,
    );
    elections.push(e);
    expect(e.isLeader()).toBe(false);
    await vi.advanceTimersByTimeAsync(999);
    expect(e.isLeader()).toBe(false);
    await vi.advanceTimersByTimeAsync(501); // next check at half the lease after expiry
    expect(e.isLeader()).toBe(true);
    expect(roles).toEqual([true]);
    // it renews: a second tab stays a follower for as long as the first lives
    const f = electSender(
      'tok',
      () => undefined,
      () => cfg,
      env,
    );
    elections.push(f);
    await vi.advanceTimersByTimeAsync(10_000);
    expect([e.isLeader(), f.isLeader()]).toEqual([true, false]);
    // closing hands over within half a lease
    e.close();
    await vi.advanceTimersByTimeAsync(500);
    expect(f.isLeader()).toBe(true);
  });

  it('nudges through storage events when BroadcastChannel is missing', () => {
    const storage = memoryStorage();
    const e = electSender(
      'tok',
      () => undefined,
      () => testConfig(),
      { locks: null, channel: null, storage },
    );
    elections.push(e);
    e.nudge();
    expect(storage.getItem('mp_nudge_tok')).not.toBeNull();
  });

  it('sends itself when neither Web Locks nor localStorage exist', () => {
    const e = electSender(
      'tok',
      () => undefined,
      () => testConfig(),
      { locks: null, channel: null, storage: null },
    );
    elections.push(e);
    expect(e.isLeader()).toBe(true);
    expect(() => e.nudge()).not.toThrow();
  });
});
