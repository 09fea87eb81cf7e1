import { RECORD_VERSION } from '../constants';
import type { OutboxRecord } from './types';

const ENDPOINTS: Record<string, true> = { track: true, engage: true, groups: true };

/**
 * Whether a stored value is a record this version can send. A value whose
 * `id` differs from its key is refused too: `remove(id)` could never delete
 * it, so it would be sent again forever.
 */
export function isRecord(value: unknown, key: string): value is OutboxRecord {
  if (!value || typeof value !== 'object') return false;
  const r = value as Partial<OutboxRecord>;
  return (
    r.v === RECORD_VERSION &&
    r.id === key &&
    typeof r.at === 'number' &&
    typeof r.size === 'number' &&
    typeof r.ep === 'string' &&
    ENDPOINTS[r.ep] === true &&
    !!r.body &&
    typeof r.body === 'object'
  );
}

/** What a store answers to `oldest()` when it has nothing (or cannot read). */
export const emptyRead = (): { records: OutboxRecord[]; corrupt: string[] } => ({ records: [], corrupt: [] });

/** Thrown by a store that has reached its own limits; the next store takes over. */
export function storeFull(kind: string): Error {
  const e = new Error(`${kind} outbox is full`);
  e.name = 'OutboxFullError';
  return e;
}

/** Whether `e` is the error of `storeFull()`. */
export const isStoreFull = (e: unknown): boolean => !!e && (e as Error).name === 'OutboxFullError';
