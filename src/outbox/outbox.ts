import type { Config } from '../config';
import { OUTBOX_FIRST_WRITE as FIRST_WRITE, OUTBOX_RECOUNT_MS, OUTBOX_WRITE_CHUNK as WRITE_CHUNK } from '../constants';
import { guard, safeLocalStorage } from '../utils/env';
import type { Reporter } from '../utils/report';
import { openFallbackStore } from './fallback-store';
import { abortLiveTransactions } from './idb-store';
import { nextTask } from './next-task';
import { newRecord } from './record';
import { createLocalStorageStore, createMemoryStore } from './sorted-store';
import type { Outbox, OutboxRecord, OutboxStore } from './types';

/** Reads one `oldest()` makes to fill a batch past expired or corrupt records: bounds one call after a long outage; the next call carries on. */
const MAX_READS = 20;

export interface OutboxOptions {
  token: string;
  /** Read on every call, so `set_config` changes caps and retention at once. */
  config: () => Config;
  reporter: Reporter;
  now?: () => number;
  /** Opens the store; replaceable in tests. Defaults to IndexedDB, falling back to localStorage, then memory. */
  openStore?: () => Promise<OutboxStore>;
}

/**
 * The outbox: `enqueue()` builds a record and buffers it synchronously; at
 * the end of the tick the buffer's head goes to the store in one `putMany` (a
 * microtask, not a timer, so timers throttled in background tabs do not delay
 * it). A burst is written `FIRST_WRITE` records in its own task, then
 * `WRITE_CHUNK` at a time, one write per task, so it never makes one long
 * task. Once `secureForUnload()` has run (no more tasks may come) everything
 * buffered, and every call made in a `pagehide` handler, goes in one write at once.
 * Records stay in the store until `remove()` (a host acknowledged them) or
 * until they are dropped and reported: past the caps, past retention,
 * corrupt, or given up on by the sender.
 *
 * Caps are checked against an estimate of what is stored: the store's count
 * as last read plus what this tab wrote since, minus what it removed. Since
 * other tabs share the store, the count is read again at open, and then by
 * `oldest()` and, near a cap, after a write, at most once per
 * `OUTBOX_RECOUNT_MS`: never once per batch. Only `enqueue()` guards
 * itself; the other methods reject on a store error, for the caller to handle.
 */
export function createOutbox(o: OutboxOptions): Outbox {
  const { config, reporter } = o;
  const now = o.now || Date.now;
  /** The store once open; `ready` resolves to it. */
  let store: OutboxStore | null = null;
  let buffer: OutboxRecord[] = [];
  let bufferBytes = 0;
  let scheduled = false;
  let leaving = false;
  let pump: Promise<void> = Promise.resolve(); // the next scheduled write of the buffer's head
  let written: Promise<unknown> = Promise.resolve();
  /** Batches handed to the store whose write has not completed, and those of them copied to localStorage by `secureForUnload`. */
  const writing = new Set<OutboxRecord[]>();
  const rescued = new WeakSet<OutboxRecord[]>();
  const enqueueListeners: Array<(r: OutboxRecord) => void> = [];
  const dropListeners: Array<(ids: string[]) => void> = [];
  const newerListeners: Array<() => void> = [];
  let count = 0; // the estimate of what is stored, writes in flight included
  let bytes = 0;
  let capDrops = 0;
  let dropped = 0;

  /** Tells the listeners that `ids` left the outbox undelivered. */
  const notifyDropped = (ids: string[]): void => {
    if (ids.length)
      for (const l of dropListeners)
        try {
          l(ids);
        } catch (e) {
          reporter.debug('drop listener failed', e);
        }
  };
  const lost = (n: number, reason: string): void => {
    if (n > 0) {
      dropped += n;
      reporter.report({ code: 'dropped', message: `${n} event(s) dropped: ${reason}`, reason, count: n });
    }
  };
  /** Whether a record of `size` fits next to `n` records of `b` bytes. */
  const fits = (n: number, b: number, size: number): boolean => n < config().outbox_max_events && b + size <= config().outbox_max_bytes;
  let countedAt = -Infinity;
  /** Reads the store's count and bytes into the estimate. */
  const refresh = (s: OutboxStore): Promise<void> => {
    countedAt = now();
    return s.stats().then(
      (st) => {
        count = st.count;
        bytes = st.bytes;
      },
      () => undefined,
    );
  };
  /** `refresh`, at most once per `OUTBOX_RECOUNT_MS`: IndexedDB's count() walks the store and holds up other transactions. */
  const refreshSometimes = (s: OutboxStore): void => {
    if (now() - countedAt >= OUTBOX_RECOUNT_MS || now() < countedAt) void refresh(s);
  };

  const open = o.openStore || (() => openFallbackStore({ token: o.token, openTimeoutMs: config().storage_open_timeout_ms, reporter }));
  const ready = open()
    .catch(() => createMemoryStore())
    .then(async (s) => {
      await refresh(s);
      store = s;
      schedule();
      return s;
    });

  /** Has the buffer's head written at the end of this tick, or with `later` in a following task. */
  function schedule(later?: boolean): void {
    if (scheduled) return;
    scheduled = true;
    const turn = later ? new Promise<void>(nextTask) : undefined;
    pump = Promise.resolve(turn).then(() => flush(later ? WRITE_CHUNK : FIRST_WRITE));
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
    const overCap: string[] = [];
    const batch = buffer.splice(0, leaving ? buffer.length : max).filter((r) => {
      bufferBytes -= r.size;
      if (!fits(count + n, bytes + b, r.size)) {
        overCap.push(r.id);
        return false;
      }
      n++;
      b += r.size;
      return true;
    });
    if (buffer.length) schedule(true);
    capDrops += overCap.length;
    notifyDropped(overCap);
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
          if (count >= config().outbox_max_events * 0.9 || bytes >= config().outbox_max_bytes * 0.9) refreshSometimes(s); // other tabs write too
        },
        (e: unknown) => {
          writing.delete(batch);
          count -= n;
          bytes -= b;
          if (rescued.has(batch)) return; // aborted as the page went into the back/forward cache: it is in localStorage
          notifyDropped(batch.map((r) => r.id));
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
    while (buffer.length) {
      schedule(true);
      await pump;
    }
    await written;
    return s;
  }

  /** Removes `ids` from the buffer and the store. */
  async function discard(ids: string[]): Promise<void> {
    const set = new Set(ids);
    let left = ids.length; // of `ids`, those not taken from the buffer: they were counted as stored
    buffer = buffer.filter((r) => {
      if (!set.has(r.id)) return true;
      left--;
      bufferBytes -= r.size;
      return false;
    });
    await (await ready).deleteMany(ids);
    const remaining = Math.max(0, count - left);
    bytes = count && Math.round((bytes * remaining) / count);
    count = remaining;
  }

  /** Drops `ids` (unreadable or expired) and tells the listeners. */
  async function discardUnsendable(ids: string[]): Promise<void> {
    notifyDropped(ids);
    await discard(ids);
  }

  return {
    enqueue(ep, json) {
      try {
        const r = newRecord(ep, json, now());
        schedule();
        if (!fits(count + buffer.length, bytes + bufferBytes, r.size)) {
          capDrops++;
          return;
        }
        buffer.push(r);
        bufferBytes += r.size;
        for (const l of enqueueListeners) l(r);
      } catch (e) {
        reporter.debug('enqueue failed', e); // a throwing listener
      }
    },

    async settle() {
      await caughtUp();
    },

    async oldest(limit, skip) {
      const s = await caughtUp();
      refreshSometimes(s);
      // Age by the device clock is the age Mixpanel judges: the sender adds the hosts' clock
      // offset to each event time as it sends (`server-clock.ts`), the same offset that turns the
      // device's now into the hosts', so the offset cancels out of the age whatever it is (to
      // within `CLOCK_SKEW_CORRECTION_MS`, below which times go out as they are).
      const cutoff = now() - config().retention_ms;
      const passed = new Set(skip);
      const out: OutboxRecord[] = [];
      let expired = 0;
      let corrupt = 0;
      for (let i = 0; i < MAX_READS && out.length < limit; i++) {
        const want = limit - out.length;
        const read = await s.oldest(want, passed);
        if (read.newer) newerListeners.forEach((l) => guard(l, undefined));
        const gone = read.corrupt;
        corrupt += gone.length;
        for (const r of read.records) {
          if (r.at < cutoff) {
            gone.push(r.id);
            expired++;
          } else out.push(r);
        }
        read.records.forEach((r) => passed.add(r.id));
        gone.forEach((id) => passed.add(id));
        if (gone.length) await discardUnsendable(gone);
        if (read.records.length < want) break; // nothing more stored
      }
      lost(expired, 'retention');
      lost(corrupt, 'corrupt');
      return out;
    },

    remove: discard,

    async drop(records, reason) {
      await discardUnsendable(records.map((r) => r.id));
      lost(records.length, reason);
    },

    async stats() {
      const s = await caughtUp(); // a chunk written while the store counts would be in neither figure
      const st = await s.stats();
      return { queued: st.count + buffer.length, bytes: st.bytes + bufferBytes, store: s.kind, dropped };
    },

    onEnqueue(listener) {
      enqueueListeners.push(listener);
    },

    onDrop(listener) {
      dropListeners.push(listener);
    },

    onNewerVersion(listener) {
      newerListeners.push(listener);
    },

    /**
     * A page that leaves takes with it what is not yet stored: the buffer,
     * when it left before its store opened (a quick click through the site,
     * on a machine busy enough to make IndexedDB slow to open), and, in
     * WebKit, the IndexedDB writes still running, which it aborts with the
     * page (Chromium and Firefox finish them). So a backlog is written at
     * once (no more tasks will come), and all of that goes to localStorage
     * too, synchronously, where the next page's outbox reads it (the fallback
     * store always reads localStorage and sends a record found in both stores
     * once).
     */
    secureForUnload(intoCache) {
      // no new write when the page enters the back/forward cache: WebKit would suspend it (see idb-store)
      if (!intoCache) {
        leaving = true;
        flush();
      }
      const unsure = buffer.concat(...writing);
      const ls = unsure.length ? safeLocalStorage() : null;
      if (!ls) return;
      const ids = new Set(buffer.map((r) => r.id));
      const copied = [...writing];
      createLocalStorageStore(o.token, ls, false)
        .putMany(unsure)
        .then(
          () => {
            buffer = buffer.filter((r) => {
              if (!ids.has(r.id)) return true;
              bufferBytes -= r.size;
              return false;
            });
            copied.forEach((b) => rescued.add(b));
          },
          () => undefined,
        );
    },

    abortStoreWork: abortLiveTransactions,

    async clear() {
      buffer = [];
      bufferBytes = 0;
      const s = await ready;
      await written;
      await s.clear();
      count = 0;
      bytes = 0;
    },

    close() {
      void ready.then((s) => s.close && s.close());
    },
  };
}
