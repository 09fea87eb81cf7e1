/** A string-keyed map that iterates in key order. */
export interface SortedMap<V> {
  readonly size: number;
  get(key: string): V | undefined;
  set(key: string, value: V): void;
  delete(key: string): boolean;
  /** Entries in key order. */
  entries(): IterableIterator<[string, V]>;
  clear(): void;
}

/**
 * A Map kept in key order. Outbox keys almost always arrive in increasing
 * order, so a new key is appended and the map is only re-sorted (once, on the
 * next read) when one arrives out of order, e.g. from a fallback write.
 */
export function createSortedMap<V>(): SortedMap<V> {
  let map = new Map<string, V>();
  let max = '';
  let inOrder = true;
  return {
    get size() {
      return map.size;
    },
    get: (key) => map.get(key),
    set(key, value) {
      if (!map.has(key)) {
        if (key < max) inOrder = false;
        else max = key;
      }
      map.set(key, value);
    },
    delete: (key) => map.delete(key),
    entries() {
      if (!inOrder) {
        map = new Map([...map].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
        inOrder = true;
      }
      return map.entries();
    },
    clear() {
      map.clear();
      max = '';
      inOrder = true;
    },
  };
}
