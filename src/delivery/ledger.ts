import { KEEPALIVE_UNKNOWN_MS, STORAGE_PREFIX } from '../constants';
import type { OutboxRecord } from '../outbox/types';
import { safeLocalStorage } from '../utils/env';
import { storedJson } from './stored-json';

/**
 * What the ledger keeps of this page's records (a quarter more between
 * reads): a beacon carries at most 64 KiB per page, so four budgets' worth,
 * and at most 1,000 records, is all a hide can ever use.
 */
const LEDGER_MAX_RECORDS = 1_000;
const LEDGER_MAX_BYTES = 256 * 1024;

/**
 * Ids the stored hand-offs may keep held in all, summed over their entries. A hide hands the
 * browser at most 64 KiB of bodies (a few hundred records); past this the oldest entries are
 * released, which costs a duplicate, never a record.
 */
const HANDOFF_MAX_IDS = 2_000;

/** Records handed to the browser: `ids`, going to `host`, at `at` (ms since epoch). */
export interface Handoff {
  ids: string[];
  host: string;
  at: number;
}

/**
 * What is known of records on their way out, kept apart from the outbox and
 * the sender. Two facts, both fed by events:
 *
 * - this page's records that no host has acknowledged yet (enqueue,
 *   acknowledgement by this tab's sender or another tab's, drop), which the
 *   unload beacon and the `fetchLater` request carry;
 * - records handed to the browser that may arrive without an answer anyone
 *   reads: in memory, the sender's `keepalive` requests that may still be on
 *   their way (they outlive a navigation); in localStorage, what a hide
 *   handed off (the beacon's records once the browser accepted them, and
 *   those keepalive requests), one entry per hand-off, for the trust window.
 *   localStorage is written synchronously, so a hide handler can write it,
 *   and read by every tab and the next page.
 *
 * Every sender holds stored hand-offs back (`handoff-hold.ts`) until the
 * host says which way it went:
 * - a 2xx from that host to a request started at or after `at`, within the
 *   window: the host was up when it got the hand-off, so the records arrived
 *   and are acknowledged without being sent again;
 * - a failure of any host (no answer, 5xx, timeout) answered after `at`, or
 *   the window ending without an answer: they are released and sent as any
 *   other record (a duplicate only if the hand-off did arrive after all).
 * A host that hangs never answers 2xx, so it never makes a record trusted.
 */
export interface Ledger {
  /** This page enqueued `record`. */
  enqueued(record: OutboxRecord): void;
  /** A host acknowledged these records. */
  acknowledged(ids: readonly string[]): void;
  /** These records left the outbox undelivered (cap, retention, corrupt, rejected, a failed write). */
  dropped(ids: readonly string[]): void;
  /**
   * A `keepalive` request carrying `ids` in a body of `bytes` started. Call the returned function
   * when it ends, with whether it certainly ended: an answer, or an abort of ours. A request that
   * failed without an answer may still be sent by the browser, so its records stay listed for
   * `KEEPALIVE_UNKNOWN_MS`. `host` is where it goes, for the hand-off a hide records.
   */
  keepaliveStarted(ids: readonly string[], bytes: number, host?: string): (certain: boolean) => void;
  /** Body bytes of the `keepalive` requests that may be on their way. */
  keepaliveBytes(): number;
  /**
   * What a beacon should carry now: unacknowledged records, oldest first, minus those in
   * keepalive requests and those held by a hand-off; and those requests' bytes.
   */
  pending(): { records: OutboxRecord[]; keepaliveBytes: number };
  /** Calls `listener` whenever `pending()` may have changed: `added` when records may have joined it and none left it. */
  onChange(listener: (added: boolean) => void): void;
  /**
   * The page is hiding and handed `ids` to the browser for `host` at `at` (now by default): they,
   * and the records of the keepalive requests that may be on their way, are stored as handed off,
   * except those going to a host that is `untrusted`. Synchronous.
   */
  handedOff(ids: readonly string[], host: string, at?: number, untrusted?: (host: string) => boolean): void;
  /** The hand-offs still held, every tab's, oldest first. */
  held(): Handoff[];
  /** Ids of every record still held. */
  heldIds(): Set<string>;
  /**
   * A request to `host` started at `startedAt` was answered: `ok` for a 2xx, false for a host
   * failure. Returns the ids this acknowledges (delivered by a hand-off); a failure releases
   * every hand-off instead.
   */
  answered(host: string, startedAt: number, ok: boolean): string[];
  /** Forget everything (opt-out). */
  clear(): void;
}

/** A keepalive request: in flight while `until` is Infinity, possibly still on its way until `until`. */
interface KeepaliveRequest {
  ids: readonly string[];
  bytes: number;
  host: string;
  until: number;
}

/** A hand-off as stored: `[at, host, ids]`, short since every tab parses it on every batch. */
type StoredHandoff = [number, string, string[]];

const isStored = (x: unknown): x is StoredHandoff =>
  Array.isArray(x) &&
  typeof x[0] === 'number' &&
  typeof x[1] === 'string' &&
  Array.isArray(x[2]) &&
  x[2].every((id) => typeof id === 'string');

/**
 * The ledger for `token`, trusting a hand-off for `trustMs()` after it was
 * made. Without localStorage the hand-offs live in memory: a tab switch still
 * finds them, the next page cannot (it then sends again what was handed off:
 * a duplicate).
 */
export function createLedger(
  token: string,
  trustMs: () => number,
  now: () => number = Date.now,
  storage: () => Storage | null = safeLocalStorage,
): Ledger {
  const records = new Map<string, OutboxRecord>();
  let recordBytes = 0;
  let requests: KeepaliveRequest[] = [];
  const listeners: Array<(added: boolean) => void> = [];
  const changed = (added: boolean): void => listeners.forEach((listener) => listener(added));
  const stored = storedJson(`${STORAGE_PREFIX}handoff_${token}`, storage);
  let memory: StoredHandoff[] = [];

  const forget = (id: string): void => {
    const r = records.get(id);
    if (r) {
      recordBytes -= r.size;
      records.delete(id);
      changed(false);
    }
  };
  /** Forgets the oldest records once there are `slack` times too many, down to the caps. */
  const trim = (slack: number): void => {
    if (records.size <= LEDGER_MAX_RECORDS * slack && recordBytes <= LEDGER_MAX_BYTES * slack) return;
    for (const [id] of records) {
      if (records.size <= LEDGER_MAX_RECORDS && recordBytes <= LEDGER_MAX_BYTES) break;
      forget(id);
    }
  };
  const liveRequests = (): KeepaliveRequest[] => (requests = requests.filter((k) => k.until > now()));
  const keepaliveBytes = (): number => liveRequests().reduce((sum, k) => sum + k.bytes, 0);

  /** The stored hand-offs within their window; a broken value counts as none (its records are then simply sent). */
  const read = (): StoredHandoff[] => {
    let entries = memory;
    if (storage()) {
      const parsed = stored.read();
      entries = Array.isArray(parsed) ? parsed.filter(isStored) : [];
    }
    const t = now();
    return entries.filter(([at]) => at <= t && t - at <= trustMs());
  };
  const write = (entries: StoredHandoff[]): void => {
    let ids = entries.reduce((n, e) => n + e[2].length, 0);
    while (ids > HANDOFF_MAX_IDS) ids -= entries.shift()![2].length;
    memory = entries;
    // storage full: an entry not written is a hand-off not held, sent again (a duplicate, nothing lost)
    stored.write(entries.length ? entries : null);
  };
  const heldIds = (): Set<string> => {
    const out = new Set<string>();
    for (const e of read()) e[2].forEach((id) => out.add(id));
    return out;
  };

  return {
    enqueued(record) {
      records.set(record.id, record);
      recordBytes += record.size;
      changed(true);
      // trimmed in steps of a quarter: dropping the oldest entry of a Map on every call
      // makes each call skip all the entries deleted before it
      trim(1.25);
    },
    acknowledged: (ids) => ids.forEach(forget),
    dropped: (ids) => ids.forEach(forget),
    keepaliveStarted(ids, bytes, host = '') {
      const request: KeepaliveRequest = { ids, bytes, host, until: Infinity };
      requests.push(request);
      changed(false);
      return (certain) => {
        request.until = certain ? 0 : now() + KEEPALIVE_UNKNOWN_MS;
        changed(true); // its records may be pending again; an acknowledgement removes them next
      };
    },
    keepaliveBytes,
    pending() {
      trim(1);
      const kept = heldIds();
      for (const k of liveRequests()) k.ids.forEach((id) => kept.add(id));
      return { records: [...records.values()].filter((r) => !kept.has(r.id)), keepaliveBytes: keepaliveBytes() };
    },
    onChange: (listener) => void listeners.push(listener),
    handedOff(ids, host, at = now(), untrusted = () => false) {
      const entries = read();
      for (const k of [{ ids, host }, ...liveRequests()]) if (k.ids.length && !untrusted(k.host)) entries.push([at, k.host, k.ids.slice()]);
      write(entries);
    },
    held: () => read().map(([at, host, ids]) => ({ at, host, ids })),
    heldIds,
    answered(host, startedAt, ok) {
      const entries = read();
      const trusted: string[] = [];
      const kept = entries.filter(([at, to, ids]) => {
        // A failure of any host answered after a hand-off releases it: an outage may have begun
        // before it (a hand-off to a host that then failed may not have arrived) and end within
        // the window, when a 2xx from its host would otherwise vouch for what it never got.
        if (!ok) return false;
        if (to !== host) return true;
        if (startedAt < at) return true; // started before the hand-off: says nothing of it
        trusted.push(...ids);
        return false;
      });
      if (kept.length !== entries.length) write(kept);
      return trusted;
    },
    clear() {
      records.clear();
      recordBytes = 0;
      write([]);
      changed(false);
    },
  };
}
