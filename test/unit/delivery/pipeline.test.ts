import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPipeline } from '../../../src/delivery/pipeline';
import type { Config } from '../../../src/config';
import type { Pipeline } from '../../../src/delivery/types';
import { RECORD_VERSION, STORAGE_PREFIX } from '../../../src/constants';
import { MemoryStorage } from '../outbox/helpers';
import { countListeners, decodeBody, testConfig, testReporter } from './fakes';

describe('pipeline in a page (no Web Locks, no storage: the tab sends itself)', () => {
  let pipeline: Pipeline | null = null;
  afterEach(() => {
    pipeline?.close();
    pipeline = null;
    vi.unstubAllGlobals();
  });

  function page(status = 200, over: Partial<Config> = {}) {
    const win = new EventTarget();
    const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    const nav = { onLine: true, sendBeacon: vi.fn(() => true) };
    const sent: Array<Array<Record<string, unknown>>> = [];
    vi.stubGlobal('window', win);
    vi.stubGlobal('document', doc);
    vi.stubGlobal('navigator', nav);
    // a browser whose fetch has no keepalive: the unload beacon falls back to sendBeacon, which these tests count
    vi.stubGlobal('Request', class {});
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
      sent.push(decodeBody(String(init.body)));
      return new Response(status === 200 ? '{"status":1,"error":null}' : '', { status });
    });
    const cfg = testConfig({ batch_flush_interval_ms: 60_000, ...over });
    const reporter = testReporter();
    pipeline = createPipeline({ token: 'tok', config: () => cfg, reporter });
    return { win, doc, nav, sent, reporter, p: pipeline };
  }

  it('sends what is enqueued on flush and reports it in state()', async () => {
    const { p, sent } = page();
    for (let i = 0; i < 3; i++) p.enqueue('track', JSON.stringify({ event: 'e', properties: { i } }));
    await p.settle();
    await p.flush();
    expect(sent.flat()).toHaveLength(3);
    const s = await p.state();
    expect(s).toMatchObject({ queued: 0, delivered: 3, is_sender: true, in_flight: 0, next_attempt_at: null });
  });

  it('makes no request while offline and flushes on the online event', async () => {
    const { p, sent, nav, win } = page();
    nav.onLine = false;
    p.enqueue('track', JSON.stringify({ event: 'e' }));
    await p.settle();
    await p.flush();
    expect(sent).toHaveLength(0);
    expect((await p.state()).offline).toBe(true);
    nav.onLine = true;
    win.dispatchEvent(new Event('online'));
    await vi.waitFor(() => expect(sent.flat()).toHaveLength(1));
  });

  it('pause() stops traffic and beacons, resume() picks up, purge() empties the queue', async () => {
    const { p, sent, nav, win } = page();
    p.pause();
    p.enqueue('track', JSON.stringify({ event: 'e' }));
    await p.settle();
    await p.flush();
    win.dispatchEvent(new Event('pagehide'));
    expect(sent).toHaveLength(0);
    expect(nav.sendBeacon).not.toHaveBeenCalled();
    win.dispatchEvent(new Event('pageshow')); // back from the back/forward cache, still paused
    await p.flush();
    expect(sent).toHaveLength(0);
    p.resume();
    await p.flush();
    expect(sent.flat()).toHaveLength(1);
    p.enqueue('track', JSON.stringify({ event: 'e2' }));
    await p.purge();
    expect((await p.state()).queued).toBe(0);
  });

  it('during an outage, beacons unacknowledged records on pagehide and keeps them queued', async () => {
    // a backoff no test run outlasts: on a loaded machine a short one let a second round in before state() was read
    const { p, nav, win, sent } = page(503, { retry_backoff_base_ms: 60_000, retry_backoff_max_ms: 60_000 });
    p.enqueue('track', JSON.stringify({ event: 'e' }));
    await p.settle();
    await p.flush();
    expect(sent.length).toBeGreaterThan(0); // tried and failed
    const before = await p.state();
    expect(before.retried).toBe(2); // both hosts
    expect(before.next_attempt_at).toBeGreaterThan(Date.now() - 1);
    win.dispatchEvent(new Event('pagehide'));
    expect(nav.sendBeacon).toHaveBeenCalledTimes(1);
    expect(await p.state()).toMatchObject({ queued: 1, delivered: 0 });
  });

  it('once the page is hidden for good the beacon alone carries its records; a page shown again sends them', async () => {
    const { p, nav, win, sent } = page();
    p.enqueue('track', JSON.stringify({ event: 'e' }));
    win.dispatchEvent(new Event('pagehide')); // while the sender's first pass still waits for the store
    await p.settle();
    await p.flush();
    expect(nav.sendBeacon).toHaveBeenCalledTimes(1);
    expect(sent).toHaveLength(0);
    win.dispatchEvent(new Event('pageshow')); // back from the back/forward cache
    await vi.waitFor(() => expect(sent.flat()).toHaveLength(1));
    expect((await p.state()).queued).toBe(0);
  });

  it('close() removes every listener it added, on window and document, including the storage listener of the outbox store', async () => {
    const counts = new Map<string, number>();
    const counted = <T extends EventTarget>(target: T, name: string): T => countListeners(target, name, counts);
    const win = counted(new EventTarget(), 'window');
    const doc = counted(Object.assign(new EventTarget(), { visibilityState: 'visible' }), 'document');
    vi.stubGlobal('window', win);
    vi.stubGlobal('document', doc);
    // bare `addEventListener(...)` in a page is the window's
    vi.stubGlobal('addEventListener', win.addEventListener);
    vi.stubGlobal('removeEventListener', win.removeEventListener);
    vi.stubGlobal('localStorage', new MemoryStorage());
    vi.stubGlobal('indexedDB', new IDBFactory());
    vi.stubGlobal('navigator', { onLine: true, sendBeacon: vi.fn(() => true) });
    vi.stubGlobal('fetch', async () => new Response('{"status":1,"error":null}'));
    const cfg = testConfig({ batch_flush_interval_ms: 60_000 });
    const p = createPipeline({ token: `close-${Date.now()}`, config: () => cfg, reporter: testReporter() });
    p.enqueue('track', JSON.stringify({ event: 'e' }));
    await p.settle();
    win.dispatchEvent(Object.assign(new Event('pagehide'), { persisted: true })); // a hide and a return must not add listeners
    win.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
    await p.settle();
    expect([...counts.values()].some((n) => n > 0)).toBe(true);
    p.close();
    await p.settle();
    expect(Object.fromEntries([...counts].filter(([, n]) => n !== 0))).toEqual({});
  });

  it('a sending tab that meets records of a newer version hands sending over to another tab, and deletes none of them', async () => {
    // A rolling deploy: the oldest tab holds the sender lock; only a newer build can send what a newer build wrote.
    const ls = new MemoryStorage();
    vi.stubGlobal('window', new EventTarget());
    vi.stubGlobal('document', Object.assign(new EventTarget(), { visibilityState: 'visible' }));
    vi.stubGlobal('localStorage', ls);
    vi.stubGlobal('navigator', { onLine: true, sendBeacon: vi.fn(() => true) }); // no Web Locks: a lease in localStorage
    vi.stubGlobal('fetch', async () => new Response('{"status":1,"error":null}'));
    const token = `newer-${Date.now()}`;
    const future = JSON.stringify({ v: RECORD_VERSION + 1, id: '00000000100000001future01', at: Date.now(), ep: 'track', payload: {} });
    ls.setItem(`${STORAGE_PREFIX}outbox_${token}_00000000100000001future01`, future);
    const cfg = testConfig({ sender_lease_ms: 200, batch_flush_interval_ms: 50 });
    const reporters = [testReporter(), testReporter()];
    const older = createPipeline({ token, config: () => cfg, reporter: reporters[0]! });
    const other = createPipeline({ token, config: () => cfg, reporter: reporters[1]! });
    const handedOver = (i: number) => reporters[i]!.lines.some((l) => /handing sending over/.test(l));
    try {
      // the older tab sends first, meets the newer record and steps down; the other tab takes the lease
      // (here it is of the same build, so it steps down in turn, once, and the older one sends again)
      await vi.waitFor(() => expect([handedOver(0), handedOver(1)]).toEqual([true, true]), { timeout: 3_000, interval: 20 });
      await vi.waitFor(async () => expect((await older.state()).is_sender || (await other.state()).is_sender).toBe(true), {
        timeout: 3_000,
        interval: 20,
      });
      expect(ls.getItem(`${STORAGE_PREFIX}outbox_${token}_00000000100000001future01`)).toBe(future);
    } finally {
      older.close();
      other.close();
    }
  });
});
