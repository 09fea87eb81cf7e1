// A few browser globals, enough for the client under plain Node, and a fake
// pipeline that records what the client hands it.
import { vi } from 'vitest';
import type { Endpoint } from '../../../src/config';
import type { DeliveryState, Pipeline } from '../../../src/delivery/types';
import { createLibrary } from '../../../src/client/library';
import type { PipelineOptions } from '../../../src/client/instance';
import type { ErrorReport } from '../../../src/utils/report';
import { memoryStorage } from '../shared/memory-storage';

export const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36';

export { memoryStorage } from '../shared/memory-storage';

/** `document.cookie` semantics, minus paths: attributes are kept so tests can read them. */
export function cookieJar(opts: { refuseDomain?: string } = {}) {
  const values = new Map<string, string>();
  const writes: string[] = [];
  return {
    values,
    writes,
    get cookie() {
      return [...values].map(([k, v]) => `${k}=${v}`).join('; ');
    },
    set cookie(line: string) {
      writes.push(line);
      const [pair, ...attrs] = line.split(/;\s*/);
      const i = pair!.indexOf('=');
      const domain = attrs.find((a) => a.toLowerCase().startsWith('domain='));
      if (domain && opts.refuseDomain && domain.slice(7) === opts.refuseDomain) return;
      const expires = attrs.find((a) => a.toLowerCase().startsWith('expires='));
      if (expires && Date.parse(expires.slice(8)) < Date.now()) values.delete(pair!.slice(0, i));
      else values.set(pair!.slice(0, i), pair!.slice(i + 1));
    },
  };
}

export interface BrowserOptions {
  url?: string;
  referrer?: string;
  title?: string;
  userAgent?: string;
  /** `navigator.vendor` ("Apple Computer, Inc." in Safari). */
  vendor?: string;
  doNotTrack?: string | null;
  /** `null`: no localStorage; `'throws'`: touching it throws (sandboxed iframe). */
  localStorage?: Storage | null | 'throws';
  cookies?: ReturnType<typeof cookieJar>;
}

/** Installs window, document, location, navigator, screen and localStorage; `vi.unstubAllGlobals()` removes them. */
export function fakeBrowser(o: BrowserOptions = {}) {
  const url = new URL(o.url ?? 'https://shop.example.com/cart?x=1');
  const storage = o.localStorage === undefined ? memoryStorage() : o.localStorage;
  const cookies = o.cookies ?? cookieJar();
  const doc = {
    title: o.title ?? 'Cart',
    referrer: o.referrer ?? '',
    get cookie() {
      return cookies.cookie;
    },
    set cookie(v: string) {
      cookies.cookie = v;
    },
  };
  const loc = {
    href: url.href,
    hostname: url.hostname,
    pathname: url.pathname,
    protocol: url.protocol,
    search: url.search,
  };
  vi.stubGlobal('window', { doNotTrack: undefined });
  vi.stubGlobal('document', doc);
  vi.stubGlobal('location', loc);
  vi.stubGlobal('navigator', { userAgent: o.userAgent ?? CHROME_MAC, vendor: o.vendor, doNotTrack: o.doNotTrack ?? null, onLine: true });
  vi.stubGlobal('screen', { width: 1440, height: 900 });
  if (o.localStorage === 'throws')
    Object.defineProperty(globalThis, 'localStorage', {
      configurable: true,
      get() {
        throw new DOMException('denied', 'SecurityError');
      },
    });
  else vi.stubGlobal('localStorage', storage);
  return { storage: storage as ReturnType<typeof memoryStorage>, cookies, document: doc, location: loc };
}

/** Removes what `fakeBrowser` installed. */
export function removeBrowser(): void {
  vi.unstubAllGlobals();
  // the throwing getter is not a stub
  if (Object.getOwnPropertyDescriptor(globalThis, 'localStorage')?.get) delete (globalThis as Record<string, unknown>).localStorage;
}

export interface Sent {
  ep: Endpoint;
  /** `json` parsed back, for tests to read. */
  body: Record<string, any>;
  /** The JSON text the client handed over: what the outbox stores and the sender puts on the wire. */
  json: string;
}

/** A pipeline factory recording every enqueue (the JSON text the outbox would store, and that text parsed) and every control call. */
export function fakePipelines() {
  const sent: Sent[] = [];
  const calls: string[] = [];
  const created: PipelineOptions[] = [];
  const state: DeliveryState = {
    queued: 3,
    bytes: 300,
    store: 'indexeddb',
    in_flight: 0,
    delivered: 7,
    retried: 1,
    dropped: 0,
    host: 'https://api-js.mixpanel.com',
    next_attempt_at: null,
    is_sender: true,
    offline: false,
  };
  let settle: () => Promise<void> = async () => {};
  const factory = (options: PipelineOptions): Pipeline => {
    created.push(options);
    return {
      enqueue(ep, json) {
        sent.push({ ep, body: JSON.parse(json), json });
      },
      settle: () => settle(),
      state: async () => state,
      flush: async () => void calls.push('flush'),
      pause: () => void calls.push('pause'),
      resume: () => void calls.push('resume'),
      purge: async () => void calls.push('purge'),
      close: () => void calls.push('close'),
    };
  };
  return {
    sent,
    calls,
    created,
    factory,
    /** Bodies sent to /track, by event name. */
    events: (name?: string) => sent.filter((s) => s.ep === 'track' && (!name || s.body.event === name)).map((s) => s.body),
    setSettle(fn: () => Promise<void>) {
      settle = fn;
    },
  };
}

/** A library with a fake pipeline and the reports it made. */
export function setup(browser: BrowserOptions | false = {}) {
  const env = browser === false ? null : fakeBrowser(browser);
  const pipes = fakePipelines();
  const reports: ErrorReport[] = [];
  const lib = createLibrary({ createPipeline: pipes.factory });
  const on_error = (r: ErrorReport) => void reports.push(r);
  return { lib, pipes, reports, on_error, env };
}

/** Lets promise callbacks run. */
export const tick = () => new Promise<void>((r) => setTimeout(r, 0));

/** Two tabs of one visitor initialised with `tok`: tab A with the fake browser, tab B a library of its own sharing its localStorage and cookie jar. */
export function twoTabs() {
  const a = setup({ localStorage: memoryStorage(), cookies: cookieJar() });
  a.lib.init('tok');
  const pipesB = fakePipelines();
  const b = createLibrary({ createPipeline: pipesB.factory });
  b.init('tok');
  return { a, b, pipesB };
}
