// A small fake of the browser globals the snippet touches, for running it inside node:vm.
import vm from 'node:vm';
import { randomFillSync } from 'node:crypto';

export interface FakeScript {
  src: string;
  async: boolean;
  nonce: string;
  integrity?: string;
  crossOrigin?: string;
  onload?: () => void;
  onerror?: () => void;
}

export interface FakeBrowserOptions {
  readyState?: 'loading' | 'interactive' | 'complete';
  /** Globals the page set before the snippet, e.g. MIXPANEL_LIB_URLS. */
  globals?: Record<string, unknown>;
  /** Nonce of the snippet's own script element; undefined means no currentScript. */
  nonce?: string;
  /** Remove `crypto` to exercise the Math.random fallback. */
  noCrypto?: boolean;
  storage?: Map<string, string>;
  /** localStorage.setItem throws (quota, private mode). */
  storageThrows?: boolean;
  /** `document.cookie`. */
  cookie?: string;
  /** `navigator.doNotTrack`. */
  doNotTrack?: string;
  /** Assigning a string to `script.src` throws, as on a page that enforces Trusted Types. */
  trustedTypes?: boolean;
  /** A browser whose fetch has no `keepalive` (Firefox before 133): the stub falls back to `sendBeacon`. */
  noKeepalive?: boolean;
  /** What the host answers the stub's fetch: a status (200 unless said), or 'network' for a failed request. */
  answer?: number | 'network';
}

/** A request the page handed to the browser to send after it is gone. */
export interface FakeRequest {
  /** `fetch` (with `init`) or `sendBeacon`. */
  via: 'fetch' | 'sendBeacon';
  url: string;
  body: unknown;
  /** The decoded `data` parameter of a form body. */
  data: unknown;
  /** The options given to `fetch`. */
  init?: RequestInit;
}

/** The decoded `data` parameter of a form body, undefined for any other body. */
const formData = (body: unknown): unknown => {
  const data = body instanceof URLSearchParams ? body.get('data') : null;
  return data === null ? undefined : JSON.parse(data);
};

/** What a Trusted Types policy returns: only this may be assigned to `script.src` on such a page. */
class TrustedUrl {
  constructor(readonly url: string) {}
  toString(): string {
    return this.url;
  }
}

export function fakeBrowser(options: FakeBrowserOptions = {}) {
  const listeners: Record<string, Array<(e: unknown) => void>> = {};
  const docListeners: Record<string, Array<(e: unknown) => void>> = {};
  const scripts: FakeScript[] = [];
  const requests: FakeRequest[] = [];
  const policies: string[] = [];
  const timers: Array<{ at: number; fn: () => void }> = [];
  const storage = options.storage ?? new Map<string, string>();
  let clock = 0;

  const document = {
    readyState: options.readyState ?? 'loading',
    hidden: false,
    visibilityState: 'visible',
    currentScript: options.nonce === undefined ? null : { nonce: options.nonce },
    cookie: options.cookie ?? '',
    addEventListener: (type: string, fn: (e: unknown) => void) => (docListeners[type] ??= []).push(fn),
    createElement: (tag: string) => {
      if (tag !== 'script') throw new Error('unexpected element ' + tag);
      // `async` is a boolean property in the DOM: whatever is assigned is coerced. A script made by
      // createElement is async until told otherwise (HTML: its "force async" flag is set)
      let isAsync = true;
      let src = '';
      return {
        get src() {
          return src;
        },
        set src(v: unknown) {
          if (options.trustedTypes && !(v instanceof TrustedUrl))
            throw new TypeError("This document requires 'TrustedScriptURL' assignment.");
          src = String(v);
        },
        nonce: '',
        get async() {
          return isAsync;
        },
        set async(v: unknown) {
          isAsync = !!v;
        },
      } as FakeScript;
    },
    head: { appendChild: (el: FakeScript) => scripts.push(el) },
  };
  // Object.keys(localStorage) lists the stored keys, as in a browser
  const storageApi = {
    getItem: (k: string) => (storage.has(k) ? storage.get(k)! : null),
    setItem: (k: string, v: string) => {
      if (options.storageThrows) throw new Error('QuotaExceededError');
      storage.set(k, String(v));
    },
    removeItem: (k: string) => void storage.delete(k),
    key: (i: number) => [...storage.keys()][i] ?? null,
    get length() {
      return storage.size;
    },
  };
  const localStorage = new Proxy(storageApi, {
    ownKeys: () => [...storage.keys()],
    getOwnPropertyDescriptor: (_, k) =>
      storage.has(String(k)) ? { value: storage.get(String(k)), enumerable: true, configurable: true } : undefined,
  });
  const globals: Record<string, unknown> = {
    ...options.globals,
    document,
    localStorage,
    setTimeout: (fn: () => void, ms: number) => timers.push({ at: clock + (Number(ms) || 0), fn }),
    addEventListener: (type: string, fn: (e: unknown) => void) => (listeners[type] ??= []).push(fn),
    removeEventListener: (type: string, fn: (e: unknown) => void) => {
      listeners[type] = (listeners[type] ?? []).filter((f) => f !== fn);
    },
    navigator: {
      doNotTrack: options.doNotTrack ?? 'unspecified',
      sendBeacon: (url: string, body: unknown) => {
        requests.push({ via: 'sendBeacon', url: String(url), body, data: formData(body) });
        return true;
      },
    },
    fetch: (url: string, init: RequestInit = {}) => {
      requests.push({ via: 'fetch', url: String(url), body: init.body, data: formData(init.body), init });
      const status = options.answer ?? 200;
      if (status === 'network') return Promise.reject(new TypeError('Failed to fetch'));
      return Promise.resolve({ ok: status >= 200 && status < 300, status });
    },
    // what the stub feature-tests: the `keepalive` attribute of Request (Firefox before 133 has none)
    Request: class {
      static {
        if (!options.noKeepalive) Object.defineProperty(this.prototype, 'keepalive', { get: () => false });
      }
    },
    URLSearchParams,
  };
  if (options.trustedTypes)
    globals.trustedTypes = {
      createPolicy: (name: string, rules: { createScriptURL: (u: string) => string }) => {
        policies.push(name);
        return { createScriptURL: (u: string) => new TrustedUrl(rules.createScriptURL(u)) };
      },
    };
  if (!options.noCrypto) {
    globals.crypto = {
      getRandomValues: <T extends Uint8Array>(array: T) => {
        randomFillSync(array);
        return array;
      },
    };
  }
  const window = vm.createContext(globals) as Record<string, any>;
  window.window = window;

  return {
    window,
    document,
    scripts,
    storage,
    /** The beacons the page sent, oldest first. */
    requests,
    /** Names of the Trusted Types policies the page created. */
    policies,
    /** Run source code as a classic script of this page. */
    run(code: string) {
      vm.runInContext(code, window);
    },
    /** Fire a window event (load, pagehide, beforeunload). */
    fire(type: string) {
      if (type === 'load') document.readyState = 'complete';
      for (const fn of listeners[type] ?? []) fn({ type });
    },
    /** The tab goes to the background (or the user switches away). */
    hide() {
      document.hidden = true;
      document.visibilityState = 'hidden';
      for (const fn of docListeners.visibilitychange ?? []) fn({ type: 'visibilitychange' });
    },
    show() {
      document.hidden = false;
      document.visibilityState = 'visible';
      for (const fn of docListeners.visibilitychange ?? []) fn({ type: 'visibilitychange' });
    },
    /** Advance the fake clock, running due timers in order. */
    advance(ms: number) {
      const until = clock + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (!next || next.at > until) break;
        timers.shift();
        clock = next.at;
        next.fn();
      }
      clock = until;
    },
    /** Make the library "run" as the CDN build does: window.mixpanel becomes an object marked __loaded. */
    libraryRuns() {
      window.mixpanel = { __loaded: true };
    },
  };
}

/** Plain JSON copy of a value from the vm realm, so assertions compare data, not prototypes. */
export const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v));
