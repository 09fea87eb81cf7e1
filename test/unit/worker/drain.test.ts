// The service worker's drain (src/worker/drain.ts) over a fake IndexedDB and fake Web Locks: it
// sends the pages' outbox with their sender, never while a page holds or waits for the sender
// lock, retries within its time, and stops at its deadline or when the token is forgotten.
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createIdbStore, idbName } from '../../../src/outbox/idb-store';
import { createOutbox } from '../../../src/outbox/outbox';
import { senderLockName } from '../../../src/delivery/leader';
import { drainOutbox, type WorkerLocks } from '../../../src/worker/drain';
import { testConfig } from '../shared/test-config';
import { recordingReporter } from '../shared/recording-reporter';

const TOKEN = 'tok';
const config = testConfig({ batch_size: 5, retry_backoff_base_ms: 50, retry_backoff_max_ms: 100 });

/** Web Locks of one origin: `holdByPage()` stands for a page's sender, `pageWaits` for a page asking. */
function fakeLocks() {
  const held = new Set<string>();
  const waiting: string[] = [];
  const locks: WorkerLocks & { holdByPage(name: string): () => void; pageWaits(name: string): void; heldByWorker: number } = {
    heldByWorker: 0,
    async request(name, _options, callback) {
      if (held.has(name) || waiting.includes(name)) return callback(null);
      held.add(name);
      locks.heldByWorker++;
      try {
        return await callback({ name });
      } finally {
        held.delete(name);
      }
    },
    query: async () => ({ pending: waiting.map((name) => ({ name })) }),
    holdByPage(name) {
      held.add(name);
      return () => held.delete(name);
    },
    pageWaits: (name) => void waiting.push(name),
  };
  return locks;
}

/** What a page left in the outbox: `n` events, written by the page's own outbox. */
async function pageLeft(n: number): Promise<void> {
  const outbox = createOutbox({
    token: TOKEN,
    config: () => config,
    reporter: recordingReporter(),
    openStore: () => createIdbStore(idbName(TOKEN)),
  });
  for (let i = 0; i < n; i++) outbox.enqueue('track', JSON.stringify({ event: 'e', properties: { $insert_id: 'id' + i } }));
  await outbox.settle();
  outbox.close();
}

async function stored(): Promise<number> {
  const outbox = createOutbox({
    token: TOKEN,
    config: () => config,
    reporter: recordingReporter(),
    openStore: () => createIdbStore(idbName(TOKEN)),
  });
  const { queued } = await outbox.stats();
  outbox.close();
  return queued;
}

let answers: number[];
let sent: string[][];
beforeEach(() => {
  vi.stubGlobal('indexedDB', new IDBFactory());
  answers = [];
  sent = [];
  vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
    const data = JSON.parse(decodeURIComponent(String(init.body).slice(5))) as Array<{ properties: { $insert_id: string } }>;
    sent.push(data.map((e) => e.properties.$insert_id));
    const status = answers.length ? answers.shift()! : 200;
    return new Response(status === 200 ? '{"status":1,"error":null}' : '', { status });
  });
});
afterEach(() => vi.unstubAllGlobals());

const drain = (locks: WorkerLocks | null, ms: number, cancelled?: () => boolean) =>
  drainOutbox({ token: TOKEN, config, reporter: recordingReporter(), deadline: Date.now() + ms, locks, cancelled });

describe('the service worker drains the outbox', () => {
  it('sends what the pages left, each event once, and ends when the outbox is empty', async () => {
    await pageLeft(12);
    const locks = fakeLocks();
    expect(await drain(locks, 10_000)).toBe('empty');
    expect(sent.flat().sort()).toEqual(Array.from({ length: 12 }, (_, i) => 'id' + i).sort());
    expect(await stored()).toBe(0);
  });

  it('retries within its time with the configured backoff while every host fails', async () => {
    await pageLeft(3);
    answers = [503, 503, 503, 503];
    expect(await drain(fakeLocks(), 10_000)).toBe('empty');
    expect(sent.length).toBe(5);
    expect(await stored()).toBe(0);
  });

  it('never sends while a page holds the sender lock, and takes it once the page lets go', async () => {
    await pageLeft(4);
    const locks = fakeLocks();
    const release = locks.holdByPage(senderLockName(TOKEN));
    const done = drain(locks, 10_000);
    await new Promise((r) => setTimeout(r, 800));
    expect(sent).toEqual([]);
    release();
    expect(await done).toBe('empty');
    expect(sent.flat()).toHaveLength(4);
  });

  it('a page holding the lock until the deadline: nothing sent, the records stay for it', async () => {
    await pageLeft(4);
    const locks = fakeLocks();
    locks.holdByPage(senderLockName(TOKEN));
    expect(await drain(locks, 700)).toBe('handed-over');
    expect(sent).toEqual([]);
    expect(await stored()).toBe(4);
  });

  it('stops waiting for a lock a page keeps: that page is alive, sends, and wakes the worker again as it leaves', async () => {
    await pageLeft(1);
    const locks = fakeLocks();
    locks.holdByPage(senderLockName(TOKEN));
    const started = Date.now();
    const outcome = await drainOutbox({
      token: TOKEN,
      config,
      reporter: recordingReporter(),
      deadline: started + 60_000,
      locks,
      lockWaitMs: 500,
    });
    expect(outcome).toBe('handed-over');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('hands the lock back as soon as a page waits for it, after its request in flight has ended', async () => {
    await pageLeft(20);
    answers = Array(100).fill(503);
    const locks = fakeLocks();
    const done = drain(locks, 10_000);
    await vi.waitFor(() => expect(sent.length).toBeGreaterThan(0));
    locks.pageWaits(senderLockName(TOKEN));
    expect(await done).toBe('handed-over');
    const after = sent.length;
    await new Promise((r) => setTimeout(r, 500));
    expect(sent.length).toBe(after);
    expect(await stored()).toBe(20);
  });

  it('times out with records left while ingest keeps failing', async () => {
    await pageLeft(2);
    answers = Array(1000).fill(503);
    expect(await drain(fakeLocks(), 800)).toBe('timed-out');
    expect(await stored()).toBe(2);
  });

  it('does nothing for a forgotten (opted-out) token, nor without Web Locks', async () => {
    await pageLeft(2);
    expect(await drain(fakeLocks(), 5_000, () => true)).toBe('empty');
    expect(await drain(null, 5_000)).toBe('handed-over');
    expect(sent).toEqual([]);
    expect(await stored()).toBe(2);
  });
});
