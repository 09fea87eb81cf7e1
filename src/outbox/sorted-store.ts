import { STORAGE_PREFIX } from '../constants';
import { isNewerRecord, readRecord } from './record';
import type { OutboxRecord, OutboxStore, StoreKind } from './types';

/** A flat key-value space of strings: localStorage under a prefix, or a Map. */
interface Slots {
  keys(): string[];
  get(id: string): string | null | undefined;
  set(id: string, value: string): void;
  del(id: string): void;
  /** Calls `changed` when another tab may have changed the slots; returns the function that stops watching. */
  watch?(changed: () => void): () => void;
}

/**
 * A store of one slot per record (JSON), so adding or removing a record
 * touches only its own slot: never a rewrite of the whole queue, which is
 * what makes a burst of calls crawl in the official library. An index
 * (id -> stored characters) is built by one scan when first needed and then
 * follows this tab's writes; outbox keys almost always arrive in increasing
 * order, so it is re-sorted only when one arrives out of order. `putMany` is
 * all or nothing, like an IndexedDB transaction, and refuses a batch past the
 * caps.
 */
function createSortedStore(kind: StoreKind, slots: Slots, maxEvents: number, maxChars: number): OutboxStore {
  let index: Map<string, number> | null = null;
  let chars = 0;
  let last = '';
  let sorted = true;

  const forget = (id: string): void => {
    chars -= index!.get(id) || 0;
    index!.delete(id);
  };
  const note = (id: string, n: number): void => {
    forget(id);
    if (id < last) sorted = false;
    else last = id;
    index!.set(id, n);
    chars += n;
  };
  const keys = (): Map<string, number> => {
    if (!index) {
      index = new Map();
      chars = 0;
      last = '';
      for (const id of slots.keys()) note(id, id.length + (slots.get(id) || '').length);
    }
    if (!sorted) {
      index = new Map([...index].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
      sorted = true;
    }
    return index;
  };
  const unwatch = slots.watch
    ? slots.watch(() => {
        index = null;
      })
    : () => undefined;

  return {
    kind,
    async putMany(records) {
      const n = keys().size + records.length;
      const values = records.map((r) => JSON.stringify(r));
      const size = (i: number) => records[i]!.id.length + values[i]!.length;
      if (n > maxEvents || values.reduce((sum, _, i) => sum + size(i), chars) > maxChars) throw Error(kind + ' outbox is full');
      try {
        records.forEach((r, i) => slots.set(r.id, values[i]!));
      } catch (e) {
        records.forEach((r) => slots.del(r.id));
        throw e;
      }
      records.forEach((r, i) => note(r.id, size(i)));
    },
    async oldest(limit, skip) {
      const records: OutboxRecord[] = [];
      const corrupt: string[] = [];
      let newer = 0;
      for (const [id] of keys()) {
        if (records.length >= limit) break;
        if (skip && skip.has(id)) continue;
        const raw = slots.get(id);
        if (raw == null) {
          forget(id); // another tab took it
          continue;
        }
        let value: unknown;
        try {
          value = JSON.parse(raw);
        } catch {
          /* corrupt */
        }
        const r = readRecord(value, id);
        if (r) records.push(r);
        else if (isNewerRecord(value)) newer++;
        else corrupt.push(id);
      }
      return { records, corrupt, newer };
    },
    async deleteMany(ids) {
      keys();
      for (const id of ids) {
        slots.del(id);
        forget(id);
      }
    },
    async stats() {
      return { count: keys().size, bytes: chars };
    },
    async clear() {
      index = null; // rescan, so that other tabs' records go too
      keys().forEach((_, id) => slots.del(id));
      index = null;
    },
    close: unwatch,
  };
}

/** The slots of a token's records in localStorage, `mp_outbox_<token>_<id>`; `watch` follows other tabs' writes by `storage` events. */
function localStorageSlots(token: string, ls: Storage, watch: boolean): Slots {
  const prefix = `${STORAGE_PREFIX}outbox_${token}_`;
  const slots: Slots = {
    keys() {
      const ids: string[] = [];
      for (let i = 0; i < ls.length; i++) {
        const k = ls.key(i);
        if (k && k.startsWith(prefix)) ids.push(k.slice(prefix.length));
      }
      return ids;
    },
    get: (id) => ls.getItem(prefix + id),
    set: (id, value) => ls.setItem(prefix + id, value),
    del: (id) => ls.removeItem(prefix + id),
  };
  if (watch)
    slots.watch = (changed) => {
      const onStorage = (e: StorageEvent): void => {
        if (!e.key || e.key.startsWith(prefix)) changed();
      };
      try {
        addEventListener('storage', onStorage);
        return () => removeEventListener('storage', onStorage);
      } catch {
        return () => undefined; // no window: the index follows this tab's own writes only
      }
    };
  return slots;
}

/** Records the localStorage store holds at most, and characters (of the origin's ~5 million: the page and our persistence share them). */
const LOCAL_STORAGE_MAX_EVENTS = 5_000;
const LOCAL_STORAGE_MAX_CHARS = 2_000_000;

/**
 * The fallback when IndexedDB cannot be used: one localStorage entry per
 * record, `mp_outbox_<token>_<id>`, within `LOCAL_STORAGE_MAX_EVENTS` and
 * `LOCAL_STORAGE_MAX_CHARS`. This buys availability, not durability: Chromium
 * commits localStorage lazily, and a value set a second before the browser is
 * killed can be gone after restart. A `storage` event from another tab
 * touching our prefix invalidates the index; `close()` stops listening.
 */
export function createLocalStorageStore(
  token: string,
  ls: Storage,
  maxEvents = LOCAL_STORAGE_MAX_EVENTS,
  maxChars = LOCAL_STORAGE_MAX_CHARS,
): OutboxStore {
  return createSortedStore('localstorage', localStorageSlots(token, ls, true), maxEvents, maxChars);
}

/**
 * Writes `records` to the localStorage store of `token`, synchronously (the
 * promise only reports the outcome), within the same caps, adding no
 * listener: what a leaving page copies there for the next page to send.
 */
export function rescueToLocalStorage(token: string, ls: Storage, records: OutboxRecord[]): Promise<void> {
  const unwatched = createSortedStore(
    'localstorage',
    localStorageSlots(token, ls, false),
    LOCAL_STORAGE_MAX_EVENTS,
    LOCAL_STORAGE_MAX_CHARS,
  );
  return unwatched.putMany(records);
}

/**
 * The last resort, holding records only while the tab lives: 10,000 records
 * and 10 million characters is as much heap as a page should lend a tracking
 * library to carry an outage the tab outlasts.
 */
export function createMemoryStore(maxEvents = 10_000, maxChars = 10_000_000): OutboxStore {
  const m = new Map<string, string>();
  return createSortedStore(
    'memory',
    { keys: () => [...m.keys()], get: (id) => m.get(id), set: (id, value) => m.set(id, value), del: (id) => m.delete(id) },
    maxEvents,
    maxChars,
  );
}
