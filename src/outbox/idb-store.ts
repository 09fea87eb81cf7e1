import { clear, createStore, delMany, promisifyRequest, setMany, type UseStore } from 'idb-keyval';
import { guard } from '../utils/env';
import { fileStoredValue } from './record';
import type { OutboxStore, StoreRead } from './types';

/** Database name for a token (`outlast-<token>`, object store `outbox`): one database per token keeps tokens apart and deletable alone. */
export const idbName = (token: string): string => 'outlast-' + token;

/**
 * The durable store: records in an IndexedDB object store keyed by record
 * id, through idb-keyval (one transaction per `putMany`/`deleteMany`, one
 * cursor per `oldest`).
 *
 * Resolves once the database has answered a first read; rejects when it is
 * missing or refuses to open (SecurityError, private modes), and the caller
 * then falls back to another store. It sets no deadline: an open that is
 * only slow (a busy machine, a first open that creates the database) may
 * still succeed, and `openFallbackStore` decides how long to wait for it.
 *
 * `stats()` does not read values: the count comes from IndexedDB, so it
 * includes what other tabs wrote, and bytes are that count times the mean
 * size of the records this tab has seen (64 read at open, then every one it
 * writes or reads). A running total kept by one tab would be wrong as soon as
 * another tab writes, and summing sizes would read the whole queue.
 */
/** Error names that mean the connection is gone, not the request refused: open a new one and run it again. */
const CONNECTION_LOST = new Set(['InvalidStateError', 'UnknownError']);

/** This page's IndexedDB transactions not yet complete, of every outbox store. */
const live = new Set<IDBTransaction>();

/**
 * Aborts this page's unfinished IndexedDB transactions. WebKit suspends a
 * page's unfinished transactions when it enters the back/forward cache, and
 * they hold up every other page's writes to the store until the cached page is
 * evicted: the whole site stops delivering. The page lifecycle aborts them
 * instead; the outbox has copied unfinished writes to localStorage, an
 * aborted read is retried, and an aborted delete only means a resend.
 */
export function abortLiveTransactions(): void {
  live.forEach((tx) => guard(() => tx.abort(), undefined));
}

export function createIdbStore(name: string, makeStore = createStore): Promise<OutboxStore> {
  let current = makeStore(name, 'outbox');
  let seen = 0;
  let seenBytes = 0;

  /**
   * idb-keyval's store, re-created once per call when the connection turns
   * out to be gone: WebKit closes idle connections without an event, then
   * throws InvalidStateError on the next transaction, and drops the connection
   * of a backgrounded page with `UnknownError: Connection to Indexed Database
   * server lost`. Without a new connection this tab would write to localStorage
   * for the rest of its life, and its sender would never again see what other
   * pages keep in IndexedDB. A transaction that failed either way was not
   * applied, and every write here is keyed, so running it again is safe.
   */
  const use: UseStore = <T>(mode: IDBTransactionMode, cb: (s: IDBObjectStore) => T | PromiseLike<T>) => {
    const track = (s: IDBObjectStore) => {
      const tx = s.transaction;
      live.add(tx);
      tx.addEventListener('complete', () => live.delete(tx));
      tx.addEventListener('abort', () => live.delete(tx));
      return cb(s);
    };
    const run = () => new Promise<T>((resolve) => resolve(current(mode, track)));
    return run().catch((e: Error | null) => {
      if (!e || !CONNECTION_LOST.has(e.name)) throw e;
      current = makeStore(name, 'outbox');
      return run();
    });
  };

  /** The oldest `limit` readable records not in `skip`, by one cursor; unreadable values on the way go in `corrupt`. */
  const oldest: OutboxStore['oldest'] = (limit, skip) =>
    use('readonly', (s) => {
      const read: StoreRead = { records: [], corrupt: [], newer: 0 };
      const req = s.openCursor();
      return new Promise((resolve, reject) => {
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const c = req.result;
          if (!c || read.records.length >= limit) {
            for (const r of read.records) {
              seen++;
              seenBytes += r.size;
            }
            return resolve(read);
          }
          // a key that is not a string (another writer's) never matches a record's id, and is deleted by itself
          if (!skip || !skip.has(String(c.key))) fileStoredValue(read, c.value, c.key as string);
          c.continue();
        };
      });
    });

  const store: OutboxStore = {
    kind: 'indexeddb',
    putMany(records) {
      for (const r of records) {
        seen++;
        seenBytes += r.size;
      }
      return setMany(
        records.map((r) => [r.id, r]),
        use,
      );
    },
    oldest,
    deleteMany: (ids) => delMany(ids, use),
    stats: () =>
      use('readonly', (s) => promisifyRequest(s.count())).then((count) => ({
        count,
        bytes: seen && Math.round((count * seenBytes) / seen),
      })),
    clear: () => clear(use),
  };

  return oldest(64).then(() => store);
}
