/**
 * The paste-in snippet: the body of an inline `<script>` that sites paste into
 * their pages. It defines a Mixpanel-compatible stub (`window.mixpanel`) that
 * records every call, then, once the page has loaded, fetches the library from
 * the first URL the site lists that works. A visitor who leaves before the
 * library has run still has their events sent: the stub sends its recorded
 * track calls itself as the page is hidden or left, and keeps every call for
 * a later page.
 * Pages cannot update what they pasted, so this file is a public contract: the
 * stub's shape and the localStorage blob it writes are read by the CDN build
 * (`src/cdn/`).
 *
 * Budget: at most 1,100 bytes gzip once minified; every line here costs bytes.
 * The numbers below are inlined, not imported, because importing src/constants.ts
 * drags in code.
 */

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

/** mixpanel-browser's `mp_lib`, which the library sends too: reports that filter on it keep the stub's events. */
const LIB_NAME = 'web';

/** A stub instance: Mixpanel's convention is an array of `[method, ...args]`; calls are recorded by a Proxy. */
type Stub = any[] & Record<string, any>;

const w = window as any;
const d = document;
const existing = w.mixpanel || [];

/**
 * A random id of up to 16 base-36 characters, made as mixpanel-browser makes
 * `$insert_id` (`cheap_guid`): the `$insert_id` of a stubbed event, the
 * device id of a new visitor, and the page's storage key.
 */
const randomId = (): string => Math.random().toString(36).slice(2, 10) + Math.random().toString(36).slice(2, 10);

/** Whether the library has run: it replaces `window.mixpanel` with an object marked `__loaded`. */
const libraryRan = (): boolean => (w.mixpanel || {}).__loaded;

/**
 * What mixpanel-browser (or the library) stored under `key`: in localStorage,
 * else in the cookie of that name (the default persistence), whose value is
 * URI-encoded. Throws where storage is off limits.
 */
const storedValue = (key: string): string | undefined => {
  const cookie = ('; ' + d.cookie).split('; ' + key + '=')[1];
  return localStorage.getItem(key) || (cookie && decodeURIComponent(cookie.split(';')[0]!));
};

/**
 * The calls whose properties the stub stamps, in the order of where those
 * are: `track_pageview(props)` first, `track(name, props)` second.
 */
const STAMPED_METHODS = ['track_pageview', 'track'];

/** Where the properties of a call to `method` are, or 0 for a method that is not stamped. */
const propsPosition = (method: unknown): number => STAMPED_METHODS.indexOf(method as string) + 1;

/**
 * A recording stub over `queue` (what it records) for the method path `path`
 * ('' for the instance itself). Reading a name the target does not have gives
 * a stub for that path, and calling one records `[path, ...args]` in `queue`:
 * `people.set(...)` becomes `['people.set', ...]`, as the library replays it.
 * A track call is stamped now, not when the library arrives: the copy of its
 * properties gets `time`, `$insert_id` and `$current_url` (the caller's own
 * values win), so a late event, or one replayed on a later page, keeps its
 * moment and page, and the server can drop duplicates. The caller's object is
 * never touched. With `group` (the `['get_group', key, id]` call that made a
 * Group stub), a call is recorded as mixpanel-browser's snippet records it,
 * the chained pair `[group, [method, ...args]]`.
 */
function makeStub(queue: Stub, path = '', group?: unknown[]): Stub {
  return new Proxy(path || group ? () => {} : queue, {
    get: (target: any, key) => {
      // the one getter that answers before the library arrives: a Group stub, as mixpanel-browser's snippet has
      if (key === 'get_group' && !path && !group) return (...args: unknown[]) => makeStub(queue, '', ['get_group', ...args]);
      // Any name that starts with a lowercase letter, as every mixpanel-browser method does, so that no method
      // can be missing. Left alone: what the target has (`_i`, `init`, named instances, `push`, `length`),
      // indices, Symbol keys, `_`-prefixed names (`__loaded`, which the library reads to recognise itself),
      // `then` (so that `await` and promises do not take the stub for a thenable), `toJSON`, and the getters
      // (`get_distinct_id`, ...), which need the library to answer (`get_group` is answered above).
      const isMethod = typeof key === 'string' && !(key in target) && /^(?!then$|toJSON$|get_)[a-z]/.test(key);
      return isMethod ? makeStub(queue, path ? path + '.' + key : key, group) : target[key];
    },
    apply: (_target, _self, args: unknown[]) => {
      const call: unknown[] = [path, ...args];
      const propsAt = propsPosition(path);
      if (propsAt) {
        try {
          call[propsAt] = Object.assign({ time: Date.now() / 1000, $insert_id: randomId(), $current_url: d.URL }, call[propsAt]);
        } catch {
          // a throwing getter on the caller's object: record the call as it was given
        }
      }
      // a Group's methods (set, set_once, unset, union, remove) are never stamped: none is a track call
      if (queue.length < MAX_STUB_CALLS) queue.push(group ? [group, call] : call);
    },
  });
}

if (!existing.__loaded && !existing.__SV) {
  const root: Stub = makeStub(existing);
  // base-36 time first, so that keys sort by page age (older snippets wrote hex only, which sorts before)
  const storageKey = STUB_STORAGE_KEY + ':' + Date.now().toString(36) + randomId();
  const nonce = ((d.currentScript || {}) as HTMLScriptElement).nonce || '';
  const integrity = w.MIXPANEL_LIB_INTEGRITY;
  // only what the site lists: a built-in URL would run whoever holds that domain in every page
  const urls: string[] = ([] as string[]).concat(w.MIXPANEL_LIB_URLS || [], w.MIXPANEL_CUSTOM_LIB_URL || []);
  let tried = 0;
  let policy: any;
  /** Per init, what sends its recorded events when the visitor leaves before the library ran. */
  const senders: Array<() => void> = [];

  root._i = [];
  root.__SV = SNIPPET_VERSION;
  root._k = storageKey; // the CDN build removes this page's blob once the calls are in the outbox
  root[DEFAULT_NAME] = root; // so that every `_i` name, the default one too, finds its queue as root[name]
  /**
   * Records the init, and reads the visitor's stored tracking choice and
   * identity now: a page on its way to another site may no longer read
   * storage (Firefox throws there). With no stored identity, a new anonymous
   * one is stored where the library takes it over from (localStorage), so
   * that both copies of an event, the stub's and the library's replay, carry
   * one distinct_id and Mixpanel keeps one.
   */
  root.init = (token: unknown, config: any, name?: string) => {
    root._i.push([token, config, (name = name || DEFAULT_NAME)]);
    const queue: unknown[][] = name in root ? root[name] : (root[name] = makeStub([]));
    try {
      const options = config || {};
      const choice = storedValue('__mp_opt_in_out_' + token);
      // opted out (now or on an earlier page), opted out by default, or asking not to be tracked: nothing is sent
      // or stored, the calls wait for the library
      if (
        choice === '0' ||
        (options.opt_out_tracking_by_default && choice !== '1') ||
        (navigator.doNotTrack === '1' && !options.ignore_dnt)
      )
        return;
      const identityKey = 'mp_' + (options.persistence_name || token + '_mixpanel');
      const deviceId = randomId();
      // the entry's own keys (`__mps`, `__timers`, ...) are no event properties; the rest are the library's super properties
      let identity = JSON.parse(storedValue(identityKey) || 'null', (key, value) => (key.indexOf('__') ? value : undefined));
      if (!identity)
        localStorage.setItem(identityKey, JSON.stringify((identity = { distinct_id: '$device:' + deviceId, $device_id: deviceId })));
      const url = [].concat(options.api_host || DEFAULT_API_HOST)[0] + '/track/?ip=1';
      let sent = 0;
      /**
       * Sends the events recorded since the last send, in one request to the
       * first host of the init, with the stored super properties. Each goes
       * with the distinct_id the library's replay will give it (Mixpanel keeps
       * one copy of events that share name, distinct_id, `time` and
       * `$insert_id`): the last `identify` of the queue (replayed before every
       * event), else the stored identity.
       */
      senders.push(() => {
        const calls = queue.slice(sent);
        sent = queue.length;
        for (const call of queue) {
          if (call[0] === 'identify') identity.distinct_id = identity.$user_id = call[1];
          if (call[0] === 'opt_out_tracking') return;
        }
        const events: unknown[] = [];
        const carried: unknown[][] = [];
        for (const call of calls) {
          const propsAt = propsPosition(call[0]);
          // track_pageview(props) sends Mixpanel's page view event
          const event = propsAt === 1 ? '$mp_web_page_view' : call[1];
          // Mixpanel refuses a whole batch for one event without a name
          if (propsAt && typeof event === 'string' && event) {
            events.push({ event, properties: Object.assign({ token, mp_lib: LIB_NAME }, identity, call[propsAt]) });
            carried.push(call);
          }
        }
        if (!events.length) return;
        // A `/track` form body handed to the browser to send even if the page is gone: a keepalive fetch
        // without credentials, so that no cookie of the site reaches a same-site proxy. `sendBeacon`, which
        // always sends cookies, only where fetch has no keepalive (Firefox before 133). A form body needs no
        // CORS preflight either way.
        const body = new URLSearchParams({ data: JSON.stringify(events) });
        if ('keepalive' in Request.prototype)
          fetch(url, { method: 'POST', body, keepalive: true, credentials: 'omit' })
            .then((answer) => {
              // A page that lives to hear a 2xx (a hidden tab) knows these arrived: each becomes 0 in the queue and
              // in the saved copy (no call, so nothing replays it, and the indices stay), so neither this page's
              // library nor a later page sends them again. Without that answer they stay, and a second copy is
              // what `$insert_id` absorbs: never a loss.
              if (answer.ok) {
                for (const call of carried) (queue as unknown[])[queue.indexOf(call)] = 0;
                save();
              }
            })
            .catch(() => {});
        else navigator.sendBeacon(url, body);
      });
    } catch {
      // no storage: nothing is sent on leave, the calls wait for the library
    }
  };
  w.mixpanel = root;

  /**
   * Keeps every call under this page's own key (overwritten on each save) for
   * a later page to replay, after removing all but the newest pages' blobs.
   * Each call is written alone, so one unserialisable argument costs that
   * call, not the others (it is kept as null, so saved calls stay index for
   * index with the queue; a delivered one is 0). Calls past
   * MAX_SAVED_CHARS are left out, the newest first. Once the library has run
   * the calls are its own, and nothing is written.
   */
  const save = () => {
    if (libraryRan()) return;
    let room = MAX_SAVED_CHARS;
    /** `[a,b,...]`: the items, in order, that fit in what is left of the room. */
    const listText = (items: unknown[]): string => {
      const kept: string[] = [];
      for (const item of items) {
        // null for what JSON cannot hold (a function, a cycle)
        let text = 'null';
        try {
          text = JSON.stringify(item) || text;
        } catch {
          // kept as null
        }
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
      // the inits first, in the room, since no call replays without them; q[k] is the queue of the instance that i[k] inits
      const inits = listText(root._i);
      const queues = root._i.map((init: [unknown, unknown, string]) => listText(root[init[2]]));
      localStorage.setItem(storageKey, '{"t":' + Date.now() + ',"i":' + inits + ',"q":[' + queues.join() + ']}');
    } catch {
      // storage full, disabled or sandboxed: nothing better to do on the way out
    }
  };
  /**
   * The page is hidden or left (a tab switch, a visitor leaving, WebKit's
   * beforeunload for a page left before its `load`) while the library has not
   * run: send what was not sent yet, and save every call not known delivered,
   * whose copies a later page's replay sends again and `$insert_id` absorbs.
   */
  const onLeave = () => {
    if (libraryRan()) return;
    try {
      senders.forEach((send) => send());
    } catch {
      // fetch and beacons unavailable: the saved copy is all there is
    }
    save();
  };
  // hidden comes first as the page goes, and is the last event a mobile page killed in the background gets
  d.addEventListener('visibilitychange', () => d.hidden && onLeave());
  w.addEventListener('pagehide', onLeave);
  // WebKit fires neither for a page left before its `load`, only beforeunload; removed at `load`, as such a
  // listener can keep a page out of the back/forward cache (Firefox)
  w.addEventListener('beforeunload', onLeave);

  /**
   * Inject the next URL's script. It moves on when the script fails, when it
   * loads without running the library, or when it has not run it in time; a
   * slow earlier script that still arrives later sees `__loaded` and stands down.
   * A script made by createElement is async already (HTML's "force async").
   */
  const loadNext = () => {
    w.removeEventListener('beforeunload', onLeave);
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
