import { clear, createStore, delMany, promisifyRequest, setMany, type UseStore } from 'idb-keyval';
import { safeIndexedDB } from '../utils/env';
import { isRecord } from './record';
import type { OutboxRecord, OutboxStore } from './types';

/** Object store name inside each token's database (`outlast-<token>`). */
export const IDB_STORE_NAME = 'outbox';

/** Database name for a token: one database per token keeps tokens apart and deletable alone. */
export const idbName = (token: string): string => `outlast-${token}`;

/** Records read when the store opens to learn the typical record size. */
const SIZE_SAMPLE = 64;

/**
 * The durable store: records in an IndexedDB object store keyed by record
 * id, through idb-keyval (one transaction per `putMany`/`deleteMany`, a
 * single cursor for `oldest`).
 *
 * Resolves once the database has answered a first read, and rejects when it
 * is missing, refuses to open (SecurityError, private modes, open error) or
 * has not opened within `openTimeoutMs` (a blocked or hung open): the caller
 * then falls back to another store.
 *
 * `stats()` does not read values. The count comes from IndexedDB itself, so
 * it includes what other tabs wrote; bytes are that count times the mean
 * record size seen by this tab (a sample read at open, then every record it
 * writes or reads). A running byte total kept by one tab would be wrong as
 * soon as another tab writes, and summing sizes would read the whole queue.
 */
export function createIdbStore(
  name: string,
  openTimeoutMs: number,
  makeStore: (dbName: string, storeName: string) => UseStore = createStore,
): Promise<OutboxStore> {
  if (!safeIndexedDB()) return Promise.reject(new Error('IndexedDB is not available'));

  let current: UseStore = makeStore(name, IDB_STORE_NAME);
  let seenCount = 0;
  let seenBytes = 0;
  const see = (size: unknown): void => {
    if (typeof size === 'number' && size >= 0) {
      seenCount++;
      seenBytes += size;
    }
  };

  /**
   * idb-keyval's store, re-created once per call when the connection turns
   * out to be closed (WebKit closes idle connections without an event and
   * then throws InvalidStateError on the next transaction).
   */
  const use: UseStore = <T>(mode: IDBTransactionMode, cb: (s: IDBObjectStore) => T | PromiseLike<T>): Promise<T> => {
    const run = (): Promise<T> => {
      try {
        return current(mode, cb);
      } catch (e) {
        return Promise.reject(e); // indexedDB.open itself can throw (SecurityError)
      }
    };
    return run().catch((e: unknown) => {
      if (!e || (e as Error).name !== 'InvalidStateError') throw e;
      current = makeStore(name, IDB_STORE_NAME);
      return run();
    });
  };

  const store: OutboxStore = {
    kind: 'indexeddb',
    putMany(records) {
      for (const r of records) see(r.size);
      return setMany(
        records.map((r): [IDBValidKey, OutboxRecord] => [r.id, r]),
        use,
      );
    },
    oldest(limit, skip) {
      return use('readonly', (s) => readOldest(s, limit, skip, see));
    },
    deleteMany(ids) {
      return ids.length ? delMany(ids, use) : Promise.resolve();
    },
    async stats() {
      const count = await use('readonly', (s) => promisifyRequest(s.count()));
      return { count, bytes: seenCount ? Math.round((count * seenBytes) / seenCount) : 0 };
    },
    clear() {
      return clear(use);
    },
  };

  const firstRead = use('readonly', (s) => readOldest(s, SIZE_SAMPLE, undefined, see)).then(() => store);
  return withTimeout(firstRead, openTimeoutMs, `IndexedDB did not open within ${openTimeoutMs} ms`);
}

/**
 * The oldest `limit` readable records not in `skip`, in key order, with one
 * cursor; unreadable values on the way are listed in `corrupt`.
 */
function readOldest(
  s: IDBObjectStore,
  limit: number,
  skip: ReadonlySet<string> | undefined,
  see: (size: unknown) => void,
): Promise<{ records: OutboxRecord[]; corrupt: string[] }> {
  return new Promise((resolve, reject) => {
    const records: OutboxRecord[] = [];
    const corrupt: string[] = [];
    if (limit <= 0) return resolve({ records, corrupt });
    const req = s.openCursor();
    req.onsuccess = () => {
      const c = req.result;
      if (!c) return resolve({ records, corrupt });
      const key = String(c.key);
      if (!skip || !skip.has(key)) {
        const value: unknown = c.value;
        if (isRecord(value, key)) {
          see(value.size);
          records.push(value);
          if (records.length >= limit) return resolve({ records, corrupt });
        } else corrupt.push(key);
      }
      c.continue();
    };
    req.onerror = () => reject(req.error);
  });
}

/** `p`, or a rejection with `message` after `ms`. */
function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
