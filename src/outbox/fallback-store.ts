import { safeLocalStorage } from '../utils/env';
import type { Reporter } from '../utils/report';
import { createIdbStore, idbName } from './idb-store';
import { createLocalStorageStore, createMemoryStore } from './sorted-store';
import type { OutboxStore } from './types';

export interface FallbackStoreOptions {
  token: string;
  /** `storage_open_timeout_ms`: how long IndexedDB may take to open. */
  openTimeoutMs: number;
  reporter: Reporter;
  /** Opens the IndexedDB store (no deadline: `openTimeoutMs` is applied here); replaceable in tests. */
  openIndexedDb?: (name: string) => Promise<OutboxStore>;
}

/** The stores' names in reports, in the order writes move through them. */
const NAMES = ['IndexedDB', 'localStorage', 'memory'];

/**
 * The outbox's store: IndexedDB, falling back to localStorage, then to
 * memory, behind one `OutboxStore` that reads them all. Never rejects (memory
 * always opens).
 *
 * Writes go to one store at a time. When it fails (it would not open, a
 * write throws, QuotaExceededError, or it is full) the batch goes to the next
 * store instead of being lost, and each switch is reported once with
 * `code: 'storage'`. Every store that may hold records stays readable:
 * `oldest()` merges them by key and deletes go to all of them, so a fallback
 * never strands what was already stored, including what an earlier page left
 * in localStorage while IndexedDB was unusable.
 *
 * An IndexedDB open that misses `openTimeoutMs` is slow, not failed: the
 * outbox writes to localStorage meanwhile, and if the open completes after
 * all, IndexedDB is read again and written to again. Until then this tab
 * cannot see what other tabs and earlier pages keep there, and a sending tab
 * that never read it would leave their events waiting for as long as it is
 * open.
 */
export async function openFallbackStore(o: FallbackStoreOptions): Promise<OutboxStore> {
  const ls = safeLocalStorage();
  /** By `NAMES`: IndexedDB once open, localStorage where the page has it, memory. */
  const stores: Array<OutboxStore | null> = [null, ls && createLocalStorageStore(o.token, ls), createMemoryStore()];
  let writer = 0;
  /** Moves writes on from the store at `writer` to the next one there is, and reports why. */
  const moveOn = (why: string): void => {
    while (!stores[++writer]) why += `; ${NAMES[writer]} cannot be used`;
    o.reporter.report({ code: 'storage', message: `${why}; the outbox uses ${NAMES[writer]}`, detail: { store: stores[writer]!.kind } });
  };
  const idb = (o.openIndexedDb || createIdbStore)(idbName(o.token));
  idb.then(
    (s) => {
      if (writer) o.reporter.debug('storage: IndexedDB opened late; the outbox uses it again');
      stores[0] = s;
      writer = 0; // should it fail to write, localStorage is next again
    },
    () => undefined,
  );
  try {
    await Promise.race([idb, new Promise((_, reject) => setTimeout(reject, o.openTimeoutMs, `did not open within ${o.openTimeoutMs} ms`))]);
  } catch (e) {
    moveOn(`IndexedDB cannot be used (${e})`);
  }

  const each = <T>(f: (s: OutboxStore) => Promise<T>, fallback: T) =>
    Promise.all(stores.filter((s): s is OutboxStore => !!s).map((s) => f(s).catch(() => fallback)));

  return {
    get kind() {
      return stores[writer]!.kind;
    },
    async putMany(records) {
      for (;;) {
        const at = writer;
        try {
          return await stores[at]!.putMany(records);
        } catch (e) {
          if (at > 1) throw e; // memory is full: nothing further to try
          if (at === writer) moveOn(`${NAMES[at]} failed to write (${e})`); // once, however many writes failed on it at the same time
        }
      }
    },
    async oldest(limit, skip) {
      const parts = await each((s) => s.oldest(limit, skip), { records: [], corrupt: [], newer: 0 });
      return {
        records: parts
          .flatMap((p) => p.records)
          .sort((a, b) => (a.id < b.id ? -1 : 1))
          // a record rescued to localStorage by a leaving page may have reached IndexedDB too: send it once
          .filter((r, i, all) => i === 0 || r.id !== all[i - 1]!.id)
          .slice(0, limit),
        corrupt: parts.flatMap((p) => p.corrupt),
        newer: parts.reduce((n, p) => n + p.newer, 0),
      };
    },
    async deleteMany(ids) {
      await each((s) => s.deleteMany(ids), undefined);
    },
    async stats() {
      const all = await each((s) => s.stats(), { count: 0, bytes: 0 });
      return all.reduce((a, b) => ({ count: a.count + b.count, bytes: a.bytes + b.bytes }));
    },
    async clear() {
      await each((s) => s.clear(), undefined);
    },
    close() {
      stores.forEach((s) => s && s.close && s.close());
    },
  };
}
