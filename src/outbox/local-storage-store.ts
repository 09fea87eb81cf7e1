import { STORAGE_PREFIX } from '../constants';
import { isRecord, storeFull } from './record';
import { createSortedMap, type SortedMap } from './sorted-map';
import type { OutboxRecord, OutboxStore } from './types';

/**
 * localStorage gives an origin about 5 million characters, shared with the
 * page and with our own persistence; the outbox takes at most 2 million of
 * them and 5,000 events, leaving the page most of it.
 */
export const LOCAL_STORAGE_MAX_EVENTS = 5_000;
export const LOCAL_STORAGE_MAX_CHARS = 2_000_000;

/** Prefix of this token's record keys: `mp_outbox_<token>_`, then the record key. */
export const localStoragePrefix = (token: string): string => `${STORAGE_PREFIX}outbox_${token}_`;

/**
 * The fallback when IndexedDB cannot be used: one localStorage entry per
 * record, so adding or removing one touches only that entry (never a
 * rewrite of the whole queue, which is what makes a burst of calls crawl in
 * the official library).
 *
 * This buys availability, not durability: Chromium commits localStorage to
 * disk lazily, and a value set a second before the browser is killed can be
 * gone after restart.
 *
 * The key index (key -> stored characters) is built by scanning
 * localStorage once, when first needed, and then kept in memory; a `storage`
 * event from another tab touching our prefix invalidates it.
 */
export function createLocalStorageStore(
  token: string,
  ls: Storage,
  maxEvents = LOCAL_STORAGE_MAX_EVENTS,
  maxChars = LOCAL_STORAGE_MAX_CHARS,
): OutboxStore {
  const prefix = localStoragePrefix(token);
  let index: SortedMap<number> | null = null;
  let chars = 0;

  try {
    if (typeof addEventListener === 'function') {
      addEventListener('storage', (e: StorageEvent) => {
        if (e.key === null || e.key.startsWith(prefix)) index = null;
      });
    }
  } catch {
    /* no window: the index then only follows this tab's own writes */
  }

  /** The index, rebuilt from a scan of localStorage's keys when missing. */
  function keys(): SortedMap<number> {
    if (index) return index;
    const next = createSortedMap<number>();
    chars = 0;
    for (let i = 0; i < ls.length; i++) {
      const k = ls.key(i);
      if (k === null || !k.startsWith(prefix)) continue;
      const n = k.length + (ls.getItem(k)?.length ?? 0);
      next.set(k.slice(prefix.length), n);
      chars += n;
    }
    return (index = next);
  }

  function forget(map: SortedMap<number>, id: string): void {
    const n = map.get(id);
    if (n !== undefined && map.delete(id)) chars -= n;
  }

  return {
    kind: 'localstorage',
    async putMany(records) {
      const map = keys();
      const values = records.map((r) => JSON.stringify(r));
      let add = 0;
      for (let i = 0; i < records.length; i++) add += prefix.length + records[i]!.id.length + values[i]!.length;
      if (map.size + records.length > maxEvents || chars + add > maxChars) throw storeFull('localStorage');
      let i = 0;
      try {
        for (; i < records.length; i++) ls.setItem(prefix + records[i]!.id, values[i]!);
      } catch (e) {
        // all or nothing, as IndexedDB's transaction: the caller moves the whole batch on
        for (let j = 0; j < i; j++) guardRemove(ls, prefix + records[j]!.id);
        throw e;
      }
      for (let j = 0; j < records.length; j++) {
        const r = records[j]!;
        forget(map, r.id);
        const n = prefix.length + r.id.length + values[j]!.length;
        map.set(r.id, n);
        chars += n;
      }
    },
    async oldest(limit, skip) {
      const records: OutboxRecord[] = [];
      const corrupt: string[] = [];
      if (limit <= 0) return { records, corrupt };
      const map = keys();
      for (const [id] of map.entries()) {
        if (skip && skip.has(id)) continue;
        const raw = ls.getItem(prefix + id);
        if (raw === null) {
          forget(map, id); // another tab took it
          continue;
        }
        let value: unknown;
        try {
          value = JSON.parse(raw);
        } catch {
          value = null;
        }
        if (isRecord(value, id)) records.push(value);
        else corrupt.push(id);
        if (records.length >= limit) break;
      }
      return { records, corrupt };
    },
    async deleteMany(ids) {
      const map = keys();
      for (const id of ids) {
        guardRemove(ls, prefix + id);
        forget(map, id);
      }
    },
    async stats() {
      const map = keys();
      return { count: map.size, bytes: chars };
    },
    async clear() {
      index = null; // rescan so that other tabs' records go too
      const map = keys();
      for (const [id] of map.entries()) guardRemove(ls, prefix + id);
      map.clear();
      chars = 0;
    },
  };
}

function guardRemove(ls: Storage, key: string): void {
  try {
    ls.removeItem(key);
  } catch {
    /* nothing more to do */
  }
}
