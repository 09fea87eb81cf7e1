import { STORAGE_PREFIX } from '../constants';
import { guard } from '../utils/env';
import { fileStoredValue } from './record';
import type { OutboxStore, StoreKind, StoreRead } from './types';

/** Strings by record id: a Map (memory), or the entries of localStorage under a prefix. */
interface Slots {
  keys(): Iterable<string>;
  get(id: string): string | null | undefined;
  set(id: string, value: string): unknown;
  delete(id: string): unknown;
}

/** What another tab did to the slots, as its `storage` event says. */
interface Followed {
  /** Slot `id` now holds `value` (null: removed); no id: any slot may have changed (`localStorage.clear()`). */
  changed(id?: string, value?: string | null): void;
}

/**
 * A store of one slot per record (JSON), so adding or removing a record
 * touches only its own slot: never a rewrite of the whole queue, which is
 * what makes a burst of calls crawl in the official library. An index
 * (id -> characters stored) is built by one pass over the slots when first
 * needed and then follows this tab's writes, and other tabs' as `changed()`
 * hears of them. `putMany` is all or nothing, like an
 * IndexedDB transaction, and refuses a batch past the caps.
 */
function createSortedStore(kind: StoreKind, slots: Slots, maxEvents: number, maxChars: number): OutboxStore & Followed {
  let index: Map<string, number> | null = null;
  const indexed = (): Map<string, number> => {
    if (!index) {
      index = new Map();
      for (const id of slots.keys()) index.set(id, id.length + (slots.get(id) || '').length);
    }
    return index;
  };
  const charsStored = (): number => {
    let chars = 0;
    for (const n of indexed().values()) chars += n;
    return chars;
  };

  const store: OutboxStore & Followed = {
    kind,
    async putMany(records) {
      const stored = indexed();
      const values = records.map((r) => JSON.stringify(r));
      const sizes = records.map((r, i) => r.id.length + values[i]!.length);
      let chars = charsStored();
      for (const n of sizes) chars += n;
      if (stored.size + records.length > maxEvents || chars > maxChars) throw Error(kind + ' outbox is full');
      try {
        records.forEach((r, i) => slots.set(r.id, values[i]!));
      } catch (e) {
        // what was stored before this batch stays
        for (const r of records) if (!stored.has(r.id)) slots.delete(r.id);
        throw e;
      }
      records.forEach((r, i) => stored.set(r.id, sizes[i]!));
    },
    async oldest(limit, skip) {
      const read: StoreRead = { records: [], corrupt: [], newer: 0 };
      const stored = indexed();
      // keys mostly arrive in order, so this sort is close to linear
      for (const id of [...stored.keys()].sort()) {
        if (read.records.length >= limit) break;
        if (skip && skip.has(id)) continue;
        const raw = slots.get(id);
        if (raw == null)
          stored.delete(id); // another tab took it
        else
          fileStoredValue(
            read,
            guard(() => JSON.parse(raw), undefined),
            id,
          );
      }
      return read;
    },
    async deleteMany(ids) {
      for (const id of ids) {
        slots.delete(id);
        if (index) index.delete(id);
      }
    },
    async stats() {
      return { count: indexed().size, bytes: charsStored() };
    },
    async clear() {
      index = null; // a new pass, so that other tabs' records go too
      indexed().forEach((_, id) => slots.delete(id));
      index = new Map();
    },
    changed(id, value) {
      if (id === undefined) index = null;
      else if (index && value == null) index.delete(id);
      else if (index) index.set(id, id.length + value!.length);
    },
  };
  return store;
}

/** Records the localStorage store holds at most, and characters (of the origin's ~5 million: the page and our persistence share them). */
const LOCAL_STORAGE_MAX_EVENTS = 5_000;
const LOCAL_STORAGE_MAX_CHARS = 2_000_000;

/**
 * The fallback when IndexedDB cannot be used: one localStorage entry per
 * record, `mp_outbox_<token>_<id>`, within `LOCAL_STORAGE_MAX_EVENTS` and
 * `LOCAL_STORAGE_MAX_CHARS`. This buys availability, not durability: Chromium
 * commits localStorage lazily, and a value set a second before the browser is
 * killed can be gone after restart.
 *
 * With `follow`, a `storage` event (another tab) touching the prefix updates
 * the index, and `close()` stops listening; without it (what a leaving page
 * copies there for the next page) the store adds no listener.
 */
export function createLocalStorageStore(token: string, ls: Storage, follow = true): OutboxStore {
  const prefix = `${STORAGE_PREFIX}outbox_${token}_`;
  const store = createSortedStore(
    'localstorage',
    {
      *keys() {
        for (let i = 0; i < ls.length; i++) {
          const k = ls.key(i);
          if (k && k.startsWith(prefix)) yield k.slice(prefix.length);
        }
      },
      get: (id) => ls.getItem(prefix + id),
      set: (id, value) => ls.setItem(prefix + id, value),
      delete: (id) => ls.removeItem(prefix + id),
    },
    LOCAL_STORAGE_MAX_EVENTS,
    LOCAL_STORAGE_MAX_CHARS,
  );
  // The event names the slot and its new value: the index takes that one change, never a new pass over every key
  // (`key(i)` walks the whole area in Firefox, and another tab writes on every batch).
  const onStorage = (e: StorageEvent): void => {
    if (!e.key) store.changed();
    else if (e.key.startsWith(prefix)) store.changed(e.key.slice(prefix.length), e.newValue);
  };
  // no window: the index follows this tab's own writes only
  if (follow)
    guard(() => {
      addEventListener('storage', onStorage);
      store.close = () => removeEventListener('storage', onStorage);
    }, undefined);
  return store;
}

/**
 * The last resort, holding records only while the tab lives: 10,000 records
 * and 10 million characters is as much heap as a page should lend a tracking
 * library to carry an outage the tab outlasts.
 */
export const createMemoryStore = (): OutboxStore => createSortedStore('memory', new Map<string, string>(), 10_000, 10_000_000);
