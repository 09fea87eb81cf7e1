import type { Config, Endpoint } from '../config';
import { RECORD_VERSION } from '../constants';
import type { Reporter } from '../utils/report';
import { chooseStore } from './choose-store';
import { recordKey } from './keys';
import { createMemoryStore } from './memory-store';
import { isStoreFull } from './record';
import type { Outbox, OutboxRecord, OutboxStats, OutboxStore } from './types';

/**
 * What `unacknowledged()` keeps: a beacon carries at most 64 KiB per page,
 * so four budgets' worth (and at most 1,000 records) is all `pagehide` can
 * ever use.
 */
const UNACKED_MAX_RECORDS = 1_000;
const UNACKED_MAX_BYTES = 256 * 1024;

/** Past this share of a cap, the count is re-read from the store after each write (other tabs write too). */
const REFRESH_AT = 0.9;

/**
 * How many times one `oldest()` reads again to fill a batch after dropping
 * expired or corrupt records; bounds one call after a long outage, the next
 * call carries on.
 */
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

const schedule: (fn: () => void) => void =
  typeof queueMicrotask === 'function' ? (fn) => queueMicrotask(fn) : (fn) => void Promise.resolve().then(fn);

/**
 * The outbox: `enqueue()` builds a record and buffers it synchronously; at
 * the end of the tick the whole buffer goes to the store in one `putMany`
 * (a microtask, not a timer, so a call made in a `pagehide` handler is
 * written before the page freezes, and timers throttled in background tabs
 * do not delay it). Records stay in the store until `remove()` (a host
 * acknowledged them) or until they are dropped and reported: past the caps,
 * past retention, corrupt, or given up on by the sender.
 *
 * Caps are checked synchronously against an estimate: the store's count as
 * last read, plus what this tab wrote or buffered since, minus what it
 * removed. The count is read again at open, on every `oldest()` and, near a
 * cap, after every write, since other tabs share the store.
 */
export function createOutbox(o: OutboxOptions): Outbox {
  const now = o.now ?? Date.now;
  const { reporter } = o;
  const openStore =
    o.openStore ??
    (() => chooseStore({ token: o.token, openTimeoutMs: o.config().storage_open_timeout_ms, reporter }));

  let store: OutboxStore | null = null;
  let buffer: OutboxRecord[] = [];
  let scheduled = false;
  const writes = new Set<Promise<void>>();
  const listeners: Array<(r: OutboxRecord) => void> = [];
  const unacked = new Map<string, OutboxRecord>();
  let unackedBytes = 0;
  let dropped = 0;
  let capDrops = 0;
  // the estimate: stored (as far as this tab knows) + not yet written
  let storedCount = 0;
  let storedBytes = 0;
  let unwrittenCount = 0;
  let unwrittenBytes = 0;
  let refreshing = false;

  function reportDropped(count: number, reason: string, message: string): void {
    if (count <= 0) return;
    dropped += count;
    reporter.report({ code: 'dropped', message, reason, count });
  }

  function remember(r: OutboxRecord): void {
    unacked.set(r.id, r);
    unackedBytes += r.size;
    while (unacked.size > UNACKED_MAX_RECORDS || unackedBytes > UNACKED_MAX_BYTES) {
      const first = unacked.keys().next().value;
      if (first === undefined) break;
      forget(first);
    }
  }

  function forget(id: string): void {
    const r = unacked.get(id);
    if (r) {
      unacked.delete(id);
      unackedBytes -= r.size;
    }
  }

  /** Takes `count` records out of the estimate of what is stored. */
  function uncount(count: number): void {
    if (count <= 0) return;
    const left = Math.max(0, storedCount - count);
    storedBytes = storedCount > 0 ? Math.round((storedBytes * left) / storedCount) : 0;
    storedCount = left;
  }

  /** Whether one more record of `size` stays within both caps. */
  function fits(size: number, cfg: Config, count = storedCount + unwrittenCount, bytes = storedBytes + unwrittenBytes): boolean {
    return count + 1 <= cfg.outbox_max_events && bytes + size <= cfg.outbox_max_bytes;
  }

  async function refresh(s: OutboxStore): Promise<void> {
    if (refreshing) return;
    refreshing = true;
    try {
      const st = await s.stats();
      storedCount = st.count;
      storedBytes = st.bytes;
    } catch {
      /* keep the estimate */
    } finally {
      refreshing = false;
    }
  }

  /** The store once chosen, after the first count and a trim of what was enqueued meanwhile. */
  const ready: Promise<OutboxStore> = (async () => {
    let s: OutboxStore;
    try {
      s = await openStore();
    } catch (e) {
      reporter.debug('no store could be opened', e);
      s = createMemoryStore();
    }
    await refresh(s);
    // records enqueued before the count was known: keep them while they fit
    const cfg = o.config();
    let count = storedCount;
    let bytes = storedBytes;
    const kept: OutboxRecord[] = [];
    for (const r of buffer) {
      if (fits(r.size, cfg, count, bytes)) {
        kept.push(r);
        count++;
        bytes += r.size;
      } else {
        forget(r.id);
        unwrittenCount--;
        unwrittenBytes -= r.size;
        capDrops++;
      }
    }
    buffer = kept;
    store = s;
    reporter.debug('outbox store:', s.kind);
    flush();
    return s;
  })();

  function flush(): void {
    scheduled = false;
    if (capDrops) {
      const n = capDrops;
      capDrops = 0;
      reportDropped(n, 'cap', `the outbox is full: ${n} new event(s) dropped`);
    }
    const s = store;
    if (!s || !buffer.length) return; // before the store is chosen, `ready` flushes
    const batch = buffer;
    buffer = [];
    const n = batch.length;
    let b = 0;
    for (const r of batch) b += r.size;
    const write = s.putMany(batch).then(
      () => {
        unwrittenCount -= n;
        unwrittenBytes -= b;
        storedCount += n;
        storedBytes += b;
        const cfg = o.config();
        if (storedCount >= cfg.outbox_max_events * REFRESH_AT || storedBytes >= cfg.outbox_max_bytes * REFRESH_AT) {
          void refresh(s);
        }
      },
      (e: unknown) => {
        unwrittenCount -= n;
        unwrittenBytes -= b;
        for (const r of batch) forget(r.id);
        const full = isStoreFull(e);
        reportDropped(
          n,
          full ? 'cap' : 'storage',
          full ? `every store is full: ${n} event(s) dropped` : `no store could write ${n} event(s)`,
        );
      },
    );
    writes.add(write);
    void write.then(() => writes.delete(write));
  }

  /** Removes `ids` from the buffer, the unacknowledged map and the store(s). */
  async function discard(ids: string[]): Promise<void> {
    if (!ids.length) return;
    const set = new Set(ids);
    for (const id of ids) forget(id);
    if (buffer.length) {
      const kept = buffer.filter((r) => !set.has(r.id));
      for (const r of buffer) {
        if (set.has(r.id)) {
          unwrittenCount--;
          unwrittenBytes -= r.size;
          set.delete(r.id);
        }
      }
      buffer = kept;
    }
    if (!set.size) return;
    const s = await ready;
    await s.deleteMany([...set]);
    uncount(set.size);
  }

  return {
    enqueue(ep: Endpoint, body: Record<string, unknown>): void {
      try {
        const cfg = o.config();
        const at = now();
        const size = JSON.stringify(body).length;
        if (!fits(size, cfg)) {
          capDrops++;
        } else {
          const record: OutboxRecord = { v: RECORD_VERSION, id: recordKey(at), at, ep, body, size };
          buffer.push(record);
          unwrittenCount++;
          unwrittenBytes += size;
          remember(record);
          for (const l of listeners) {
            try {
              l(record);
            } catch (e) {
              reporter.debug('enqueue listener threw', e);
            }
          }
        }
        if (!scheduled) {
          scheduled = true;
          schedule(flush);
        }
      } catch (e) {
        reporter.debug('enqueue failed', e); // e.g. a body JSON cannot represent
      }
    },

    async settle() {
      try {
        await ready;
        flush();
        await Promise.all([...writes]);
      } catch (e) {
        reporter.debug('settle failed', e);
      }
    },

    async oldest(limit, skip) {
      const out: OutboxRecord[] = [];
      try {
        const s = await ready;
        void refresh(s);
        const cfg = o.config();
        const cutoff = now() - cfg.retention_ms;
        const passed = new Set(skip);
        let expiredCount = 0;
        let corruptCount = 0;
        for (let read = 0; read < MAX_READS && out.length < limit; read++) {
          const want = limit - out.length;
          const { records, corrupt } = await s.oldest(want, passed);
          const expired: string[] = [];
          for (const r of records) {
            passed.add(r.id);
            if (r.at < cutoff) expired.push(r.id);
            else out.push(r);
          }
          for (const id of corrupt) passed.add(id);
          if (expired.length || corrupt.length) {
            expiredCount += expired.length;
            corruptCount += corrupt.length;
            await discard(expired.concat(corrupt));
          }
          if (records.length < want) break; // nothing more stored
        }
        reportDropped(expiredCount, 'retention', `${expiredCount} event(s) older than retention_ms dropped`);
        reportDropped(corruptCount, 'corrupt', `${corruptCount} unreadable record(s) dropped`);
      } catch (e) {
        reporter.debug('reading the outbox failed', e);
      }
      return out;
    },

    async remove(ids) {
      try {
        await discard(ids);
      } catch (e) {
        reporter.debug('remove failed', e);
      }
    },

    async drop(records, reason) {
      try {
        await discard(records.map((r) => r.id));
        reportDropped(records.length, reason, `${records.length} event(s) dropped (${reason})`);
      } catch (e) {
        reporter.debug('drop failed', e);
      }
    },

    async stats(): Promise<OutboxStats> {
      try {
        const s = await ready;
        const st = await s.stats();
        storedCount = st.count;
        storedBytes = st.bytes;
        return { queued: st.count + unwrittenCount, bytes: st.bytes + unwrittenBytes, store: s.kind, dropped };
      } catch {
        return { queued: storedCount + unwrittenCount, bytes: storedBytes + unwrittenBytes, store: store ? store.kind : 'memory', dropped };
      }
    },

    unacknowledged() {
      return [...unacked.values()];
    },

    onEnqueue(listener) {
      if (typeof listener === 'function') listeners.push(listener);
    },

    async clear() {
      try {
        for (const r of buffer) {
          unwrittenCount--;
          unwrittenBytes -= r.size;
        }
        buffer = [];
        unacked.clear();
        unackedBytes = 0;
        const s = await ready;
        await Promise.all([...writes]);
        await s.clear();
        storedCount = 0;
        storedBytes = 0;
      } catch (e) {
        reporter.debug('clear failed', e);
      }
    },
  };
}
