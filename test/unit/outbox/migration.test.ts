// Records written by an earlier version must still be sent after an upgrade:
// version 1 kept the body as an object, version 2 keeps its JSON text. A page
// that loads the new version over an outbox the old one filled reads those
// records as today's and delivers the very same JSON; what neither version
// could send is dropped and reported, so it never stalls the queue.
import 'fake-indexeddb/auto';
import { createStore, keys, set } from 'idb-keyval';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RECORD_VERSION } from '../../../src/constants';
import { createSender, type Sender } from '../../../src/delivery/sender';
import { createIdbStore, idbName } from '../../../src/outbox/idb-store';
import { createOutbox } from '../../../src/outbox/outbox';
import { createKeySource } from '../../../src/outbox/record';
import { createLocalStorageStore } from '../../../src/outbox/sorted-store';
import type { OutboxStore } from '../../../src/outbox/types';
import { fakeTransport, testConfig } from '../delivery/fakes';
import { bodyOf, freshToken, json, MemoryStorage, recordingReporter, storedRecord, v1Record } from './helpers';

const key = createKeySource();

/** A store for a new token, and a way to write a raw value under a key as another writer would. */
interface Backend {
  open(): Promise<OutboxStore>;
  seed(id: string, value: unknown): Promise<void>;
  /** How many entries the backend still holds, read around the store. */
  left(): Promise<number>;
}

function idbBackend(): Backend {
  const name = idbName(freshToken());
  const raw = createStore(name, 'outbox');
  return {
    open: () => createIdbStore(name),
    seed: (id, value) => set(id, value, raw),
    left: async () => (await keys(raw)).length,
  };
}

function localStorageBackend(): Backend {
  const token = freshToken();
  const ls = new MemoryStorage();
  return {
    open: async () => createLocalStorageStore(token, ls),
    // localStorage holds JSON text, as the store writes it
    seed: async (id, value) => ls.setItem(`mp_outbox_${token}_${id}`, JSON.stringify(value)),
    left: async () => ls.length,
  };
}

const backends: Array<[string, () => Backend]> = [
  ['IndexedDB', idbBackend],
  ['localStorage', localStorageBackend],
];

let senders: Sender[] = [];
afterEach(() => {
  senders.forEach((s) => s.stop());
  senders = [];
});

describe.each(backends)('%s store: records of version 1', (_name, backend) => {
  it('are read as records of this version, with the body as the same JSON text', async () => {
    const b = backend();
    const s = await b.open();
    const at = Date.now() - 5_000;
    const body = { event: 'before upgrade', properties: { n: 1, s: 'café ☕', nested: { list: [1, 'two', null] } } };
    const id = key(at);
    await b.seed(id, v1Record(id, body, at));
    const engage = { $token: 'tok', $distinct_id: 'u1', $set: { plan: 'pro' } };
    const id2 = key(at);
    await b.seed(id2, v1Record(id2, engage, at, 'engage'));
    const read = await s.oldest(10);
    expect(read.corrupt).toEqual([]);
    const text = JSON.stringify(body);
    expect(read.records).toEqual([
      { v: RECORD_VERSION, id, at, ep: 'track', json: text, size: text.length },
      { v: RECORD_VERSION, id: id2, at, ep: 'engage', json: JSON.stringify(engage), size: JSON.stringify(engage).length },
    ]);
  });

  it('sit in key order with records of this version, and are counted against the byte cap by their JSON length', async () => {
    const b = backend();
    const s = await b.open();
    const at = Date.now();
    const old = key(at);
    await b.seed(old, { ...v1Record(old, { event: 'old' }, at), size: 1 }); // a wrong size from the old writer is not trusted
    const fresh = storedRecord(key(at), { event: 'new' }, at);
    await s.putMany([fresh]);
    const read = await s.oldest(10);
    expect(read.records.map((r) => bodyOf(r).event)).toEqual(['old', 'new']);
    expect(read.records[0]!.size).toBe(JSON.stringify({ event: 'old' }).length);
  });

  it('whose body is not an object are dropped as corrupt', async () => {
    const b = backend();
    const s = await b.open();
    const bad = [key(Date.now()), key(Date.now()), key(Date.now()), key(Date.now())];
    await b.seed(bad[0]!, v1Record(bad[0]!, null));
    await b.seed(bad[1]!, v1Record(bad[1]!, 'a string'));
    await b.seed(bad[2]!, v1Record(bad[2]!, [1, 2]));
    await b.seed(bad[3]!, { ...v1Record(bad[3]!, { event: 'x' }), body: undefined });
    const read = await s.oldest(10);
    expect(read.records).toEqual([]);
    expect([...read.corrupt].sort()).toEqual([...bad].sort());
  });
});

describe.each(backends)('%s store: records of version 2 that are not sendable', (_name, backend) => {
  it('a json that is not a string, or not the text of an object, is dropped as corrupt', async () => {
    const b = backend();
    const s = await b.open();
    const good = storedRecord(key(Date.now()), { event: 'good' });
    await b.seed(good.id, good); // seeded, not put: this store indexes its slots on first use
    const values: unknown[] = [
      { event: 'an object, not text' },
      42,
      null,
      undefined,
      '',
      '[{"event":"a"}]',
      '"text"',
      'null',
      ' {"event":"padded"}',
    ];
    const bad: string[] = [];
    for (const jsonValue of values) {
      const id = key(Date.now());
      bad.push(id);
      await b.seed(id, { ...storedRecord(id, { event: 'x' }), json: jsonValue });
    }
    const read = await s.oldest(50);
    expect(read.records).toEqual([good]);
    expect([...read.corrupt].sort()).toEqual([...bad].sort());
  });

  it('a record of a newer schema version is left alone: not read as version 1, not called corrupt', async () => {
    const b = backend();
    const s = await b.open();
    const id = key(Date.now());
    await b.seed(id, { ...v1Record(id, { event: 'future' }), ...storedRecord(id, { event: 'future' }), v: 99 });
    const read = await s.oldest(10);
    expect(read.records).toEqual([]);
    expect(read.corrupt).toEqual([]);
    expect(read.newer).toBe(1);
  });

  it('a record of an unknown older or non-numeric version is dropped as corrupt', async () => {
    const b = backend();
    const s = await b.open();
    const ids = [key(Date.now()), key(Date.now())];
    await b.seed(ids[0]!, { ...storedRecord(ids[0]!, { event: 'old' }), v: 0 });
    await b.seed(ids[1]!, { ...storedRecord(ids[1]!, { event: 'odd' }), v: '3' });
    const read = await s.oldest(10);
    expect(read.records).toEqual([]);
    expect([...read.corrupt].sort()).toEqual([...ids].sort());
    expect(read.newer).toBe(0);
  });
});

describe.each(backends)('upgrade over an outbox in %s', (_name, backend) => {
  it('delivers what version 1 left with the same body JSON, before what this page enqueues, and removes it once acknowledged', async () => {
    const b = backend();
    const at = Date.now() - 60_000;
    const left = [
      { event: 'left 1', properties: { i: 1, token: 'tok', $insert_id: 'a1', emoji: '😀' } },
      { event: 'left 2', properties: { i: 2, token: 'tok', $insert_id: 'a2', quote: 'say "hi" & go=1+1' } },
    ];
    for (const [i, body] of left.entries()) {
      const id = key(at + i);
      await b.seed(id, v1Record(id, body, at + i));
    }
    const reporter = recordingReporter();
    const cfg = testConfig();
    const outbox = createOutbox({ token: freshToken(), config: () => cfg, reporter, openStore: b.open });
    const now = { event: 'after upgrade', properties: { i: 3 } };
    outbox.enqueue('track', json(now));
    await outbox.settle();

    const transport = fakeTransport();
    const sender = createSender({ outbox, config: () => cfg, reporter, transport, online: () => true, random: () => 1 });
    senders.push(sender);
    sender.start();
    await vi.waitFor(() => expect(transport.calls).toHaveLength(1));
    const data = new URLSearchParams(transport.calls[0]!.body).get('data');
    expect(data).toBe('[' + [...left, now].map((x) => JSON.stringify(x)).join(',') + ']');
    await vi.waitFor(async () => expect((await outbox.stats()).queued).toBe(0));
    expect(await b.left()).toBe(0); // removed under the key it was found at: never sent twice
    expect(reporter.reports).toEqual([]);
  });
});

describe('upgrade over an IndexedDB outbox holding a version-1 body JSON cannot carry', () => {
  it('drops the record with a BigInt (or a cycle) as corrupt, reports it once, and delivers the rest', async () => {
    const b = idbBackend();
    const at = Date.now();
    const big = key(at);
    await b.seed(big, v1Record(big, { event: 'big', properties: { n: BigInt(10) } }, at));
    const cyclic: Record<string, unknown> = { event: 'cycle' };
    cyclic.self = cyclic;
    const cycle = key(at);
    await b.seed(cycle, v1Record(cycle, cyclic, at));
    const good = key(at);
    await b.seed(good, v1Record(good, { event: 'good' }, at));
    const reporter = recordingReporter();
    const cfg = testConfig();
    const outbox = createOutbox({ token: freshToken(), config: () => cfg, reporter, openStore: b.open });

    const transport = fakeTransport();
    const sender = createSender({ outbox, config: () => cfg, reporter, transport, online: () => true, random: () => 1 });
    senders.push(sender);
    sender.start();
    await vi.waitFor(() => expect(transport.calls).toHaveLength(1));
    expect(new URLSearchParams(transport.calls[0]!.body).get('data')).toBe('[{"event":"good"}]');
    await vi.waitFor(async () => expect(await b.left()).toBe(0));
    expect(reporter.reports).toEqual([expect.objectContaining({ code: 'dropped', reason: 'corrupt', count: 2 })]);
    expect(transport.calls).toHaveLength(1);
  });
});
