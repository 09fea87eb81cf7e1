// mixpanel-browser 2.83 itself (its CJS build), loaded fresh under Node on a fake page, for
// side-by-side comparison in tests only: each call loads it again, so that it reads the page
// given here (it reads window, document and navigator once, when it loads).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const PATH = require.resolve('mixpanel-browser/dist/mixpanel.cjs.js');

export interface ReferencePage {
  url: string;
  referrer?: string;
  title?: string;
  userAgent: string;
  vendor?: string;
  /** localStorage, shared between two page loads of one visitor. */
  storage: Map<string, string>;
}

type Props = Record<string, unknown>;
export interface ReferenceLib {
  init(token: string, config?: Props): void;
  track(name: string, props?: Props): { properties: Props } | undefined;
  track_pageview(props?: Props): { properties: Props } | undefined;
  register(props: Props): void;
}

/** Runs `script` against a fresh mixpanel-browser on `page`; the globals it needed are removed afterwards. */
export function withMixpanelBrowser<T>(page: ReferencePage, script: (mixpanel: ReferenceLib) => T): T {
  const map = page.storage;
  const storage = {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, String(v)),
    removeItem: (k: string) => void map.delete(k),
    key: () => null,
    get length() {
      return map.size;
    },
  };
  const url = new URL(page.url);
  const location = {
    href: url.href,
    hostname: url.hostname,
    pathname: url.pathname,
    protocol: url.protocol,
    search: url.search,
    hash: url.hash,
    host: url.host,
  };
  const document = {
    URL: url.href,
    referrer: page.referrer ?? '',
    title: page.title ?? 'Cart',
    cookie: '',
    location,
    readyState: 'complete',
    addEventListener() {},
    createElement: () => ({}),
    getElementsByTagName: () => [],
  };
  function XHR() {}
  XHR.prototype = { withCredentials: false, open() {}, setRequestHeader() {}, send() {} };
  const navigator = { userAgent: page.userAgent, vendor: page.vendor ?? '', onLine: true };
  const window = {
    navigator,
    document,
    location,
    screen: { width: 1440, height: 900 },
    localStorage: storage,
    sessionStorage: storage,
    addEventListener() {},
    removeEventListener() {},
    dispatchEvent() {},
    CustomEvent: function () {},
    XMLHttpRequest: XHR,
    crypto: { randomUUID: () => '11111111-2222-4333-8444-555555555555' },
    history: { pushState() {}, replaceState() {} },
  };
  const globals = { window, document, navigator, location, screen: window.screen, localStorage: storage, XMLHttpRequest: XHR };
  const saved = new Map<string, PropertyDescriptor | undefined>();
  for (const [name, value] of Object.entries(globals)) {
    saved.set(name, Object.getOwnPropertyDescriptor(globalThis, name));
    Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  try {
    delete require.cache[PATH];
    const mixpanel = require(PATH) as ReferenceLib;
    return script(mixpanel);
  } finally {
    delete require.cache[PATH];
    for (const [name, descriptor] of saved) {
      if (descriptor) Object.defineProperty(globalThis, name, descriptor);
      else delete (globalThis as Record<string, unknown>)[name];
    }
  }
}
