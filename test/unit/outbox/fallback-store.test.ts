import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RECORD_VERSION } from '../../../src/constants';
import { openFallbackStore } from '../../../src/outbox/fallback-store';
import { createIdbStore } from '../../../src/outbox/idb-store';
import { createKeySource } from '../../../src/outbox/record';
import { createLocalStorageStore } from '../../../src/outbox/sorted-store';
import type { OutboxRecord, OutboxStore } from '../../../src/outbox/types';
import { freshToken, MemoryStorage, recordingReporter } from './helpers';

const key = createKeySource();
function records(n: number): OutboxRecord[] {
  const at = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    v: RECORD_VERSION,
    id: key(at),
    at,
    ep: 'track' as const,
    json: `{"event":"e${i}"}`,
    size: `{"event":"e${i}"}`.length,
  }));
}

afterEach(() => {
  vi.unstubAllGlobals();
});

async function waitUntil(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(ok()).toBe(true);
}

describe('openFallbackStore', () => {
  it('uses IndexedDB when it opens, without reporting anything', async () => {
    vi.stubGlobal('localStorage', new MemoryStorage());
    const reporter = recordingReporter();
    const s = await openFallbackStore({ token: freshToken(), openTimeoutMs: 500, reporter });
    expect(s.kind).toBe('indexeddb');
    expect(reporter.reports).toEqual([]);
  });

  it('falls back to localStorage when IndexedDB is missing, then to memory when localStorage is too, reporting each switch once', async () => {
    vi.stubGlobal('indexedDB', undefined);
    vi.stubGlobal('localStorage', new MemoryStorage());
    const reporter = recordingReporter();
    const s = await openFallbackStore({ token: freshToken(), openTimeoutMs: 500, reporter });
    expect(s.kind).toBe('localstorage');
    expect(reporter.reports.map((r) => [r.code, r.message])).toEqual([
      ['storage', expect.stringMatching(/IndexedDB cannot be used.*localStorage/)],
    ]);
    const rs = records(3);
    await s.putMany(rs);
    expect((await s.oldest(10)).records).toEqual(rs);

    vi.stubGlobal('localStorage', undefined);
    const reporter2 = recordingReporter();
    const m = await openFallbackStore({ token: freshToken(), openTimeoutMs: 500, reporter: reporter2 });
    expect(m.kind).toBe('memory');
    expect(reporter2.reports.map((r) => r.message)).toEqual([
      expect.stringMatching(/IndexedDB cannot be used.*localStorage cannot be used.*memory/),
    ]);
    await m.putMany(rs);
    expect((await m.oldest(10)).records).toEqual(rs);
  });

  it('falls back after storage_open_timeout_ms when the IndexedDB open never completes', async () => {
    vi.stubGlobal('indexedDB', { open: () => ({}) });
    vi.stubGlobal('localStorage', new MemoryStorage());
    const reporter = recordingReporter();
    const started = Date.now();
    const s = await openFallbackStore({ token: freshToken(), openTimeoutMs: 60, reporter });
    expect(s.kind).toBe('localstorage');
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(reporter.reports[0]!.message).toMatch(/did not open within 60 ms/);
  });

  it('reads and writes IndexedDB again when it opens after the timeout, so what other tabs stored there is sent too', async () => {
    vi.stubGlobal('localStorage', new MemoryStorage());
    const token = freshToken();
    // another tab (or an earlier page) stored these in IndexedDB
    const theirs = records(2);
    await (await createIdbStore(`outlast-${token}`)).putMany(theirs);
    let open!: () => void;
    const opened = new Promise<void>((r) => (open = r));
    const reporter = recordingReporter();
    const s = await openFallbackStore({
      token,
      openTimeoutMs: 30,
      reporter,
      openIndexedDb: async (name) => {
        await opened;
        return createIdbStore(name);
      },
    });
    expect(s.kind).toBe('localstorage');
    expect(reporter.reports[0]!.message).toMatch(/did not open within 30 ms.*localStorage/);
    const mine = records(1);
    await s.putMany(mine);
    expect((await s.oldest(10)).records).toEqual(mine); // IndexedDB is not readable yet

    open();
    await waitUntil(() => s.kind === 'indexeddb');
    expect((await s.oldest(10)).records).toEqual([...theirs, ...mine]);
    const later = records(1);
    await s.putMany(later);
    const idb = await createIdbStore(`outlast-${token}`);
    expect((await idb.oldest(10)).records).toEqual([...theirs, ...later]);
    await s.deleteMany([...theirs, ...mine, ...later].map((r) => r.id));
    expect(await s.stats()).toMatchObject({ count: 0 });
    expect(reporter.reports).toHaveLength(1); // the recovery is a debug line, not an error
  });

  it('moves writes to the next store when IndexedDB starts failing, losing nothing already stored', async () => {
    vi.stubGlobal('localStorage', new MemoryStorage());
    const reporter = recordingReporter();
    let failing = false;
    let idb: OutboxStore | undefined;
    const s = await openFallbackStore({
      token: freshToken(),
      openTimeoutMs: 500,
      reporter,
      openIndexedDb: async (name) => {
        const real = await createIdbStore(name);
        idb = real;
        return {
          ...real,
          kind: real.kind,
          putMany: (rs) => {
            if (!failing) return real.putMany(rs);
            const e = new Error('disk full');
            e.name = 'QuotaExceededError';
            return Promise.reject(e);
          },
        };
      },
    });
    const before = records(3);
    await s.putMany(before);
    failing = true;
    const after = records(4);
    // two batches failing at once still make a single switch
    await Promise.all([s.putMany(after.slice(0, 2)), s.putMany(after.slice(2))]);
    expect(s.kind).toBe('localstorage');
    expect(reporter.reports).toHaveLength(1);
    expect(reporter.reports[0]).toMatchObject({ code: 'storage', message: expect.stringMatching(/QuotaExceededError.*localStorage/) });
    // oldest() merges both stores by key
    expect((await s.oldest(100)).records).toEqual([...before, ...after]);
    expect((await s.oldest(2, new Set([before[0]!.id]))).records).toEqual(before.slice(1, 3));
    expect((await idb!.stats()).count).toBe(3);
    expect(await s.stats()).toMatchObject({ count: 7 });
    // an acknowledgement deletes wherever the record lives
    await s.deleteMany([before[1]!.id, after[1]!.id]);
    expect((await s.oldest(100)).records.map((r) => r.id)).toEqual([before[0], before[2], after[0], after[2], after[3]].map((r) => r!.id));
  });

  it('still sends what an earlier page left in localStorage once IndexedDB works again', async () => {
    const ls = new MemoryStorage();
    vi.stubGlobal('localStorage', ls);
    const token = freshToken();
    const left = records(2);
    await createLocalStorageStore(token, ls).putMany(left);
    const s = await openFallbackStore({ token, openTimeoutMs: 500, reporter: recordingReporter() });
    expect(s.kind).toBe('indexeddb');
    const fresh = records(1);
    await s.putMany(fresh);
    expect((await s.oldest(10)).records).toEqual([...left, ...fresh]);
    await s.deleteMany(left.map((r) => r.id));
    expect(ls.length).toBe(0);
  });

  it('throws from putMany only when the last store is full, without reporting a fallback', async () => {
    vi.stubGlobal('indexedDB', undefined);
    vi.stubGlobal('localStorage', undefined);
    const reporter = recordingReporter();
    const s = await openFallbackStore({ token: freshToken(), openTimeoutMs: 500, reporter });
    await s.putMany(records(10_000));
    await expect(s.putMany(records(1))).rejects.toThrow(/full/);
    expect(reporter.reports).toHaveLength(1); // the fallback at open, nothing more
  });
});
