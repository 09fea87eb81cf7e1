import 'fake-indexeddb/auto';
import { createStore, set, type UseStore } from 'idb-keyval';
import { describe, expect, it, vi } from 'vitest';
import { RECORD_VERSION } from '../../../src/constants';
import { createIdbStore, idbName } from '../../../src/outbox/idb-store';
import { createKeySource } from '../../../src/outbox/record';
import { createLocalStorageStore, createMemoryStore } from '../../../src/outbox/sorted-store';
import type { OutboxRecord, OutboxStore } from '../../../src/outbox/types';
import { freshToken, MemoryStorage } from './helpers';

/** Where the localStorage store keeps a token's records: this key format is persisted across versions. */
const localStoragePrefix = (token: string) => `mp_outbox_${token}_`;

const key = createKeySource();
function records(n: number, at = Date.now()): OutboxRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const json = JSON.stringify({ event: `e${i}`, properties: { n: i } });
    return { v: RECORD_VERSION, id: key(at + i), at: at + i, ep: 'track' as const, json, size: json.length };
  });
}
const ids = (rs: OutboxRecord[]): string[] => rs.map((r) => r.id);

const kinds: Array<[string, () => Promise<OutboxStore>]> = [
  ['indexeddb', () => createIdbStore(idbName(freshToken()))],
  ['localstorage', async () => createLocalStorageStore(freshToken(), new MemoryStorage())],
  ['memory', async () => createMemoryStore()],
];

describe.each(kinds)('%s store', (_kind, open) => {
  it('returns the oldest records in key order, honouring limit and skip', async () => {
    const s = await open();
    const rs = records(10);
    await s.putMany(rs.slice(5));
    await s.putMany(rs.slice(0, 5)); // written out of order
    expect(ids((await s.oldest(3)).records)).toEqual(ids(rs.slice(0, 3)));
    const skip = new Set([rs[0]!.id, rs[2]!.id]);
    expect(ids((await s.oldest(3, skip)).records)).toEqual([rs[1]!.id, rs[3]!.id, rs[4]!.id]);
    expect((await s.oldest(0)).records).toEqual([]);
    expect((await s.oldest(100)).records).toEqual(rs);
  });

  it('deletes by key without touching the others, and counts what is left', async () => {
    const s = await open();
    const rs = records(6);
    await s.putMany(rs);
    await s.deleteMany([rs[1]!.id, rs[4]!.id, 'not-a-key']);
    expect(ids((await s.oldest(10)).records)).toEqual(ids([rs[0]!, rs[2]!, rs[3]!, rs[5]!]));
    const st = await s.stats();
    expect(st.count).toBe(4);
    expect(st.bytes).toBeGreaterThan(0);
    await s.clear();
    expect(await s.stats()).toEqual({ count: 0, bytes: 0 });
    expect((await s.oldest(10)).records).toEqual([]);
  });
});

describe('IndexedDB store', () => {
  it('reports unreadable values as corrupt and still returns the readable ones', async () => {
    const name = idbName(freshToken());
    const s = await createIdbStore(name);
    const rs = records(3);
    await s.putMany(rs);
    const raw = createStore(name, 'outbox');
    const bad = [key(Date.now() - 10), key(Date.now() - 5), key(Date.now() - 1)];
    await set(bad[0]!, 'not an object', raw);
    await set(bad[1]!, { ...rs[0], id: bad[1], v: 1 }, raw); // version 1 without its body
    await set(bad[2]!, { v: RECORD_VERSION, id: bad[2] }, raw);
    const newer = key(Date.now() - 3);
    await set(newer, { ...rs[0], id: newer, v: RECORD_VERSION + 1 }, raw);
    const read = await s.oldest(10);
    expect(read.corrupt.sort()).toEqual([...bad].sort());
    expect(read.records).toEqual(rs);
    expect(read.newer).toBe(1); // a newer build's record: neither read nor called corrupt
  });

  it('opens a new connection when WebKit drops the one it had (UnknownError: connection lost) and carries on', async () => {
    const name = idbName(freshToken());
    let made = 0;
    let lost = false;
    const make = (db: string, storeName: string): UseStore => {
      made++;
      const real = createStore(db, storeName);
      return ((mode, cb) => {
        if (made === 1 && lost) {
          const e = new Error('Connection to Indexed Database server lost. Refresh the page to try again');
          e.name = 'UnknownError';
          return Promise.reject(e);
        }
        return real(mode, cb);
      }) as UseStore;
    };
    const s = await createIdbStore(name, make);
    lost = true;
    const rs = records(2);
    await s.putMany(rs);
    expect(made).toBe(2);
    expect((await s.oldest(10)).records).toEqual(rs);
    expect(await s.stats()).toMatchObject({ count: 2 });
  });

  it('estimates bytes without reading values: count from IndexedDB, size from records seen', async () => {
    const name = idbName(freshToken());
    const s = await createIdbStore(name);
    const rs = records(20);
    await s.putMany(rs);
    const total = rs.reduce((n, r) => n + r.size, 0);
    expect(await s.stats()).toEqual({ count: 20, bytes: total });
    // another tab's store on the same database sees the count and a sampled size
    const other = await createIdbStore(name);
    const st = await other.stats();
    expect(st.count).toBe(20);
    expect(st.bytes).toBe(total);
  });

  it('re-creates a closed connection once (WebKit InvalidStateError) and carries on', async () => {
    const name = idbName(freshToken());
    let made = 0;
    let closedOnce = false;
    const make = (db: string, storeName: string): UseStore => {
      made++;
      const real = createStore(db, storeName);
      return ((mode, cb) => {
        if (made === 1 && closedOnce) {
          const e = new Error('The database connection is closing.');
          e.name = 'InvalidStateError';
          return Promise.reject(e);
        }
        return real(mode, cb);
      }) as UseStore;
    };
    const s = await createIdbStore(name, make);
    closedOnce = true;
    const rs = records(2);
    await s.putMany(rs);
    expect(made).toBe(2);
    expect((await s.oldest(10)).records).toEqual(rs);
  });

  it('rejects when IndexedDB is missing', async () => {
    const saved = globalThis.indexedDB;
    // @ts-expect-error simulating a browser without IndexedDB
    delete globalThis.indexedDB;
    try {
      await expect(createIdbStore(idbName(freshToken()))).rejects.toThrow();
    } finally {
      globalThis.indexedDB = saved;
    }
  });

  it('rejects when opening throws (SecurityError)', async () => {
    const saved = globalThis.indexedDB;
    globalThis.indexedDB = {
      open: () => {
        const e = new Error('denied');
        e.name = 'SecurityError';
        throw e;
      },
    } as unknown as IDBFactory;
    try {
      await expect(createIdbStore(idbName(freshToken()))).rejects.toThrow(/denied/);
    } finally {
      globalThis.indexedDB = saved;
    }
  });
});

describe('localStorage store', () => {
  it('writes one entry per record, so enqueueing never rewrites the queue', async () => {
    const ls = new MemoryStorage();
    const token = freshToken();
    const s = createLocalStorageStore(token, ls);
    await s.putMany(records(3));
    const before = new Map(Object.entries(snapshot(ls)));
    let writes = 0;
    const setItem = ls.setItem.bind(ls);
    ls.setItem = (k, v) => {
      writes++;
      setItem(k, v);
    };
    await s.putMany(records(1));
    expect(writes).toBe(1);
    for (const [k, v] of before) expect(ls.getItem(k)).toBe(v);
    expect(ls.length).toBe(4);
    expect([...Array(ls.length).keys()].every((i) => ls.key(i)!.startsWith(localStoragePrefix(token)))).toBe(true);
  });

  it('reads records another tab (or an earlier page) left, and reports garbage as corrupt', async () => {
    const ls = new MemoryStorage();
    const token = freshToken();
    const rs = records(2);
    await createLocalStorageStore(token, ls).putMany(rs);
    ls.setItem(localStoragePrefix(token) + key(Date.now() - 1), '{not json');
    ls.setItem('unrelated', 'x');
    const read = await createLocalStorageStore(token, ls).oldest(10);
    expect(read.records).toEqual(rs);
    expect(read.corrupt).toHaveLength(1);
  });

  it('refuses a batch past its own caps (5,000 records, 2 million characters) or the quota, leaving nothing half-written', async () => {
    const capped = createLocalStorageStore(freshToken(), new MemoryStorage());
    await capped.putMany(records(4_999));
    await expect(capped.putMany(records(2))).rejects.toThrow(/full/);
    expect((await capped.stats()).count).toBe(4_999);
    await capped.putMany(records(1));

    const big = createLocalStorageStore(freshToken(), new MemoryStorage());
    const large = (n: number) => records(n).map((r) => ({ ...r, json: `{"x":"${'x'.repeat(99_990)}"}`, size: 100_000 }));
    await big.putMany(large(19));
    await expect(big.putMany(large(2))).rejects.toThrow(/full/);
    expect((await big.stats()).count).toBe(19);

    const tiny = new MemoryStorage(600);
    const s = createLocalStorageStore(freshToken(), tiny);
    await expect(s.putMany(records(10))).rejects.toThrow(/quota/);
    expect(tiny.length).toBe(0);
    expect((await s.stats()).count).toBe(0);
  });

  it('a batch refused by the quota takes nothing away that was stored before it, even under the same keys', async () => {
    // a leaving page copies to localStorage records a write there may already hold
    const ls = new MemoryStorage(3_000);
    const s = createLocalStorageStore(freshToken(), ls);
    const [kept, ...rest] = records(20);
    await s.putMany([kept!]);
    await expect(s.putMany([kept!, ...rest])).rejects.toThrow(/quota/);
    expect((await s.oldest(10)).records).toEqual([kept]);
    expect(ls.length).toBe(1);
  });

  it('sees what another tab writes once a storage event says so, and close() stops listening', async () => {
    const win = new EventTarget();
    let listening = 0;
    vi.stubGlobal('addEventListener', (type: string, l: EventListener) => {
      listening++;
      win.addEventListener(type, l);
    });
    vi.stubGlobal('removeEventListener', (type: string, l: EventListener) => {
      listening--;
      win.removeEventListener(type, l);
    });
    try {
      const ls = new MemoryStorage();
      const token = freshToken();
      const mine = createLocalStorageStore(token, ls);
      const rs = records(3);
      await mine.putMany(rs.slice(0, 1));
      expect((await mine.stats()).count).toBe(1);
      await createLocalStorageStore(token, ls, false).putMany(rs.slice(1)); // another tab (it adds no listener)
      // as a browser sends them: one event per slot, with its new value
      for (const r of rs.slice(1)) {
        const k = localStoragePrefix(token) + r.id;
        win.dispatchEvent(Object.assign(new Event('storage'), { key: k, newValue: ls.getItem(k) }));
      }
      expect((await mine.oldest(10)).records).toEqual(rs);
      expect((await mine.stats()).count).toBe(3);
      expect(listening).toBe(1);
      mine.close!();
      expect(listening).toBe(0);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('localStorage store: following other tabs', () => {
  /** A window to dispatch `storage` events on, standing in for the page's own. */
  function withWindow<T>(run: (win: EventTarget) => Promise<T>): Promise<T> {
    const win = new EventTarget();
    vi.stubGlobal('addEventListener', (type: string, l: EventListener) => win.addEventListener(type, l));
    vi.stubGlobal('removeEventListener', (type: string, l: EventListener) => win.removeEventListener(type, l));
    return run(win).finally(() => vi.unstubAllGlobals());
  }
  const storageEvent = (key: string | null, newValue: string | null) => Object.assign(new Event('storage'), { key, newValue });

  it("takes another tab's writes and removals from their storage events, without a new pass over localStorage", () =>
    withWindow(async (win) => {
      const ls = new MemoryStorage();
      const token = freshToken();
      const mine = createLocalStorageStore(token, ls);
      const other = createLocalStorageStore(token, ls, false);
      await mine.putMany(records(4_980, 1_000));
      expect((await mine.stats()).count).toBe(4_980);
      await other.stats(); // the other tab's own first pass
      // Firefox's key(i) walks the area from the start: a pass over every record is what each event cost before
      let passes = 0;
      const key = ls.key;
      ls.key = (i: number) => {
        if (i === 0) passes++;
        return key(i);
      };
      const added = records(10, 9_000);
      await other.putMany(added);
      for (const r of added)
        win.dispatchEvent(storageEvent(localStoragePrefix(token) + r.id, ls.getItem(localStoragePrefix(token) + r.id)));
      const taken = (await mine.oldest(5)).records;
      await other.deleteMany(ids(taken));
      for (const r of taken) win.dispatchEvent(storageEvent(localStoragePrefix(token) + r.id, null));
      win.dispatchEvent(storageEvent('site-own-key', 'x')); // not the outbox's
      expect((await mine.stats()).count).toBe(4_985);
      expect(ids((await mine.oldest(10_000)).records).slice(-10)).toEqual(ids(added));
      expect(passes).toBe(0);
      // localStorage.clear() in another tab (an event with no key): anything may have changed, so one new pass
      ls.clear();
      await createLocalStorageStore(token, ls, false).putMany(records(3, 20_000));
      win.dispatchEvent(storageEvent(null, null));
      passes = 0;
      expect((await mine.stats()).count).toBe(3);
      expect(passes).toBe(1);
      mine.close!();
    }));
});

describe('memory store', () => {
  it('refuses a batch past its caps (10,000 records)', async () => {
    const s = createMemoryStore();
    await s.putMany(records(9_999));
    await expect(s.putMany(records(2))).rejects.toThrow(/full/);
    expect((await s.stats()).count).toBe(9_999);
  });
});

function snapshot(ls: Storage): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < ls.length; i++) out[ls.key(i)!] = ls.getItem(ls.key(i)!)!;
  return out;
}
