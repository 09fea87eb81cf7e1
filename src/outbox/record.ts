import type { Endpoint } from '../config';
import { RECORD_VERSION } from '../constants';
import { insertId } from '../utils/insert-id';
import type { OutboxRecord, StoreRead } from './types';

/**
 * Record keys: enqueue time (9 base36 digits, enough until the year 5138),
 * a per-tab sequence (6 digits, 2.2 billion keys before it wraps) and a
 * random tab id (8 hex digits), each at a fixed width so that plain string order
 * (IndexedDB's and `sort()`'s) is enqueue order: across tabs by time, within
 * a tab exactly. The tab id keeps apart tabs writing the same database.
 */
export function createKeySource(tab = insertId().slice(0, 8)): (at: number) => string {
  let last = -1;
  let time = '';
  let seq = 0;
  return (at) => {
    // the time part never goes backwards: a clock set back must not sort new records first.
    // It is formatted once per millisecond: base-36 formatting of a 13-digit number is slow.
    const ms = Math.floor(at) || 0;
    if (ms > last) {
      last = ms;
      time = ms.toString(36).padStart(9, '0');
    }
    seq = (seq + 1) % 36 ** 6;
    return time + seq.toString(36).padStart(6, '0') + tab;
  };
}

let key: ((at: number) => string) | undefined;

/** A new record keyed by this tab's key source. */
export function newRecord(ep: Endpoint, json: string, at: number): OutboxRecord {
  return { v: RECORD_VERSION, id: (key || (key = createKeySource()))(at), at, ep, json, size: json.length };
}

/**
 * The record a stored value holds under `key`, or null when this version
 * cannot send it. A value whose `id` differs from its key is refused: its
 * `remove(id)` could never delete it, so it would be sent again forever. A
 * version-1 record (body kept as an object) is read as today's, so that an
 * outbox written before an upgrade is sent rather than dropped; one whose body
 * JSON cannot carry (a BigInt or a cycle another writer stored) is refused,
 * as it would stop the queue at every send.
 */
export function readRecord(value: unknown, key: string): OutboxRecord | null {
  const r = value as (OutboxRecord & { body?: unknown }) | null;
  if (!r || r.id !== key || typeof r.at !== 'number' || !/^(track|engage|groups)$/.test(r.ep)) return null;
  let json: unknown = r.v === RECORD_VERSION ? r.json : undefined;
  if (r.v === 1 && r.body && typeof r.body === 'object')
    try {
      json = JSON.stringify(r.body);
    } catch {
      // not JSON: refused below
    }
  return typeof json === 'string' && json[0] === '{' ? { v: RECORD_VERSION, id: key, at: r.at, ep: r.ep, json, size: json.length } : null;
}

/**
 * Files the value a store holds under `key` into `read`: a record this version
 * sends; or one of a newer schema version, written by a newer build (during a
 * rolling deploy another tab may run one), which this build can neither read
 * nor judge, so it is passed over and left alone for a build that knows its
 * shape; or else corrupt, to be deleted by its key.
 */
export function fileStoredValue(read: StoreRead, value: unknown, key: string): void {
  const r = readRecord(value, key);
  const v = value && typeof value === 'object' ? (value as { v?: unknown }).v : undefined;
  if (r) read.records.push(r);
  else if (typeof v === 'number' && v > RECORD_VERSION) read.newer++;
  else read.corrupt.push(key);
}
