/**
 * The paste-in snippet: the body of an inline `<script>` that sites paste into
 * their pages. It defines a Mixpanel-compatible stub (`window.mixpanel`) that
 * records every call, then, once the page has loaded, fetches the library from
 * the first URL the site lists that works. A visitor who leaves before the
 * library has run still has their events sent: the stub sends its recorded
 * track calls itself on `pagehide`, and keeps every call for a later page.
 * Pages cannot update what they pasted, so this file is a public contract: the
 * stub's shape and the localStorage blob it writes are read by the CDN build
 * (`src/cdn/`).
 *
 * Budget: at most 1,100 bytes gzip once minified; every line here costs bytes.
 * The numbers below are inlined, not imported, because importing src/constants.ts
 * drags in code.
 */
import type { StubMethodList } from '../client/method-names';

/**
 * A URL that has not run the library by then is given up for the next one.
 * 3 s covers the ~8 KB library on a slow mobile link; a hanging CDN (the 2012
 * outage) costs one such wait, and never the page's `load`.
 */
const LIB_TIMEOUT_MS = 3000;

/** Equal to STUB_STORAGE_KEY in src/constants.ts (a test checks it). */
const STUB_STORAGE_KEY = '__outlast_stub_queue';

/**
 * Calls one stub records at most: a page whose library never arrives (blocked)
 * must not grow without end. Far above what a page makes before a library that
 * loads after `load` has run.
 */
const MAX_STUB_CALLS = 1000;

/**
 * Characters of calls one page saves at most. With MAX_SAVED_PAGES this bounds
 * the stub's whole footprint to about 256 K characters, 5 % of the 5 M
 * characters that Chromium, Firefox and WebKit give an origin's localStorage.
 */
const MAX_SAVED_CHARS = 32000;

/** Pages whose saved calls are kept; the oldest go first. */
const MAX_SAVED_PAGES = 8;

/** mixpanel-browser's default `api_host`: where the stub sends when an init names none. */
const DEFAULT_API_HOST = 'https://api-js.mixpanel.com';

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
type Stub = any[] & Record<string, any>;

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
      if (queue.length < MAX_STUB_CALLS) queue.push(call);
    };
  });
  return queue;
}

/** The JSON text of one saved item; `null` for what JSON cannot hold (a function, a cycle). */
const jsonText = (value: unknown): string => {
  try {
    return JSON.stringify(value) || 'null';
  } catch {
    return 'null';
  }
};

if (!existing.__loaded && !existing.__SV) {
  const root: Stub = makeStub(existing);
  // base-36 time first, so that keys sort by page age (older snippets wrote hex only, which sorts before)
  const storageKey = STUB_STORAGE_KEY + ':' + Date.now().toString(36) + randomHex();
  const nonce = ((d.currentScript || {}) as HTMLScriptElement).nonce || '';
  const integrity = w.MIXPANEL_LIB_INTEGRITY;
  // only what the site lists: a built-in URL would run whoever holds that domain in every page
  const urls: string[] = ([] as string[]).concat(w.MIXPANEL_LIB_URLS || [], w.MIXPANEL_CUSTOM_LIB_URL || []);
  let tried = 0;
  let policy: any;

  root._i = [];
  root.__SV = SNIPPET_VERSION;
  root._k = storageKey; // the CDN build removes this page's blob once the calls are in the outbox
  root[DEFAULT_NAME] = root; // so that every `_i` name, the default one too, finds its queue as root[name]
  /**
   * Per instance name, the visitor's stored tracking choice and identity, read
   * at init: a page on its way to another site may no longer read storage
   * (Firefox throws there in `pagehide`). With no stored identity, a new
   * anonymous one is stored where the library reads it.
   */
  const stored: Record<string, [string | undefined, Record<string, any>]> = {};
  root.init = (token: unknown, config: any, name?: string) => {
    root._i.push([token, config, (name = name || DEFAULT_NAME)]);
    root[name] = root[name] || makeStub([]);
    try {
      const consentKey = '__mp_opt_in_out_' + token;
      const identityKey = 'mp_' + ((config || {}).persistence_name || token + '_mixpanel');
      const deviceId = randomHex();
      const identity = JSON.parse(localStorage.getItem(identityKey)!) || { distinct_id: '$device:' + deviceId, $device_id: deviceId };
      localStorage.setItem(identityKey, JSON.stringify(identity));
      stored[name] = [localStorage.getItem(consentKey) || (d.cookie.split(consentKey + '=')[1] || '')[0], identity];
    } catch {
      // no storage: nothing is sent on leave, the calls wait for the library
    }
  };
  w.mixpanel = root;

  /**
   * Keep the calls the library had no time to take: on hide, while it has not
   * run, write them under this page's own key (overwritten on each hide) for a
   * later page to replay, after removing all but the newest pages' blobs. Each
   * call is written alone, so one unserialisable argument costs that call, not
   * the others (it is kept as null, so saved calls stay index for index with
   * the queue). Calls past MAX_SAVED_CHARS are left out, the newest first.
   */
  const persist = () => {
    if (libraryRan()) return;
    let room = MAX_SAVED_CHARS;
    /** `[a,b,...]`: the items, in order, that fit in what is left of the room. */
    const listText = (items: unknown[]): string => {
      const kept: string[] = [];
      for (const item of items) {
        const text = jsonText(item);
        // the comma that joins it counts too
        if ((room -= text.length + 1) < 0) break;
        kept.push(text);
      }
      return '[' + kept.join() + ']';
    };
    try {
      Object.keys(localStorage)
        .filter((key) => !key.indexOf(STUB_STORAGE_KEY + ':') && key !== storageKey)
        .sort()
        .slice(0, 1 - MAX_SAVED_PAGES)
        .forEach((key) => localStorage.removeItem(key));
      // q[k] is the queue of the instance that i[k] inits
      const queues = root._i.map((init: [unknown, unknown, string]) => listText(root[init[2]]));
      localStorage.setItem(storageKey, '{"t":' + Date.now() + ',"i":' + listText(root._i) + ',"q":[' + queues.join() + ']}');
    } catch {
      // storage full, disabled or sandboxed: nothing better to do on the way out
    }
  };

  /**
   * The visitor is leaving and the library has not run: send each instance's
   * recorded events now, in one beacon per instance to the first host of its
   * init. The saved copy stays for a later page.
   * Mixpanel keeps one copy of events that share name, distinct_id, `time` and
   * `$insert_id`, so each event goes with the distinct_id the library's replay
   * will give it: the last `identify` of the queue (replayed before every
   * event), else the identity read at init. Nothing is sent for a visitor who opted
   * out (now or on an earlier page, in localStorage or a cookie), was opted out
   * by default, or asks not to be tracked: those calls wait for the library.
   */
  const sendEvents = () =>
    root._i.forEach(([token, config, name]: [string, Record<string, any> | undefined, string]) => {
      try {
        const options = config || {};
        const [choice, identity] = stored[name]!;
        const queue: unknown[][] = root[name];
        if (
          choice === '0' ||
          (options.opt_out_tracking_by_default && choice !== '1') ||
          (navigator.doNotTrack === '1' && !options.ignore_dnt) ||
          queue.some((call) => call[0] === 'opt_out_tracking')
        )
          return;
        for (const call of queue) if (call[0] === 'identify') identity.distinct_id = identity.$user_id = call[1];
        const events = queue
          // Mixpanel refuses a whole batch for one event without a name
          .filter((call) => call[0] === 'track_pageview' || (call[0] === 'track' && typeof call[1] === 'string' && call[1] !== ''))
          .map((call) => {
            const isPageView = call[0] === 'track_pageview';
            return {
              event: isPageView ? '$mp_web_page_view' : call[1],
              properties: Object.assign(
                { token, distinct_id: identity.distinct_id, $device_id: identity.$device_id, $user_id: identity.$user_id },
                call[isPageView ? 1 : 2],
              ),
            };
          });
        // a beacon, as the library's unload path: Firefox cancels a keepalive fetch made while the page goes
        if (events.length)
          navigator.sendBeacon(
            [].concat(options.api_host || DEFAULT_API_HOST)[0] + '/track/?ip=1',
            new URLSearchParams({ data: JSON.stringify(events) }),
          );
      } catch {
        // storage or beacons unavailable: the saved copy is all there is
      }
    });

  w.addEventListener('pagehide', () => {
    if (!libraryRan()) sendEvents();
    persist();
  });
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
    const moveOn = () => attempt === tried && loadNext();
    if (libraryRan() || !src) return;
    try {
      const script = d.createElement('script');
      try {
        script.src = src;
      } catch {
        // the page enforces Trusted Types: the URL is one the site itself listed, so the policy passes it as it is
        policy = policy || w.trustedTypes.createPolicy('outlast', { createScriptURL: String });
        script.src = policy.createScriptURL(src);
      }
      script.async = true;
      script.nonce = nonce;
      // every URL serves the same file, so the hash guards each of them: a fallback must not be the way around it
      if (integrity) {
        script.integrity = integrity;
        script.crossOrigin = 'anonymous';
      }
      script.onload = script.onerror = moveOn;
      setTimeout(moveOn, w.MIXPANEL_LIB_TIMEOUT_MS || LIB_TIMEOUT_MS);
      d.head.appendChild(script);
    } catch {
      // no policy allowed for this page: the stub sends and keeps the calls without the library
    }
  };

  // Never delay `load`: a script inserted before it would hold the event until it answers.
  if (d.readyState === 'complete') loadNext();
  else w.addEventListener('load', loadNext);
}
