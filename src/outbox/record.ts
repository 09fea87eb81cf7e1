import type { Endpoint } from '../config';
import { RECORD_VERSION } from '../constants';
import { insertId } from '../utils/insert-id';
import type { OutboxRecord } from './types';

/**
 * Record keys: enqueue time (9 base36 digits, enough until the year 5138),
 * a per-tab sequence (6 digits, 2.2 billion keys before it wraps) and a
 * random tab id (8 hex digits), each at a fixed width so that plain string order
 * (IndexedDB's and `sort()`'s) is enqueue order: across tabs by time, within
 * a tab exactly. The tab id keeps apart tabs writing the same database.
 */
export function createKeySource(tab = insertId().slice(0, 8)): (at: number) => string {
  let last = 0;
  let seq = 0;
  // the time part never goes backwards: a clock set back must not sort new records first
  return (at) => (last = Math.max(last, Math.floor(at) || 0)).toString(36).padStart(9, '0') + (seq = (seq + 1) % 36 ** 6).toString(36).padStart(6, '0') + tab;
}

let key: ((at: number) => string) | undefined;

/**
 * A new record keyed by this tab's key source. `size` is the body's JSON
 * length when the caller already measured it; otherwise it is measured here
 * (which also throws on a body JSON cannot represent).
 */
export function newRecord(ep: Endpoint, body: Record<string, unknown>, at: number, size?: number): OutboxRecord {
  return { v: RECORD_VERSION, id: (key || (key = createKeySource()))(at), at, ep, body, size: size || JSON.stringify(body).length };
}

/**
 * Whether a stored value is a record this version can send. A value whose
 * `id` differs from its key is refused too: `remove(id)` could never delete
 * it, so it would be sent again forever. So is a body JSON cannot carry (a
 * BigInt or a cycle another writer stored): it would stop the queue at every send.
 */
export function isRecord(value: unknown, key: string): value is OutboxRecord {
  const r = value as OutboxRecord | null;
  return !!r && r.v === RECORD_VERSION && r.id === key && typeof r.at == 'number' && typeof r.size == 'number' && /^(track|engage|groups)$/.test(r.ep) && !!r.body && typeof r.body === 'object' && jsonable(r.body);
}

/** Whether `JSON.stringify` takes `v`. */
const jsonable = (v: unknown): boolean => {
  try {
    return !!JSON.stringify(v);
  } catch {
    return false;
  }
};
