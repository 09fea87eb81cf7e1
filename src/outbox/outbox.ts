import type { Config } from '../config';
import type { Reporter } from '../utils/report';
import { chooseStore } from './choose-store';
import { newRecord } from './record';
import { safeLocalStorage } from '../utils/env';
import { createLocalStorageStore, createMemoryStore } from './sorted-store';
import type { Outbox, OutboxRecord, OutboxStore } from './types';

/**
 * What `unacknowledged()` keeps: a beacon carries at most 64 KiB per page,
 * so four budgets' worth (and at most 1,000 records) is all `pagehide` can
 * ever use.
 */
const UNACKED_MAX_RECORDS = 1_000;
const UNACKED_MAX_BYTES = 256 * 1024;

/** Reads one `oldest()` makes to fill a batch past expired or corrupt records: bounds one call after a long outage; the next call carries on. */
const MAX_READS = 20;

export interface OutboxOptions {
  token: string;
  /** Read on every call, so `set_config` changes caps and retention at once. */
  config: () => Config;
  reporter: Reporter;
  now?: () => number;
  /** Chooses the store; replaceable in tests. Defaults to IndexedDB → localStorage → memory. */
  openStore?: () => Promise<OutboxStore>;
}

/**
 * The outbox: `enqueue()` builds a record and buffers it synchronously; at
 * the end of the tick the whole buffer goes to the store in one `putMany`
 * (a microtask, not a timer, so a call made in a `pagehide` handler is
 * written before the page freezes, and timers throttled in background tabs
 * do not delay it). Records stay in the store until `remove()` (a host
 * acknowledged them) or until they are dropped and reported: past the caps,
 * past retention, corrupt, or given up on by the sender.
 *
 * Caps are checked against an estimate of what is stored: the store's count
 * as last read plus what this tab wrote since, minus what it removed. Since
 * other tabs share the store, the count is read again at open, on every
 * `oldest()` and, near a cap, after every write. Only `enqueue()` guards
 * itself; the other methods reject on a store error, for the caller to handle.
 */
export function createOutbox(o: OutboxOptions): Outbox {
  const { config, reporter } = o;
  const now = o.now || Date.now;
  let store: OutboxStore | null = null;
  let buffer: OutboxRecord[] = [];
  let bufferBytes = 0;
  let scheduled = false;
  let written: Promise<unknown> = Promise.resolve();
  const listeners: Array<(r: OutboxRecord) => void> = [];
  const unacked = new Map<string, OutboxRecord>();
  let unackedBytes = 0;
  let count = 0; // the estimate of what is stored, writes in flight included
  let bytes = 0;
  let capDrops = 0;
  let dropped = 0;

  const lost = (n: number, reason: string): void => {
    if (n > 0) {
      dropped += n;
      reporter.report({ code: 'dropped', message: `${n} event(s) dropped: ${reason}`, reason, count: n });
    }
  };
  const forget = (id: string): void => {
    unackedBytes -= (unacked.get(id) || { size: 0 }).size;
    unacked.delete(id);
  };
  /** Whether a record of `size` fits next to `n` records of `b` bytes. */
  const fits = (n: number, b: number, size: number): boolean => n < config().outbox_max_events && b + size <= config().outbox_max_bytes;
  const refresh = (s: OutboxStore) =>
    s.stats().then(
      (st) => void ((count = st.count), (bytes = st.bytes)),
      () => undefined,
    );

  const ready = (o.openStore || (() => chooseStore({ token: o.token, openTimeoutMs: config().storage_open_timeout_ms, reporter })))()
    .catch(() => createMemoryStore())
    .then(async (s) => {
      await refresh(s);
      store = s;
      flush();
      return s;
    });

  /**
   * A page left before its store opened (a quick click through the site:
   * opening IndexedDB takes a few hundred ms on a busy machine) would take
   * the buffer with it. On `pagehide` the buffer goes to localStorage at
   * once, where the next page's outbox reads it (`chooseStore` always reads
   * localStorage). Once the store is open, writes are already under way.
   */
  const rescue = (): void => {
    const ls = !store && buffer.length ? safeLocalStorage() : null;
    if (!ls) return;
    const ids = new Set(buffer.map((r) => r.id));
    createLocalStorageStore(o.token, ls)
      .putMany(buffer)
      .then(() => void (buffer = buffer.filter((r) => !ids.has(r.id) || ((bufferBytes -= r.size), false))), () => undefined);
  };
  if (typeof addEventListener == 'function') addEventListener('pagehide', rescue);

  /** Writes the buffer, keeping what fits the caps (records enqueued before the first count are checked here). */
  function flush(): void {
    scheduled = false;
    const s = store;
    if (!s) return; // `ready` flushes
    let n = 0;
    let b = 0;
    const batch = buffer.filter((r) => (fits(count + n, bytes + b, r.size) ? (n++, (b += r.size)) : (capDrops++, forget(r.id), 0)));
    buffer = [];
    bufferBytes = 0;
    lost(capDrops, 'cap');
    capDrops = 0;
    if (!n) return;
    count += n;
    bytes += b;
    written = Promise.all([
      written,
      s.putMany(batch).then(
        () => {
          if (count >= config().outbox_max_events * 0.9 || bytes >= config().outbox_max_bytes * 0.9) void refresh(s); // other tabs write too
        },
        (e: unknown) => {
          count -= n;
          bytes -= b;
          batch.forEach((r) => forget(r.id));
          lost(n, /full/.test(String(e)) ? 'cap' : 'storage');
        },
      ),
    ]);
  }

  /** Removes `ids` from the buffer, the unacknowledged list and the store(s). */
  async function discard(ids: string[]): Promise<void> {
    const set = new Set(ids);
    let k = ids.length;
    ids.forEach(forget);
    buffer = buffer.filter((r) => !set.has(r.id) || (k--, (bufferBytes -= r.size), false));
    await (await ready).deleteMany(ids);
    const left = Math.max(0, count - k);
    bytes = count && Math.round((bytes * left) / count);
    count = left;
  }

  return {
    enqueue(ep, body) {
      try {
        const r = newRecord(ep, body, now());
        if (!scheduled) {
          scheduled = true;
          void Promise.resolve().then(flush);
        }
        if (!fits(count + buffer.length, bytes + bufferBytes, r.size)) return void capDrops++;
        buffer.push(r);
        bufferBytes += r.size;
        unacked.set(r.id, r);
        unackedBytes += r.size;
        for (const [id] of unacked) {
          if (unacked.size <= UNACKED_MAX_RECORDS && unackedBytes <= UNACKED_MAX_BYTES) break;
          forget(id);
        }
        for (const l of listeners) l(r);
      } catch (e) {
        reporter.debug('enqueue failed', e); // a body JSON cannot represent, a throwing listener
      }
    },

    async settle() {
      await ready;
      flush();
      await written;
    },

    async oldest(limit, skip) {
      const s = await ready;
      void refresh(s);
      const cutoff = now() - config().retention_ms;
      const passed = new Set(skip);
      const out: OutboxRecord[] = [];
      let expired = 0;
      let corrupt = 0;
      for (let i = 0; i < MAX_READS && out.length < limit; i++) {
        const want = limit - out.length;
        const read = await s.oldest(want, passed);
        const gone = read.corrupt;
        corrupt += gone.length;
        for (const r of read.records) {
          if (r.at < cutoff) gone.push(r.id), expired++;
          else out.push(r);
        }
        read.records.forEach((r) => passed.add(r.id));
        gone.forEach((id) => passed.add(id));
        if (gone.length) await discard(gone);
        if (read.records.length < want) break; // nothing more stored
      }
      lost(expired, 'retention');
      lost(corrupt, 'corrupt');
      return out;
    },

    remove: discard,

    async drop(records, reason) {
      await discard(records.map((r) => r.id));
      lost(records.length, reason);
    },

    async stats() {
      const s = await ready;
      const st = await s.stats();
      return { queued: st.count + buffer.length, bytes: st.bytes + bufferBytes, store: s.kind, dropped };
    },

    unacknowledged: () => [...unacked.values()],
    forget: (ids) => ids.forEach(forget),

    onEnqueue(listener) {
      listeners.push(listener);
    },

    async clear() {
      buffer = [];
      bufferBytes = 0;
      unacked.clear();
      unackedBytes = 0;
      const s = await ready;
      await written;
      await s.clear();
      count = bytes = 0;
    },
  };
}
