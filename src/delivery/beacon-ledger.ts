import { KEEPALIVE_UNKNOWN_MS } from '../constants';
import type { OutboxRecord } from '../outbox/types';

/**
 * What the ledger keeps of this page's records (a quarter more between
 * reads): a beacon carries at most 64 KiB per page, so four budgets' worth,
 * and at most 1,000 records, is all a hide can ever use.
 */
const LEDGER_MAX_RECORDS = 1_000;
const LEDGER_MAX_BYTES = 256 * 1024;

/**
 * What the unload beacon needs to know, kept apart from the outbox and the
 * sender: the records this page enqueued that no host has acknowledged yet,
 * and the `keepalive` requests that may still be on their way (they outlive
 * a navigation, so the beacon leaves their records out and counts their
 * bytes against the browser's budget). It is fed by events: enqueue,
 * acknowledgement (by this tab's sender or another tab's), drop, and the
 * sender's keepalive requests starting and ending.
 */
export interface BeaconLedger {
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
  /** The `keepalive` requests that may be on their way, with their records and host. */
  keepaliveRequests(): Array<{ ids: readonly string[]; host: string }>;
  /** Body bytes of the `keepalive` requests that may be on their way. */
  keepaliveBytes(): number;
  /** What a beacon should carry now: unacknowledged records, oldest first, minus those in keepalive requests, and those requests' bytes. */
  pending(): { records: OutboxRecord[]; keepaliveBytes: number };
  /** Forget everything (opt-out). */
  clear(): void;
  /** Calls `listener` whenever `pending()` may have changed: `added` when records may have joined it and none left it. */
  onChange(listener: (added: boolean) => void): void;
}

/** A keepalive request: in flight while `until` is Infinity, possibly still on its way until `until`. */
interface KeepaliveRequest {
  ids: readonly string[];
  bytes: number;
  host: string;
  until: number;
}

export function createBeaconLedger(now: () => number = Date.now): BeaconLedger {
  const records = new Map<string, OutboxRecord>();
  let recordBytes = 0;
  let requests: KeepaliveRequest[] = [];
  const listeners: Array<(added: boolean) => void> = [];
  const changed = (added: boolean): void => listeners.forEach((listener) => listener(added));

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
    keepaliveRequests: () => liveRequests().map(({ ids, host }) => ({ ids, host })),
    pending() {
      trim(1);
      const kept = new Set<string>();
      for (const k of liveRequests()) k.ids.forEach((id) => kept.add(id));
      return { records: [...records.values()].filter((r) => !kept.has(r.id)), keepaliveBytes: keepaliveBytes() };
    },
    clear() {
      records.clear();
      recordBytes = 0;
      changed(false);
    },
    onChange: (listener) => void listeners.push(listener),
  };
}
