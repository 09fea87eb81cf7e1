/**
 * The paste-in snippet: the body of an inline `<script>` that sites paste into
 * their pages. It defines a Mixpanel-compatible stub (`window.mixpanel`) that
 * records every call, then, once the page has loaded, fetches the library from
 * the first URL that works. Pages cannot update what they pasted, so this file
 * is a public contract: the stub's shape and the localStorage blob it writes
 * are read by the CDN build (`src/cdn/`).
 *
 * Budget: at most 1,100 bytes gzip once minified; every line here costs bytes.
 */
import type { StubMethodList } from '../client/method-names';

/** Where the library lives; the alternate is a separate host so one outage does not take both. */
const PRIMARY_LIB_URL = 'https://cdn.outlast.dev/mixpanel.min.js';
const ALTERNATE_LIB_URL = 'https://cdn2.outlast.dev/mixpanel.min.js';

/**
 * A URL that has not run the library by then is given up for the next one.
 * 3 s covers the ~8 KB library on a slow mobile link; a hanging CDN (the 2012
 * outage) costs one such wait, and never the page's `load`.
 */
const LIB_TIMEOUT_MS = 3000;

/** Equal to STUB_STORAGE_KEY in src/constants.ts (a test checks it); inlined because importing it drags in code. */
const STUB_STORAGE_KEY = '__outlast_stub_queue';

/** Mixpanel's snippet version: mixpanel-browser reads it to recognise a stub. */
const SNIPPET_VERSION = 1.2;

/** The name mixpanel-browser gives the default instance in `_i`. */
const DEFAULT_NAME = 'mixpanel';

/**
 * The methods the stub records: word for word `STUB_METHOD_LIST` of
 * src/client/method-names.ts (the type refuses any other string), which every
 * instance implements. Getters need the library and are left out.
 */
const STUB_METHODS = (
  'track track_pageview track_links track_forms track_with_groups time_event register register_once unregister identify alias reset set_config set_group add_group remove_group disable opt_out_tracking opt_in_tracking clear_opt_in_out_tracking start_batch_senders add_hook remove_hook people.set people.set_once people.unset people.increment people.append people.union people.remove people.delete_user' satisfies StubMethodList
).split(' ');

/** A stub instance: Mixpanel's convention is an array of `[method, ...args]` with methods attached. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Stub = any[] & Record<string, any>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const w = window as any;
const d = document;
const existing = w.mixpanel || [];

/** 32 random hex characters: the `$insert_id` of a stubbed event and the page's storage key. */
function randomHex(): string {
  let bytes: Uint8Array | undefined;
  let hex = '';
  try {
    bytes = crypto.getRandomValues(new Uint8Array(16));
  } catch {
    // no Web Crypto (old browser, locked-down page): Math.random is enough for a dedupe id
  }
  for (let i = 0; i < 16; i++) hex += (((bytes ? bytes[i] : Math.random() * 256) as number) | 256).toString(16).slice(1);
  return hex;
}

/** Whether the library has run: it replaces `window.mixpanel` with an object marked `__loaded`. */
const libraryRan = (): boolean => (w.mixpanel || {}).__loaded;

/**
 * Attach recording methods to `queue`. A track call is stamped now, not when
 * the library arrives: the copy of its properties gets `time`, `$insert_id`
 * and `$current_url` (the caller's own values win), so a late event, or one
 * replayed on a later page, keeps its moment and page, and the server can
 * drop duplicates. The caller's object is never touched.
 */
function makeStub(queue: Stub): Stub {
  const people: Stub = (queue.people = [] as unknown as Stub);
  STUB_METHODS.forEach((method, index) => {
    const [head, tail] = method.split('.') as [string, string?];
    (tail ? people : queue)[tail || head] = (...args: unknown[]) => {
      const call: unknown[] = [method, ...args];
      // track(name, props) and track_pageview(props) come first in STUB_METHODS
      const propsAt = 2 - index;
      if (propsAt > 0) {
        try {
          call[propsAt] = Object.assign({ time: Date.now() / 1000, $insert_id: randomHex(), $current_url: d.URL }, call[propsAt]);
        } catch {
          // a throwing getter on the caller's object: record the call as it was given
        }
      }
      queue.push(call);
    };
  });
  return queue;
}

/** A JSON-safe copy of one value, or undefined (stored as null) when it cannot be serialised. */
const jsonCopy = (value: unknown): unknown => {
  try {
    return JSON.parse(JSON.stringify(value));
  } catch {
    // undefined: JSON.stringify writes it as null in an array
  }
};

if (!existing.__loaded && !existing.__SV) {
  const root: Stub = makeStub(existing);
  const storageKey = STUB_STORAGE_KEY + ':' + randomHex();
  const nonce = ((d.currentScript || {}) as HTMLScriptElement).nonce || '';
  const integrity = w.MIXPANEL_LIB_INTEGRITY;
  const urls: string[] = ([] as string[]).concat(
    w.MIXPANEL_LIB_URLS || [],
    w.MIXPANEL_CUSTOM_LIB_URL || [],
    PRIMARY_LIB_URL,
    ALTERNATE_LIB_URL,
  );
  let tried = 0;

  root._i = [];
  root.__SV = SNIPPET_VERSION;
  root._k = storageKey; // the CDN build removes this page's blob once the calls are in the outbox
  root[DEFAULT_NAME] = root; // so that every `_i` name, the default one too, finds its queue as root[name]
  root.init = (token: unknown, config: unknown, name?: string) => {
    root._i.push([token, config, (name = name || DEFAULT_NAME)]);
    root[name] = root[name] || makeStub([]);
  };
  w.mixpanel = root;

  /**
   * Keep the calls the library had no time to take: on hide, while it has not
   * run, write them under this page's own key (overwritten on each hide) for a
   * later page to replay. Each call is copied alone, so one unserialisable
   * argument costs that call, not the others; functions become null.
   */
  const persist = () => {
    if (libraryRan()) return;
    try {
      // q[k] is the queue of the instance that i[k] inits
      const queues = root._i.map((init: [unknown, unknown, string]) => root[init[2]].map(jsonCopy));
      localStorage.setItem(storageKey, JSON.stringify({ t: Date.now(), i: root._i.map(jsonCopy), q: queues }));
    } catch {
      // storage full, disabled or sandboxed: nothing better to do on the way out
    }
  };
  w.addEventListener('pagehide', persist);
  d.addEventListener('visibilitychange', () => d.hidden && persist());

  /**
   * Inject the next URL's script. It moves on when the script fails, when it
   * loads without running the library, or when it has not run it in time; a
   * slow earlier script that still arrives later sees `__loaded` and stands down.
   */
  const loadNext = () => {
    const src = urls[tried++];
    const attempt = tried;
    // error, load and timeout all call this; only the first one for the current attempt counts
    const moveOn = () => attempt == tried && loadNext();
    if (libraryRan() || !src) return;
    const script = d.createElement('script');
    script.async = true;
    script.src = src;
    script.nonce = nonce;
    // every URL serves the same file, so the hash guards each of them: a fallback must not be the way around it
    if (integrity) {
      script.integrity = integrity;
      script.crossOrigin = 'anonymous';
    }
    script.onload = script.onerror = moveOn;
    setTimeout(moveOn, w.MIXPANEL_LIB_TIMEOUT_MS || LIB_TIMEOUT_MS);
    d.head.appendChild(script);
  };

  // Never delay `load`: a script inserted before it would hold the event until it answers.
  if (d.readyState == 'complete') loadNext();
  else w.addEventListener('load', loadNext);
}
