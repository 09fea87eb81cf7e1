import { vi } from 'vitest';
import type { Endpoint } from '../../../src/config';
import { HANDOFF_TRUST_MS, RECORD_VERSION } from '../../../src/constants';
import { createLedger, type Ledger } from '../../../src/delivery/ledger';
import type { Answer } from '../../../src/delivery/wire';
import type { Outbox, OutboxRecord, OutboxStats } from '../../../src/outbox/types';
import type { Reporter } from '../../../src/utils/report';
import { recordingReporter } from '../shared/recording-reporter';

export { bodyOf } from '../outbox/helpers';

export { testConfig } from '../shared/test-config';
/** The shared recording reporter, under the name the delivery tests use. */
export { recordingReporter as testReporter, type RecordingReporter as TestReporter } from '../shared/recording-reporter';

/** An in-memory outbox with the contract of the real one (drop reports), and call logs. */
export interface FakeOutbox extends Outbox {
  records: Map<string, OutboxRecord>;
  removed: string[];
  dropped: Array<{ records: OutboxRecord[]; reason: string }>;
  /** Enqueues `n` records whose bodies `body` makes (stringified here, as the client does). */
  add(n: number, ep?: Endpoint, body?: (i: number) => Record<string, unknown>): OutboxRecord[];
}

export function fakeOutbox(reporter: Reporter = recordingReporter()): FakeOutbox {
  const records = new Map<string, OutboxRecord>();
  const removed: string[] = [];
  const dropped: Array<{ records: OutboxRecord[]; reason: string }> = [];
  const listeners: Array<(r: OutboxRecord) => void> = [];
  const dropListeners: Array<(ids: string[]) => void> = [];
  let seq = 0;
  let droppedCount = 0;

  const enqueue = (ep: Endpoint, json: string): OutboxRecord => {
    const id = String(seq++).padStart(8, '0');
    const r: OutboxRecord = { v: RECORD_VERSION, id, at: Date.now(), ep, json, size: json.length };
    records.set(id, r);
    listeners.forEach((l) => l(r));
    return r;
  };
  const sorted = () => Array.from(records.values()).sort((x, y) => (x.id < y.id ? -1 : 1));

  return {
    records,
    removed,
    dropped,
    add(n, ep = 'track', body = (i) => ({ event: 'e', properties: { i, $insert_id: `id${seq}` } })) {
      const out: OutboxRecord[] = [];
      for (let i = 0; i < n; i++) out.push(enqueue(ep, JSON.stringify(body(i))));
      return out;
    },
    enqueue(ep, json) {
      enqueue(ep, json);
    },
    settle: async () => undefined,
    async oldest(limit, skip) {
      return sorted()
        .filter((r) => !skip || !skip.has(r.id))
        .slice(0, limit);
    },
    async remove(ids) {
      for (const id of ids) {
        records.delete(id);
        removed.push(id);
      }
    },
    async drop(rs, reason) {
      for (const r of rs) records.delete(r.id);
      dropListeners.forEach((l) => l(rs.map((r) => r.id)));
      droppedCount += rs.length;
      dropped.push({ records: rs, reason });
      reporter.report({ code: 'dropped', message: 'dropped', reason, count: rs.length });
    },
    async stats(): Promise<OutboxStats> {
      let bytes = 0;
      records.forEach((r) => (bytes += r.size));
      return { queued: records.size, bytes, store: 'memory', dropped: droppedCount };
    },
    onEnqueue(l) {
      listeners.push(l);
    },
    onDrop(l) {
      dropListeners.push(l);
    },
    onNewerVersion: () => undefined,
    secureForUnload: () => undefined,
    abortStoreWork: () => undefined,
    async clear() {
      records.clear();
    },
    close: () => undefined,
  };
}

export interface Call {
  url: string;
  host: string;
  route: string;
  body: string;
  bodies: Array<Record<string, unknown>>;
  at: number;
}

export interface FakeTransport {
  (url: string, body: string, signal: AbortSignal): Promise<Answer>;
  calls: Call[];
}

export const ok = (): Answer => ({ status: 200, retryAfter: null, body: '{"status":1,"error":null}' });
export const answer = (status: number, retryAfter: string | null = null, body = ''): Answer => ({
  status,
  retryAfter,
  body,
});

/** Decode a `data=` body sent as JSON. */
export function decodeBody(body: string): Array<Record<string, unknown>> {
  return JSON.parse(decodeURIComponent(body.slice('data='.length)));
}

/** A transport that logs each call and answers with `handler` (sync or async). */
export function fakeTransport(handler: (call: Call, signal: AbortSignal) => Answer | Promise<Answer> = ok): FakeTransport {
  const calls: Call[] = [];
  const t = (async (url: string, body: string, signal: AbortSignal) => {
    const u = new URL(url);
    const call: Call = {
      url,
      host: u.origin,
      route: u.pathname,
      body,
      bodies: decodeBody(body),
      at: Date.now(),
    };
    calls.push(call);
    return handler(call, signal);
  }) as FakeTransport;
  t.calls = calls;
  return t;
}

/** Let pending promise callbacks run (fake timers do not advance). */
export async function settleMicrotasks(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/**
 * Makes `target` count its listeners in `counts`, keyed `<name>:<type>` (added minus removed),
 * so that a test can check that `close()` leaves none behind.
 */
export function countListeners<T extends EventTarget>(target: T, name: string, counts: Map<string, number>): T {
  const add = target.addEventListener.bind(target);
  const remove = target.removeEventListener.bind(target);
  target.addEventListener = (type: string, fn: EventListenerOrEventListenerObject | null) => {
    counts.set(`${name}:${type}`, (counts.get(`${name}:${type}`) || 0) + 1);
    add(type, fn);
  };
  target.removeEventListener = (type: string, fn: EventListenerOrEventListenerObject | null) => {
    counts.set(`${name}:${type}`, (counts.get(`${name}:${type}`) || 0) - 1);
    remove(type, fn);
  };
  return target;
}

/**
 * Stubs the globals a pipeline reads as a visible, online page whose fetch has no keepalive, so
 * that its unload beacon goes by `sendBeacon`, which `nav.sendBeacon` counts; `fetch` is the
 * ingest. Undo with `vi.unstubAllGlobals()`.
 */
export function stubPage(fetch: (url: string, init?: RequestInit) => Promise<Response>) {
  const win = new EventTarget();
  const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' });
  const nav = { onLine: true, sendBeacon: vi.fn((_url: string, _body: Blob) => true) };
  vi.stubGlobal('window', win);
  vi.stubGlobal('document', doc);
  vi.stubGlobal('navigator', nav);
  vi.stubGlobal('Request', class {});
  vi.stubGlobal('fetch', fetch);
  return { win, doc, nav };
}

/** The page's ledger as the pipeline builds it, with its hand-offs in memory (no localStorage). */
export const testLedger = (now: () => number = Date.now): Ledger =>
  createLedger(
    'tok',
    () => HANDOFF_TRUST_MS,
    now,
    () => null,
  );
