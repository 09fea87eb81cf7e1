import { storeFull } from './record';
import { createSortedMap } from './sorted-map';
import type { OutboxRecord, OutboxStore } from './types';

/**
 * Memory holds records only while the tab lives, so it only has to carry an
 * outage the tab outlasts; 10,000 events of ~1 KB is as much heap as a page
 * should lend a tracking library.
 */
export const MEMORY_MAX_EVENTS = 10_000;
export const MEMORY_MAX_BYTES = 10 * 1024 * 1024;

/** The last resort: a sorted in-memory map. Never fails except when full. */
export function createMemoryStore(maxEvents = MEMORY_MAX_EVENTS, maxBytes = MEMORY_MAX_BYTES): OutboxStore {
  const map = createSortedMap<OutboxRecord>();
  let bytes = 0;
  return {
    kind: 'memory',
    async putMany(records) {
      let add = 0;
      for (const r of records) add += r.size;
      if (map.size + records.length > maxEvents || bytes + add > maxBytes) throw storeFull('memory');
      for (const r of records) {
        const old = map.get(r.id);
        if (old) bytes -= old.size;
        map.set(r.id, r);
        bytes += r.size;
      }
    },
    async oldest(limit, skip) {
      const records: OutboxRecord[] = [];
      if (limit <= 0) return { records, corrupt: [] };
      for (const [id, r] of map.entries()) {
        if (skip && skip.has(id)) continue;
        records.push(r);
        if (records.length >= limit) break;
      }
      return { records, corrupt: [] };
    },
    async deleteMany(ids) {
      for (const id of ids) {
        const r = map.get(id);
        if (r && map.delete(id)) bytes -= r.size;
      }
    },
    async stats() {
      return { count: map.size, bytes };
    },
    async clear() {
      map.clear();
      bytes = 0;
    },
  };
}
