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
  const lsStore = ls && createLocalStorageStore(o.token, ls);
  const idb = (o.openIndexedDb || createIdbStore)(idbName(o.token));
  const stores: Array<[string, () => Promise<OutboxStore | null> | OutboxStore | null]> = [
    [
      'IndexedDB',
      () =>
        Promise.race([
          idb,
          new Promise<never>((_, reject) =>
            setTimeout(reject, o.openTimeoutMs, Error(`IndexedDB did not open within ${o.openTimeoutMs} ms`)),
          ),
        ]),
    ],
    ['localStorage', () => lsStore],
    ['memory', createMemoryStore],
  ];
  const readers = lsStore ? [lsStore] : [];
  let next = 0;
  let writer: OutboxStore;
  let switching: Promise<void> | null = null;

  /** Moves writes to the next store that opens, reporting why each one before it was passed over. */
  async function openNext(whys: string[]): Promise<void> {
    for (;;) {
      const [name, open] = stores[next++]!;
      try {
        const s = await open();
        if (s) {
          writer = s;
          if (readers.indexOf(s) < 0) readers.push(s);
          for (const why of whys)
            o.reporter.report({ code: 'storage', message: `${why}; the outbox uses ${name}`, detail: { store: s.kind } });
          return;
        }
        whys.push(name + ' cannot be used');
      } catch (e) {
        whys.push(`${name} cannot be used (${describe(e)})`);
      }
    }
  }
  await openNext([]);
  idb.then(
    (s) => {
      if (readers.indexOf(s) >= 0) return; // it opened in time
      readers.push(s);
      writer = s;
      next = 1; // should it fail to write, localStorage is next again
      o.reporter.debug('storage: IndexedDB opened late; the outbox uses it again');
    },
    () => undefined,
  );

  const each = <T>(f: (s: OutboxStore) => Promise<T>, fallback: T) => Promise.all(readers.map((s) => f(s).catch(() => fallback)));

  return {
    get kind() {
      return writer.kind;
    },
    async putMany(records) {
      for (;;) {
        const w = writer;
        try {
          return await w.putMany(records);
        } catch (e) {
          if (w === writer) {
            if (next > 2) throw e; // the last store is full: nothing further to try
            // once, however many writes failed on it at the same time
            switching =
              switching ||
              openNext([`${stores[next - 1]![0]} failed to write (${describe(e)})`]).finally(() => {
                switching = null;
              });
          }
          await switching;
        }
      }
    },
    async oldest(limit, skip) {
      const parts = await each((s) => s.oldest(limit, skip), { records: [], corrupt: [] });
      return {
        records: parts
          .flatMap((p) => p.records)
          .sort((a, b) => (a.id < b.id ? -1 : 1))
          // a record rescued to localStorage by a leaving page may have reached IndexedDB too: send it once
          .filter((r, i, all) => i === 0 || r.id !== all[i - 1]!.id)
          .slice(0, limit),
        corrupt: parts.flatMap((p) => p.corrupt),
        newer: parts.reduce((n, p) => n + (p.newer || 0), 0),
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
      readers.forEach((s) => s.close && s.close());
    },
  };
}

/** `Name: message` of an error, for the report. */
const describe = (e: unknown): string => {
  const err = e as Error | null;
  if (!err || !err.message) return String(e);
  return err.name && err.name !== 'Error' ? `${err.name}: ${err.message}` : err.message;
};
