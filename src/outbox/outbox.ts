import type { Config } from '../config';
import type { Reporter } from '../utils/report';
import { OUTBOX_FIRST_WRITE as FIRST_WRITE, OUTBOX_WRITE_CHUNK as WRITE_CHUNK } from '../constants';
import { chooseStore } from './choose-store';
import { nextTask } from './next-task';
import { newRecord } from './record';
import { safeLocalStorage } from '../utils/env';
import { createLocalStorageStore, createMemoryStore } from './sorted-store';
import type { Outbox, OutboxRecord, OutboxStore } from './types';

/**
 * What `unacknowledged()` keeps (a quarter more until it is called): a
 * beacon carries at most 64 KiB per page, so four budgets' worth (and at most
 * 1,000 records) is all `pagehide` can ever use.
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
 * the end of the tick the buffer's head goes to the store in one `putMany` (a
 * microtask, not a timer, so timers throttled in background tabs do not delay
 * it). A burst is written `FIRST_WRITE` records in its own task, then
 * `WRITE_CHUNK` at a time, one write per task, so it never makes one long
 * task. From `pagehide` on (no more tasks may come) everything buffered, and
 * every call made in a `pagehide` handler, goes in one write at once.
 * Records stay in the store until `remove()` (a host acknowledged them) or
 * until they are dropped and reported: past the caps, past retention,
 * corrupt, or given up on by the sender.
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
  let leaving = false;
  let pump: Promise<void> = Promise.resolve(); // the next scheduled write of the buffer's head
  let written: Promise<unknown> = Promise.resolve();
  /** Batches handed to the store whose write has not completed, and those of them copied to localStorage on `pagehide`. */
  const writing = new Set<OutboxRecord[]>();
  const rescued = new WeakSet<OutboxRecord[]>();
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
  /** Forgets the oldest unacknowledged records once there are `slack` times too many, down to the caps. */
  const trimUnacked = (slack: number): void => {
    if (unacked.size > UNACKED_MAX_RECORDS * slack || unackedBytes > UNACKED_MAX_BYTES * slack)
      for (const [id] of unacked) {
        if (unacked.size <= UNACKED_MAX_RECORDS && unackedBytes <= UNACKED_MAX_BYTES) break;
        forget(id);
      }
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
      schedule();
      return s;
    });

  /**
   * A page that leaves takes with it what is not yet stored: the buffer, when
   * it left before its store opened (a quick click through the site: opening
   * IndexedDB takes a few hundred ms on a busy machine), and, in WebKit, the
   * IndexedDB writes still running, which it aborts with the page (Chromium
   * and Firefox finish them). On `pagehide` a backlog is written at once (no
   * more tasks will come), and all of that goes to localStorage too,
   * synchronously, where the next page's outbox reads it (`chooseStore`
   * always reads localStorage and sends a record found in both stores once).
   */
  const rescue = (e: Event): void => {
    // no new write when the page enters the back/forward cache: WebKit would suspend it (see idb-store)
    if (!(e as PageTransitionEvent).persisted) ((leaving = true), flush());
    const unsure = buffer.concat(...writing);
    const ls = unsure.length ? safeLocalStorage() : null;
    if (!ls) return;
    const ids = new Set(buffer.map((r) => r.id));
    const copied = [...writing];
    createLocalStorageStore(o.token, ls)
      .putMany(unsure)
      .then(
        () => {
          buffer = buffer.filter((r) => !ids.has(r.id) || ((bufferBytes -= r.size), false));
          copied.forEach((b) => rescued.add(b));
        },
        () => undefined,
      );
  };
  if (typeof addEventListener == 'function') addEventListener('pagehide', rescue);

  /** Has the buffer's head written at the end of this tick, or with `later` in a following task. */
  function schedule(later?: boolean): void {
    if (!scheduled)
      ((scheduled = true),
        (pump = Promise.resolve(later && new Promise<void>(nextTask)).then(() => flush(later ? WRITE_CHUNK : FIRST_WRITE))));
  }

  /**
   * Writes the buffer's first `max` records (all of it once the page is
   * leaving), keeping what fits the caps (records enqueued before the first
   * count are checked here); the rest is scheduled for the next task.
   */
  function flush(max = FIRST_WRITE): void {
    scheduled = false;
    const s = store;
    if (!s) return; // `ready` flushes
    let n = 0;
    let b = 0;
    const batch = buffer
      .splice(0, leaving ? buffer.length : max)
      .filter((r) => ((bufferBytes -= r.size), fits(count + n, bytes + b, r.size) ? (n++, (b += r.size)) : (capDrops++, forget(r.id), 0)));
    if (buffer.length) schedule(true);
    lost(capDrops, 'cap');
    capDrops = 0;
    if (!n) return;
    count += n;
    bytes += b;
    writing.add(batch);
    written = Promise.all([
      written,
      s.putMany(batch).then(
        () => {
          writing.delete(batch);
          if (count >= config().outbox_max_events * 0.9 || bytes >= config().outbox_max_bytes * 0.9) void refresh(s); // other tabs write too
        },
        (e: unknown) => {
          writing.delete(batch);
          count -= n;
          bytes -= b;
          if (rescued.has(batch)) return; // aborted as the page went into the back/forward cache: it is in localStorage
          batch.forEach((r) => forget(r.id));
          lost(n, /full/.test(String(e)) ? 'cap' : 'storage');
        },
      ),
    ]);
  }

  /**
   * The store, once the buffer is written to it: every record buffered now,
   * and any enqueued meanwhile (only a page enqueuing more than a chunk in
   * every task would keep it waiting).
   */
  async function caughtUp(): Promise<OutboxStore> {
    const s = await ready;
    while (buffer.length) (schedule(true), await pump);
    await written;
    return s;
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
    enqueue(ep, json) {
      try {
        const r = newRecord(ep, json, now());
        schedule();
        if (!fits(count + buffer.length, bytes + bufferBytes, r.size)) return void capDrops++;
        buffer.push(r);
        bufferBytes += r.size;
        unacked.set(r.id, r);
        unackedBytes += r.size;
        // trimmed in steps of a quarter: dropping the oldest entry of a Map on every call
        // makes each call skip all the entries deleted before it
        trimUnacked(1.25);
        for (const l of listeners) l(r);
      } catch (e) {
        reporter.debug('enqueue failed', e); // a throwing listener
      }
    },

    async settle() {
      await caughtUp();
    },

    async oldest(limit, skip) {
      const s = await caughtUp();
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
          if (r.at < cutoff) (gone.push(r.id), expired++);
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
      const s = await caughtUp(); // a chunk written while the store counts would be in neither figure
      const st = await s.stats();
      return { queued: st.count + buffer.length, bytes: st.bytes + bufferBytes, store: s.kind, dropped };
    },

    unacknowledged: () => (trimUnacked(1), [...unacked.values()]),
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
