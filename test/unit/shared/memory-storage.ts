// The one in-memory `Storage` of the unit tests (localStorage for the client, the outbox, the
// leader election and the snippet's page).

export interface MemoryStorageOptions {
  /** Characters (keys plus values) it holds before `setItem` throws QuotaExceededError, as browsers do. */
  quota?: number;
  /** The map it keeps its items in; pass the same one to two "page loads" to share it. */
  map?: Map<string, string>;
}

/**
 * A Storage backed by a Map, with an optional quota. Its methods are bound, so a test can keep
 * one aside (`const set = storage.setItem`) and call it from a wrapper, as with a plain object.
 */
export class MemoryStorage implements Storage {
  readonly map: Map<string, string>;
  private readonly quota: number;

  /** `quota` alone may be given as a number. */
  constructor(options: MemoryStorageOptions | number = {}) {
    const opts = typeof options === 'number' ? { quota: options } : options;
    this.map = opts.map ?? new Map();
    this.quota = opts.quota ?? Infinity;
  }
  get length(): number {
    return this.map.size;
  }
  key = (i: number): string | null => [...this.map.keys()][i] ?? null;
  getItem = (k: string): string | null => this.map.get(k) ?? null;
  setItem = (k: string, v: string): void => {
    let used = 0;
    for (const [key, val] of this.map) if (key !== k) used += key.length + val.length;
    if (used + k.length + String(v).length > this.quota) {
      const e = new Error('quota exceeded');
      e.name = 'QuotaExceededError';
      throw e;
    }
    this.map.set(k, String(v));
  };
  removeItem = (k: string): void => void this.map.delete(k);
  clear = (): void => this.map.clear();
  [name: string]: unknown;
}

/** A fresh `MemoryStorage`, for call sites that read better as a function. */
export function memoryStorage(options?: MemoryStorageOptions): MemoryStorage {
  return new MemoryStorage(options);
}
