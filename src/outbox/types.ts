import type { Endpoint } from '../config';

/**
 * One stored request body: an event for `/track`, a profile update for
 * `/engage`, a group update for `/groups`. It is written once when the call
 * is made and never rewritten; it leaves the outbox only when a host has
 * acknowledged it, or when it is dropped and reported.
 */
export interface OutboxRecord {
  /** Schema version (`RECORD_VERSION`): older versions are read as today's, newer ones are left alone for the build that wrote them. */
  v: number;
  /** Sortable key: enqueue time, then a per-tab sequence, then the tab id. See `createKeySource` in `record.ts`. */
  id: string;
  /** When the call was made (ms since epoch); retention counts from here. */
  at: number;
  ep: Endpoint;
  /**
   * The body sent in the `data` array, as JSON text. Text, not an object: the
   * client measures it anyway, IndexedDB copies a string far faster than an
   * object of twenty properties, and a batch is then these texts joined.
   */
  json: string;
  /** `json.length`, counted against the byte cap and the beacon budget. */
  size: number;
}

/** Where the client hands built records; the only thing the client knows of the outbox. */
export interface RecordSink {
  /** `json` is the body's JSON text, an object (`{...}`). */
  enqueue(ep: Endpoint, json: string): void;
}

/** Counts the page can read to see where its events are. */
export interface OutboxStats {
  /** Records stored, this tab's unwritten buffer included. */
  queued: number;
  bytes: number;
  /** Which store holds them now. */
  store: StoreKind;
  dropped: number;
}

export type StoreKind = 'indexeddb' | 'localstorage' | 'memory';

/** What one `OutboxStore.oldest()` read found. */
export interface StoreRead {
  records: OutboxRecord[];
  /** Keys of values this version cannot read and a newer one would not either: to be deleted. */
  corrupt: string[];
  /** Values of a newer schema version passed over on the way: left alone for the build that wrote them. */
  newer: number;
}

/**
 * A place records live. Every method is O(records touched), never O(queue):
 * no store rewrites its whole content to add or remove one record.
 */
export interface OutboxStore {
  readonly kind: StoreKind;
  /** Write records in one transaction (or as close as the store allows). */
  putMany(records: OutboxRecord[]): Promise<void>;
  /**
   * The oldest `limit` records by key, skipping keys in `skip`. Unreadable records are returned in
   * `corrupt` by key; records of a newer schema version are passed over and counted in `newer`.
   */
  oldest(limit: number, skip?: ReadonlySet<string>): Promise<StoreRead>;
  deleteMany(ids: string[]): Promise<void>;
  /** Count and bytes of what is stored. */
  stats(): Promise<{ count: number; bytes: number }>;
  clear(): Promise<void>;
  /** Remove the listeners the store added (another tab's changes are no longer followed). */
  close?(): void;
}

/**
 * The queue the sender reads: a store opened at run time (IndexedDB, falling
 * back to localStorage, then memory) behind an in-memory write buffer, with
 * caps, retention and drop reporting. Built by `createOutbox()` in `outbox.ts`.
 */
export interface Outbox extends RecordSink {
  /** Resolves once every record enqueued so far is in the store. */
  settle(): Promise<void>;
  /** Oldest records not in `skip`; expired and corrupt ones are dropped (and reported) on the way. */
  oldest(limit: number, skip?: ReadonlySet<string>): Promise<OutboxRecord[]>;
  /** Acknowledged by a host: gone for good. */
  remove(ids: string[]): Promise<void>;
  /** Given up on (a 400 for that record): removed and reported with `reason`. */
  drop(records: OutboxRecord[], reason: string): Promise<void>;
  stats(): Promise<OutboxStats>;
  /** Called (synchronously, after buffering) on every enqueue that fits the caps: the sender's cue to flush or nudge. */
  onEnqueue(listener: (record: OutboxRecord) => void): void;
  /** Called when a read met records of a newer schema version, which only a newer build can send. */
  onNewerVersion(listener: () => void): void;
  /** Called with the ids of records that left the outbox undelivered: over a cap, past retention, corrupt, refused, or a failed write. */
  onDrop(listener: (ids: string[]) => void): void;
  /**
   * The page is leaving (`intoCache`: frozen into the back/forward cache): write everything
   * buffered at once unless `intoCache`, and copy to localStorage, synchronously, every record
   * whose write has not completed. Never throws.
   */
  secureForUnload(intoCache: boolean): void;
  /** Abort this page's unfinished IndexedDB transactions (entering the back/forward cache). */
  abortStoreWork(): void;
  /** Empty the queue (opt-out). */
  clear(): Promise<void>;
  /** Remove the store's listeners (another tab's changes to localStorage). */
  close(): void;
}
