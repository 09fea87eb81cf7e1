import { safeLocalStorage } from '../utils/env';
import type { Reporter } from '../utils/report';
import { createIdbStore, idbName } from './idb-store';
import { createLocalStorageStore } from './local-storage-store';
import { createMemoryStore } from './memory-store';
import { emptyRead } from './record';
import type { OutboxRecord, OutboxStore, StoreKind } from './types';

export interface ChooseStoreOptions {
  token: string;
  /** `storage_open_timeout_ms`: how long IndexedDB may take to open. */
  openTimeoutMs: number;
  reporter: Reporter;
  /** Opens the IndexedDB store; replaceable in tests. */
  openIndexedDb?: (name: string, openTimeoutMs: number) => Promise<OutboxStore>;
}

const NAMES: Record<StoreKind, string> = { indexeddb: 'IndexedDB', localstorage: 'localStorage', memory: 'memory' };

/**
 * The outbox's store: IndexedDB, else localStorage, else memory, behind one
 * `OutboxStore`. Never rejects (memory always opens).
 *
 * Writes go to one store at a time. When it fails (it would not open, a
 * write throws, QuotaExceededError, or it is full) the batch goes to the next
 * store instead of being lost, and each switch is reported once with
 * `code: 'storage'`. Every store that may still hold records stays readable:
 * `oldest()` merges them by key and deletes go to all of them, so a fallback
 * never strands what was already stored. That includes records a previous
 * page left in localStorage while IndexedDB was unusable.
 */
export async function chooseStore(o: ChooseStoreOptions): Promise<OutboxStore> {
  const openIdb = o.openIndexedDb ?? createIdbStore;
  let lsStore: OutboxStore | null | undefined;
  const localStore = (): OutboxStore | null => {
    if (lsStore === undefined) {
      const ls = safeLocalStorage();
      lsStore = ls ? createLocalStorageStore(o.token, ls) : null;
    }
    return lsStore;
  };
  const openers: Array<[StoreKind, () => Promise<OutboxStore | null>]> = [
    ['indexeddb', () => openIdb(idbName(o.token), o.openTimeoutMs)],
    ['localstorage', async () => localStore()],
    ['memory', async () => createMemoryStore()],
  ];
  let next = 0;
  const readers: OutboxStore[] = [];

  /** Opens the next store that works, reporting why each one before it was passed over. */
  async function openNext(whys: string[]): Promise<OutboxStore | null> {
    while (next < openers.length) {
      const [kind, open] = openers[next++]!;
      let store: OutboxStore | null = null;
      let reason = 'it is not available';
      try {
        store = await open();
      } catch (e) {
        reason = describe(e);
      }
      if (store) {
        for (const why of whys) report(why, kind);
        if (!readers.includes(store)) readers.unshift(store);
        return store;
      }
      whys.push(`${NAMES[kind]} cannot be used (${reason})`);
    }
    return null;
  }

  function report(why: string, to: StoreKind): void {
    o.reporter.report({ code: 'storage', message: `${why}; the outbox uses ${NAMES[to]}`, detail: { store: to } });
  }

  let writer = (await openNext([])) ?? createMemoryStore();
  if (writer.kind === 'indexeddb') {
    // what an earlier page stored while IndexedDB was unusable must still be sent
    const left = localStore();
    if (left && (await left.stats().catch(() => ({ count: 0 }))).count > 0) readers.push(left);
  }

  let switching: Promise<boolean> | null = null;
  /** Moves writes off `from` (once, however many writes failed on it at the same time). */
  function failover(from: OutboxStore, err: unknown): Promise<boolean> {
    if (from !== writer) return Promise.resolve(true);
    if (!switching) {
      switching = (async () => {
        if (next >= openers.length) return false; // the last store is full: nothing further to try
        const store = await openNext([`${NAMES[from.kind]} failed to write (${describe(err)})`]);
        if (store) writer = store;
        return !!store;
      })().finally(() => {
        switching = null;
      });
    }
    return switching;
  }

  return {
    get kind() {
      return writer.kind;
    },
    async putMany(records) {
      for (;;) {
        const w = writer;
        try {
          await w.putMany(records);
          return;
        } catch (e) {
          if (!(await failover(w, e))) throw e;
        }
      }
    },
    async oldest(limit, skip) {
      if (readers.length === 1) return readers[0]!.oldest(limit, skip);
      const parts = await Promise.all(readers.map((s) => s.oldest(limit, skip).catch(emptyRead)));
      const records: OutboxRecord[] = [];
      const corrupt: string[] = [];
      for (const p of parts) {
        records.push(...p.records);
        corrupt.push(...p.corrupt);
      }
      records.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return { records: records.slice(0, limit), corrupt };
    },
    async deleteMany(ids) {
      await Promise.all(readers.map((s) => s.deleteMany(ids).catch(() => o.reporter.debug('delete failed in', s.kind))));
    },
    async stats() {
      let count = 0;
      let bytes = 0;
      for (const s of readers) {
        const st = await s.stats().catch(() => ({ count: 0, bytes: 0 }));
        count += st.count;
        bytes += st.bytes;
      }
      return { count, bytes };
    },
    async clear() {
      await Promise.all(readers.map((s) => s.clear().catch(() => o.reporter.debug('clear failed in', s.kind))));
    },
  };
}

function describe(e: unknown): string {
  if (e && typeof e === 'object') {
    const err = e as Error;
    return err.name && err.name !== 'Error' ? `${err.name}: ${err.message}` : String(err.message);
  }
  return String(e);
}
