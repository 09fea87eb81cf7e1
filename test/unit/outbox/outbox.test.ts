import 'fake-indexeddb/auto';
import { createStore, get, set } from 'idb-keyval';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Config } from '../../../src/config';
import { OUTBOX_FIRST_WRITE as FIRST, OUTBOX_WRITE_CHUNK as CHUNK, RECORD_VERSION } from '../../../src/constants';
import { encodeBody } from '../../../src/delivery/wire';
import { openFallbackStore } from '../../../src/outbox/fallback-store';
import { createIdbStore, idbName } from '../../../src/outbox/idb-store';
import { createOutbox } from '../../../src/outbox/outbox';
import type { Outbox, OutboxRecord, OutboxStore } from '../../../src/outbox/types';
import { bodyOf, freshToken, json, MemoryStorage, recordingReporter, testConfig } from './helpers';

afterEach(() => {
  vi.unstubAllGlobals();
});

function setup(over: Partial<Config> = {}, extra: { now?: () => number; openStore?: () => Promise<OutboxStore> } = {}) {
  const token = freshToken();
  const reporter = recordingReporter();
  const config = testConfig(over);
  const outbox = createOutbox({ token, config: () => config, reporter, ...extra });
  return { token, reporter, config, outbox };
}

/** The IndexedDB store with its putMany counted (`calls`: records per write; `ids`: every key written, in write order). */
function spiedIdb(token: string) {
  const calls: number[] = [];
  const ids: string[] = [];
  const open = async (): Promise<OutboxStore> => {
    const real = await createIdbStore(idbName(token));
    const putMany: OutboxStore['putMany'] = (rs) => {
      calls.push(rs.length);
      ids.push(...rs.map((r) => r.id));
      return real.putMany(rs);
    };
    return { ...real, kind: real.kind, putMany };
  };
  return { calls, ids, open };
}

/** The records `outbox` announces, in enqueue order. */
function announced(outbox: Outbox): OutboxRecord[] {
  const seen: OutboxRecord[] = [];
  outbox.onEnqueue((r) => seen.push(r));
  return seen;
}

/** Resolves after the current task and its microtasks, before any later task. */
const endOfTick = () => new Promise<void>((r) => queueMicrotask(() => queueMicrotask(r)));

describe('outbox', () => {
  it('enqueue is synchronous: the record is buffered and announced at once, and stored after settle()', async () => {
    const { outbox } = setup();
    const seen: string[] = [];
    outbox.onEnqueue((r) => seen.push(String(bodyOf(r).event)));
    outbox.enqueue('track', json({ event: 'a', properties: { x: 1 } }));
    expect(seen).toEqual(['a']);
    await outbox.settle();
    const [r] = await outbox.oldest(10);
    expect(r).toMatchObject({ v: RECORD_VERSION, ep: 'track' });
    expect(bodyOf(r!)).toEqual({ event: 'a', properties: { x: 1 } });
    expect(r!.size).toBe(JSON.stringify({ event: 'a', properties: { x: 1 } }).length);
    expect(await outbox.stats()).toMatchObject({ queued: 1, store: 'indexeddb', dropped: 0 });
  });

  it('writes a small burst with a single putMany at the end of the tick', async () => {
    const token = freshToken();
    const { calls, open } = spiedIdb(token);
    const { outbox } = setup({}, { openStore: open });
    await outbox.settle(); // store chosen
    const small = FIRST - 5;
    for (let i = 0; i < small; i++) outbox.enqueue('track', json({ event: `e${i}` }));
    await endOfTick();
    expect(calls).toEqual([small]);
    for (let i = 0; i < 3; i++) outbox.enqueue('track', json({ event: `late${i}` }));
    await new Promise((r) => setTimeout(r, 20)); // written without anyone calling settle()
    expect(calls).toEqual([small, 3]);
    expect((await outbox.stats()).queued).toBe(small + 3);
  });

  it('writes a burst of 1,000 as OUTBOX_FIRST_WRITE in its own task, then chunks of at most OUTBOX_WRITE_CHUNK, one per task, in key order', async () => {
    const token = freshToken();
    const { calls, ids, open } = spiedIdb(token);
    const { outbox } = setup({}, { openStore: open });
    await outbox.settle();
    const seen = announced(outbox);
    for (let i = 0; i < 1_000; i++) outbox.enqueue('track', json({ event: `e${i}` }));
    const enqueued = seen.map((r) => r.id);
    await endOfTick();
    expect(calls).toEqual([FIRST]); // the rest waits for later tasks
    expect((await outbox.stats()).queued).toBe(1_000); // the backlog counts as queued
    await outbox.settle();
    expect(calls).toEqual(
      [FIRST, ...Array<number>(Math.floor((1_000 - FIRST) / CHUNK)).fill(CHUNK), (1_000 - FIRST) % CHUNK].filter(Boolean),
    );
    expect(ids).toEqual(enqueued);
    expect(ids).toEqual([...ids].sort());
    const read = await outbox.oldest(1_000);
    expect(read.map((r) => bodyOf(r).event)).toEqual(Array.from({ length: 1_000 }, (_, i) => `e${i}`));
  });

  it('settle() resolves only once every chunk is written, and oldest() sees the backlog', async () => {
    const token = freshToken();
    let puts = 0;
    let done = 0;
    const openStore = async (): Promise<OutboxStore> => {
      const real = await createIdbStore(idbName(token));
      const putMany: OutboxStore['putMany'] = async (rs) => {
        puts++;
        await real.putMany(rs);
        done += rs.length;
      };
      return { ...real, kind: real.kind, putMany };
    };
    const { outbox } = setup({}, { openStore });
    await outbox.settle();
    for (let i = 0; i < 1_000; i++) outbox.enqueue('track', json({ event: `e${i}` }));
    await outbox.settle();
    expect(puts).toBeGreaterThanOrEqual(5);
    expect(done).toBe(1_000);

    for (let i = 0; i < 500; i++) outbox.enqueue('track', json({ event: `f${i}` }));
    const read = await outbox.oldest(1_500);
    expect(read).toHaveLength(1_500);
    expect(bodyOf(read[1_499]!).event).toBe('f499');
  });

  it('a page hidden in the middle of a backlog writes all that is left at once, in one putMany', async () => {
    const token = freshToken();
    const { calls, open } = spiedIdb(token);
    const { outbox } = setup({}, { openStore: open });
    await outbox.settle();
    for (let i = 0; i < 1_000; i++) outbox.enqueue('track', json({ event: `e${i}` }));
    await endOfTick();
    expect(calls).toEqual([FIRST]);
    outbox.secureForUnload(false);
    expect(calls).toEqual([FIRST, 1_000 - FIRST]); // synchronously, in the pagehide handler
    // the page's own pagehide handler may run after ours: what it tracks goes in one write too
    for (let i = 0; i < FIRST * 3; i++) outbox.enqueue('track', json({ event: `bye${i}` }));
    await endOfTick();
    expect(calls).toEqual([FIRST, 1_000 - FIRST, FIRST * 3]);
    await outbox.settle();
    expect(calls).toEqual([FIRST, 1_000 - FIRST, FIRST * 3]);
    expect((await outbox.oldest(2_000)).length).toBe(1_000 + FIRST * 3);
  });

  it('a record is sized by its JSON text, and the text stored is the very text that goes on the wire', async () => {
    const { outbox, token } = setup();
    await outbox.settle();
    const seen = announced(outbox);
    const text = json({ event: 'café ☕', properties: { x: 1, note: 'a "quoted" & encoded=value' } });
    const stringify = vi.spyOn(JSON, 'stringify');
    outbox.enqueue('track', text);
    expect(stringify).not.toHaveBeenCalled(); // the client stringified it once; the outbox never does again
    stringify.mockRestore();
    const [buffered] = seen;
    expect(buffered).toMatchObject({ json: text, size: text.length });
    await outbox.settle();
    const stored = await get<OutboxRecord>(buffered!.id, createStore(idbName(token), 'outbox'));
    expect(stored).toMatchObject({ v: RECORD_VERSION, json: text, size: text.length });
    const [read] = await outbox.oldest(1);
    expect(read).toMatchObject({ json: text, size: text.length });
    expect(new URLSearchParams(encodeBody([read!, read!], 'json')).get('data')).toBe(`[${text},${text}]`);
  });

  it('keeps records enqueued before the store is chosen, and oldest() waits for the store', async () => {
    vi.stubGlobal('indexedDB', { open: () => ({}) }); // IndexedDB hangs; falls back after the timeout
    vi.stubGlobal('localStorage', new MemoryStorage());
    const { outbox, reporter } = setup({ storage_open_timeout_ms: 50 });
    outbox.enqueue('track', json({ event: 'early' }));
    outbox.enqueue('engage', json({ $set: { a: 1 } }));
    const read = await outbox.oldest(10);
    expect(read.map((r) => r.ep)).toEqual(['track', 'engage']);
    expect((await outbox.stats()).store).toBe('localstorage');
    expect(reporter.reports.filter((r) => r.code === 'storage')).toHaveLength(1);
  });

  it('a page entering the back/forward cache starts no store write: its backlog and unfinished writes go to localStorage, and the next page sends each once', async () => {
    const ls = new MemoryStorage();
    vi.stubGlobal('localStorage', ls);
    const token = freshToken();
    const { calls, open } = spiedIdb(token);
    const outbox = createOutbox({ token, config: () => testConfig(), reporter: recordingReporter(), openStore: open });
    await outbox.settle();
    for (let i = 0; i < 300; i++) outbox.enqueue('track', json({ event: `e${i}` }));
    await endOfTick(); // the first write is under way
    expect(calls).toEqual([FIRST]);
    outbox.secureForUnload(true);
    expect(calls).toEqual([FIRST]); // WebKit would suspend a write started now, holding up every other page
    await outbox.settle();

    const next = createOutbox({ token, config: () => testConfig(), reporter: recordingReporter() }); // IndexedDB, and localStorage
    const got = await next.oldest(1_000);
    expect(got).toHaveLength(300); // the first chunk is in IndexedDB and in localStorage: sent once
    expect(new Set(got.map((r) => r.id)).size).toBe(300);
  });

  it('a page hidden before its store opened leaves its buffer in localStorage, and the next page sends it', async () => {
    const ls = new MemoryStorage();
    vi.stubGlobal('localStorage', ls);
    const token = freshToken();
    const config = testConfig();
    const leaving = createOutbox({ token, config: () => config, reporter: recordingReporter(), openStore: () => new Promise(() => {}) });
    for (const event of ['a', 'b', 'c']) leaving.enqueue('track', json({ event }));
    leaving.secureForUnload(false);

    const next = createOutbox({ token, config: () => config, reporter: recordingReporter() });
    expect((await next.oldest(10)).map((r) => bodyOf(r).event)).toEqual(['a', 'b', 'c']);
  });

  it('returns the oldest in enqueue order, honouring limit and skip', async () => {
    const { outbox } = setup();
    for (let i = 0; i < 10; i++) outbox.enqueue('track', json({ event: `e${i}` }));
    await outbox.settle();
    const names = (rs: OutboxRecord[]) => rs.map((r) => bodyOf(r).event);
    const first = await outbox.oldest(4);
    expect(names(first)).toEqual(['e0', 'e1', 'e2', 'e3']);
    const next = await outbox.oldest(4, new Set(first.map((r) => r.id)));
    expect(names(next)).toEqual(['e4', 'e5', 'e6', 'e7']);
  });

  it('remove() deletes acknowledged records only', async () => {
    const { outbox } = setup();
    for (let i = 0; i < 5; i++) outbox.enqueue('track', json({ event: `e${i}` }));
    await outbox.settle();
    const all = await outbox.oldest(10);
    await outbox.remove([all[1]!.id, all[3]!.id]);
    expect((await outbox.oldest(10)).map((r) => bodyOf(r).event)).toEqual(['e0', 'e2', 'e4']);
    expect((await outbox.stats()).queued).toBe(3);
  });

  it('onDrop() names every record that leaves undelivered (past retention, corrupt, refused), never an acknowledged one', async () => {
    let t = 1_700_000_000_000;
    const { outbox, token } = setup({ outbox_max_events: 4, retention_ms: 60_000 }, { now: () => t });
    const gone: string[] = [];
    outbox.onDrop((ids) => gone.push(...ids));
    const seen = announced(outbox);
    outbox.enqueue('track', json({ event: 'old' }));
    t += 50_000;
    for (const event of ['acked', 'refused', 'kept']) outbox.enqueue('track', json({ event }));
    await outbox.settle();
    const raw = createStore(idbName(token), 'outbox');
    await set('0000000000000001garbage1', 'not an object', raw);
    t += 20_000; // 'old' is now past retention
    const [acked, refused] = await outbox.oldest(2);
    expect([acked, refused].map((r) => bodyOf(r!).event)).toEqual(['acked', 'refused']);
    expect(gone).toEqual(['0000000000000001garbage1', seen[0]!.id]);
    await outbox.remove([acked!.id]);
    await outbox.drop([refused!], 'rejected');
    expect(gone).toEqual(['0000000000000001garbage1', seen[0]!.id, refused!.id]);
  });

  it('remove() of a record still in the buffer means it is never written', async () => {
    const { outbox } = setup();
    await outbox.settle();
    const seen = announced(outbox);
    outbox.enqueue('track', json({ event: 'beaconed' }));
    const [r] = seen;
    await outbox.remove([r!.id]);
    await outbox.settle();
    expect(await outbox.oldest(10)).toEqual([]);
  });

  it('drops the new record past the event cap and reports it with a count', async () => {
    const { outbox, reporter } = setup({ outbox_max_events: 3 });
    for (let i = 0; i < 5; i++) outbox.enqueue('track', json({ event: `e${i}` }));
    await outbox.settle();
    expect((await outbox.oldest(10)).map((r) => bodyOf(r).event)).toEqual(['e0', 'e1', 'e2']);
    expect(reporter.reports.filter((r) => r.code === 'dropped')).toEqual([
      expect.objectContaining({ code: 'dropped', reason: 'cap', count: 2 }),
    ]);
    expect((await outbox.stats()).dropped).toBe(2);
    // acknowledging makes room again
    await outbox.remove([(await outbox.oldest(1))[0]!.id]);
    outbox.enqueue('track', json({ event: 'e5' }));
    await outbox.settle();
    expect((await outbox.oldest(10)).map((r) => bodyOf(r).event)).toEqual(['e1', 'e2', 'e5']);
  });

  it('drops the new record past the byte cap', async () => {
    const { outbox, reporter } = setup({ outbox_max_bytes: 100 });
    outbox.enqueue('track', json({ event: 'small' }));
    outbox.enqueue('track', json({ event: 'x'.repeat(200) }));
    outbox.enqueue('track', json({ event: 'small2' }));
    await outbox.settle();
    expect((await outbox.oldest(10)).map((r) => bodyOf(r).event)).toEqual(['small', 'small2']);
    expect(reporter.reports).toContainEqual(expect.objectContaining({ reason: 'cap', count: 1 }));
  });

  it('counts what other tabs (or earlier pages) stored against the caps', async () => {
    const token = freshToken();
    const reporter = recordingReporter();
    const config = testConfig({ outbox_max_events: 4 });
    const earlier = createOutbox({ token, config: () => config, reporter });
    for (let i = 0; i < 3; i++) earlier.enqueue('track', json({ event: `old${i}` }));
    await earlier.settle();
    const page = createOutbox({ token, config: () => config, reporter });
    for (let i = 0; i < 3; i++) page.enqueue('track', json({ event: `new${i}` })); // before the store is even open
    await page.settle();
    expect((await page.oldest(10)).map((r) => bodyOf(r).event)).toEqual(['old0', 'old1', 'old2', 'new0']);
    expect(reporter.reports).toContainEqual(expect.objectContaining({ reason: 'cap', count: 2 }));
  });

  it('drops and reports records older than retention_ms, and never returns them', async () => {
    let t = 1_700_000_000_000;
    const { outbox, reporter } = setup({ retention_ms: 60_000 }, { now: () => t });
    outbox.enqueue('track', json({ event: 'old1' }));
    outbox.enqueue('track', json({ event: 'old2' }));
    t += 50_000;
    outbox.enqueue('track', json({ event: 'fresh' }));
    await outbox.settle();
    t += 20_000; // old ones are now 70 s old
    expect((await outbox.oldest(1)).map((r) => bodyOf(r).event)).toEqual(['fresh']);
    expect(reporter.reports).toEqual([expect.objectContaining({ code: 'dropped', reason: 'retention', count: 2 })]);
    expect((await outbox.stats()).queued).toBe(1);
  });

  it('drops corrupt stored records, reports them once per batch, and still returns the readable ones', async () => {
    const { outbox, reporter, token } = setup();
    outbox.enqueue('track', json({ event: 'good1' }));
    await outbox.settle();
    const raw = createStore(idbName(token), 'outbox');
    await set('0000000000000001garbage1', 'not an object', raw);
    await set('0000000000000002garbage2', { v: 0, id: '0000000000000002garbage2' }, raw);
    await set('0000000000000003garbage3', { v: RECORD_VERSION, id: '0000000000000003garbage3', at: 1 }, raw);
    outbox.enqueue('track', json({ event: 'good2' }));
    await outbox.settle();
    expect((await outbox.oldest(10)).map((r) => bodyOf(r).event)).toEqual(['good1', 'good2']);
    expect(reporter.reports).toEqual([expect.objectContaining({ code: 'dropped', reason: 'corrupt', count: 3 })]);
    expect((await outbox.oldest(10)).length).toBe(2);
    expect(reporter.reports).toHaveLength(1); // gone for good, not reported again
  });

  it('leaves records of a newer schema version alone: never deleted, never reported, and says a newer build should send', async () => {
    // a rolling deploy: an older tab holding the sender lock must not delete what a newer build writes
    const { outbox, reporter, token } = setup();
    const newer: string[] = [];
    outbox.onNewerVersion(() => newer.push('newer'));
    outbox.enqueue('track', json({ event: 'mine' }));
    await outbox.settle();
    const raw = createStore(idbName(token), 'outbox');
    const future = { v: RECORD_VERSION + 1, id: '0000000000000001future01', at: Date.now(), ep: 'track', payload: { event: 'f' } };
    await set(future.id, future, raw);
    for (let i = 0; i < 3; i++) expect((await outbox.oldest(10)).map((r) => bodyOf(r).event)).toEqual(['mine']);
    expect(await get(future.id, raw)).toEqual(future);
    expect(reporter.reports).toEqual([]);
    expect(newer.length).toBeGreaterThan(0);
    await outbox.remove((await outbox.oldest(10)).map((r) => r.id));
    expect(await get(future.id, raw)).toEqual(future);
    expect((await outbox.stats()).dropped).toBe(0);
  });

  it('does not ask the store for its count on every batch', async () => {
    // IndexedDB count() walks a large store slowly in some engines and holds up other transactions
    const token = freshToken();
    let counts = 0;
    const openStore = async (): Promise<OutboxStore> => {
      const real = await createIdbStore(idbName(token));
      const stats: OutboxStore['stats'] = () => {
        counts++;
        return real.stats();
      };
      return { ...real, kind: real.kind, stats };
    };
    const { outbox } = setup({}, { openStore });
    for (let i = 0; i < 200; i++) outbox.enqueue('track', json({ event: `e${i}` }));
    await outbox.settle();
    const before = counts; // read once at open
    for (let batch = 0; batch < 20; batch++) {
      const read = await outbox.oldest(10);
      await outbox.remove(read.map((r) => r.id));
    }
    expect(counts - before).toBeLessThanOrEqual(1);
    outbox.enqueue('track', json({ event: 'after' }));
    expect((await outbox.oldest(10)).map((r) => bodyOf(r).event)).toEqual(['after']);
  });

  it('drop() removes the records and reports them with the given reason', async () => {
    const { outbox, reporter } = setup();
    outbox.enqueue('track', json({ event: 'bad' }));
    outbox.enqueue('track', json({ event: 'ok' }));
    await outbox.settle();
    const [bad] = await outbox.oldest(1);
    await outbox.drop([bad!], 'rejected');
    expect((await outbox.oldest(10)).map((r) => bodyOf(r).event)).toEqual(['ok']);
    expect(reporter.reports).toEqual([expect.objectContaining({ code: 'dropped', reason: 'rejected', count: 1 })]);
    expect((await outbox.stats()).dropped).toBe(1);
  });

  it('clear() empties the store and the buffer', async () => {
    const { outbox } = setup();
    outbox.enqueue('track', json({ event: 'stored' }));
    await outbox.settle();
    outbox.enqueue('track', json({ event: 'buffered' }));
    await outbox.clear();
    await outbox.settle();
    expect(await outbox.oldest(10)).toEqual([]);
    expect((await outbox.stats()).queued).toBe(0);
  });

  it('sends records to the fallback store when IndexedDB writes start failing, and loses none', async () => {
    vi.stubGlobal('localStorage', new MemoryStorage());
    const token = freshToken();
    const reporter = recordingReporter();
    let failing = false;
    const openStore = () =>
      openFallbackStore({
        token,
        openTimeoutMs: 500,
        reporter,
        openIndexedDb: async (name) => {
          const real = await createIdbStore(name);
          return {
            ...real,
            kind: real.kind,
            putMany: (rs) =>
              failing ? Promise.reject(Object.assign(new Error('full'), { name: 'QuotaExceededError' })) : real.putMany(rs),
          };
        },
      });
    const config = testConfig();
    const outbox = createOutbox({ token, config: () => config, reporter, openStore });
    outbox.enqueue('track', json({ event: 'a' }));
    await outbox.settle();
    failing = true;
    outbox.enqueue('track', json({ event: 'b' }));
    outbox.enqueue('track', json({ event: 'c' }));
    await outbox.settle();
    expect((await outbox.oldest(10)).map((r) => bodyOf(r).event)).toEqual(['a', 'b', 'c']);
    expect(await outbox.stats()).toMatchObject({ queued: 3, store: 'localstorage', dropped: 0 });
    expect(reporter.reports).toEqual([expect.objectContaining({ code: 'storage' })]);
  });

  it('never throws into the page: a throwing listener', async () => {
    const { outbox } = setup();
    outbox.onEnqueue(() => {
      throw new Error('listener bug');
    });
    expect(() => outbox.enqueue('track', json({ event: 'fine' }))).not.toThrow();
    await outbox.settle();
    expect((await outbox.oldest(10)).map((r) => bodyOf(r).event)).toEqual(['fine']);
  });

  it('enqueue stays cheap: 10,000 calls well under a second', async () => {
    const { outbox } = setup();
    await outbox.settle();
    const texts = Array.from({ length: 10_000 }, (_, i) => json({ event: 'click', properties: { i, $insert_id: `id${i}` } }));
    const started = performance.now();
    for (const text of texts) outbox.enqueue('track', text);
    const took = performance.now() - started;
    expect(took).toBeLessThan(2_000);
    await outbox.settle();
    expect((await outbox.stats()).queued).toBe(10_000);
  });
});
