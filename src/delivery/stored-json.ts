import { guard } from '../utils/env';

/**
 * One JSON value that the pages of a token share in localStorage (hand-offs,
 * the hosts' health, the hosts' clock, the sender lease), read and written
 * whole and synchronously, so that a hide handler can write it. Storage that
 * is missing or throws (blocked, full), and a stored value that is not JSON,
 * read as null and take no write: the state is then this page's alone.
 */
export interface StoredJson {
  /** The stored value, parsed; null when there is none. */
  read(): unknown;
  /** Stores `value` as JSON; null removes the entry. */
  write(value: unknown): void;
}

export function storedJson(key: string, storage: () => Storage | null): StoredJson {
  return {
    read: () => guard(() => JSON.parse(storage()!.getItem(key)!), null),
    write(value) {
      guard(() => (value === null ? storage()!.removeItem(key) : storage()!.setItem(key, JSON.stringify(value))), undefined);
    },
  };
}
