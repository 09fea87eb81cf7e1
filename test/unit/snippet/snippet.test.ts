import { beforeAll, describe, expect, it } from 'vitest';
import { STUB_STORAGE_KEY } from '../../../src/constants';
import { buildSnippet } from './build-snippet';
import { fakeBrowser, plain, type FakeBrowserOptions } from './fake-browser';

let code = '';
beforeAll(async () => {
  code = await buildSnippet();
}, 60_000);

/** A stub-made id: base-36, as mixpanel-browser's `$insert_id` (`cheap_guid`), within Mixpanel's 36 characters. */
const ID = /^[0-9a-z]{12,16}$/;

// the site's own list: the snippet has no URL of its own
const PRIMARY = 'https://cdn.example/outlast.min.js';
const ALTERNATE = 'https://site.example/outlast.min.js';

function page(options: FakeBrowserOptions = {}) {
  const b = fakeBrowser({ ...options, globals: { MIXPANEL_LIB_URLS: [PRIMARY, ALTERNATE], ...options.globals } });
  b.run(code);
  return b;
}

describe('stub', () => {
  it('is a Mixpanel-compatible array with _i, __SV and recording methods', () => {
    const { window } = page();
    const mp = window.mixpanel;
    expect(Array.isArray(mp)).toBe(true);
    expect(mp.__SV).toBe(1.2);
    mp.init('tok', { debug: true });
    mp.identify('u1');
    mp.register({ plan: 'pro' });
    mp.people.set({ $email: 'a@b.c' });
    mp.people.increment('visits', 2);
    expect(plain(mp._i)).toEqual([['tok', { debug: true }, 'mixpanel']]);
    expect(plain([...mp])).toEqual([
      ['identify', 'u1'],
      ['register', { plan: 'pro' }],
      ['people.set', { $email: 'a@b.c' }],
      ['people.increment', 'visits', 2],
    ]);
  });

  it('does not stub getters that need the library', () => {
    const mp = page().window.mixpanel;
    expect(mp.get_distinct_id).toBeUndefined();
    expect(mp.get_property).toBeUndefined();
    expect(mp.get_config).toBeUndefined();
  });

  it('gives a named instance its own stub queue', () => {
    const mp = page().window.mixpanel;
    mp.init('tok', {});
    mp.init('tok2', { api_host: 'x' }, 'other');
    mp.other.track('on other');
    mp.other.people.set('k', 'v');
    mp.track('on default');
    expect(plain(mp._i)).toEqual([
      ['tok', {}, 'mixpanel'],
      ['tok2', { api_host: 'x' }, 'other'],
    ]);
    expect(plain([...mp.other]).map((c: unknown[]) => c[0])).toEqual(['track', 'people.set']);
    expect(plain([...mp]).map((c: unknown[]) => c[0])).toEqual(['track']);
  });

  it('records functions pushed with push(fn) and calls made before init', () => {
    const mp = page().window.mixpanel;
    const fn = () => {};
    mp.track('early');
    mp.push(fn);
    mp.push(['register', { a: 1 }]);
    expect(mp.length).toBe(3);
    expect(mp[1]).toBe(fn);
    expect(plain(mp[2])).toEqual(['register', { a: 1 }]);
  });

  it('stamps track calls with time and $insert_id on a copy of the properties', () => {
    const mp = page().window.mixpanel;
    const props = { plan: 'pro' };
    const before = Date.now() / 1000;
    mp.track('Signed up', props, { transport: 'beacon' });
    mp.track_pageview({ page: 'home' });
    mp.track('no props');
    const after = Date.now() / 1000;
    expect(props).toEqual({ plan: 'pro' }); // the caller's object is not touched
    const [track, pageview, bare] = plain([...mp]) as Array<[string, ...any[]]>;
    expect(track[0]).toBe('track');
    expect(track[1]).toBe('Signed up');
    expect(track[2].plan).toBe('pro');
    expect(track[2].time).toBeGreaterThanOrEqual(before);
    expect(track[2].time).toBeLessThanOrEqual(after);
    expect(track[2].$insert_id).toMatch(ID);
    expect(track[3]).toEqual({ transport: 'beacon' });
    expect(pageview[1].page).toBe('home');
    expect(pageview[1].$insert_id).toMatch(ID);
    expect(bare[2].$insert_id).toMatch(ID);
    expect(new Set([track[2].$insert_id, pageview[1].$insert_id, bare[2].$insert_id]).size).toBe(3);
  });

  it('keeps a caller-supplied time and $insert_id', () => {
    const mp = page().window.mixpanel;
    mp.track('imported', { time: 1700000000, $insert_id: 'mine' });
    expect(plain(mp[0][2])).toEqual({ time: 1700000000, $insert_id: 'mine' });
  });

  it('gives 1,000 events 1,000 different $insert_ids, without Web Crypto', () => {
    const mp = page({ noCrypto: true }).window.mixpanel;
    for (let i = 0; i < 1000; i++) mp.track('x');
    const ids = [...mp].map((call: any[]) => call[2].$insert_id);
    expect(ids.every((id: string) => ID.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(1000);
  });

  it('never throws on odd input', () => {
    const mp = page().window.mixpanel;
    const hostile = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new Error('getter');
      },
    });
    expect(() => {
      mp.track();
      mp.track('x', null);
      mp.track('x', 'not an object');
      mp.track('x', hostile);
      mp.track_pageview(42);
      mp.people.set();
    }).not.toThrow();
    expect(mp.length).toBe(6);
  });

  it('leaves an already loaded library or an earlier stub alone', () => {
    const lib = { __loaded: true, track() {} };
    const b = fakeBrowser({ readyState: 'complete' });
    b.window.mixpanel = lib;
    b.run(code);
    expect(b.window.mixpanel).toBe(lib);
    expect(b.scripts).toHaveLength(0);

    const b2 = fakeBrowser({ readyState: 'complete', globals: { MIXPANEL_LIB_URLS: [PRIMARY] } });
    b2.run(code);
    const first = b2.window.mixpanel;
    first.track('one');
    b2.run(code); // pasted twice
    expect(b2.window.mixpanel).toBe(first);
    expect(first.length).toBe(1);
    expect(b2.scripts).toHaveLength(1);
  });

  it('creates no global but mixpanel', () => {
    const b = fakeBrowser();
    const before = new Set(Object.keys(b.window));
    b.run(code);
    b.window.mixpanel.init('tok');
    b.window.mixpanel.track('x');
    b.fire('load');
    b.hide();
    const added = Object.keys(b.window).filter((k) => !before.has(k));
    expect(added).toEqual(['mixpanel']);
  });
});

describe('loader', () => {
  it('injects nothing before load, then one async script', () => {
    const b = page();
    expect(b.scripts).toHaveLength(0);
    b.advance(10_000);
    expect(b.scripts).toHaveLength(0);
    b.fire('load');
    expect(b.scripts).toHaveLength(1);
    expect(b.scripts[0]).toMatchObject({ src: PRIMARY, async: true });
  });

  it('injects at once when the page has already loaded', () => {
    const b = page({ readyState: 'complete' });
    expect(b.scripts.map((s) => s.src)).toEqual([PRIMARY]);
  });

  it('tries MIXPANEL_LIB_URLS in order, then MIXPANEL_CUSTOM_LIB_URL, and nothing else', () => {
    const b = page({
      readyState: 'complete',
      globals: {
        MIXPANEL_LIB_URLS: ['https://a.example/lib.js', 'https://b.example/lib.js'],
        MIXPANEL_CUSTOM_LIB_URL: 'https://custom.example/lib.js',
      },
    });
    for (let i = 0; i < 3; i++) b.scripts[i]!.onerror!();
    expect(b.scripts.map((s) => s.src)).toEqual(['https://a.example/lib.js', 'https://b.example/lib.js', 'https://custom.example/lib.js']);
    b.advance(10_000);
    expect(b.scripts).toHaveLength(3); // nothing left to try
  });

  it('loads from no URL the site did not list (no built-in fallback domain)', () => {
    const b = fakeBrowser({ readyState: 'complete' });
    b.run(code);
    b.advance(10_000);
    expect(b.scripts).toHaveLength(0);
    const custom = fakeBrowser({ readyState: 'complete', globals: { MIXPANEL_CUSTOM_LIB_URL: 'https://site.example/lib.js' } });
    custom.run(code);
    custom.scripts[0]!.onerror!();
    custom.advance(10_000);
    expect(custom.scripts.map((s) => s.src)).toEqual(['https://site.example/lib.js']);
  });

  it('loads through a Trusted Types policy on a page that enforces them, and only there', () => {
    const b = page({ readyState: 'complete', trustedTypes: true, globals: { MIXPANEL_LIB_TIMEOUT_MS: 10 } });
    b.advance(10);
    expect(b.scripts.map((s) => String(s.src))).toEqual([PRIMARY, ALTERNATE]);
    expect(b.policies).toEqual(['outlast']); // one policy for every URL
    expect(page({ readyState: 'complete' }).policies).toEqual([]);
  });

  it('does not throw into the page when Trusted Types refuse its policy', () => {
    const b = fakeBrowser({ trustedTypes: true, globals: { MIXPANEL_LIB_URLS: [PRIMARY] } });
    b.run(code);
    b.window.trustedTypes.createPolicy = () => {
      throw new TypeError('Policy "outlast" disallowed.');
    };
    expect(() => b.fire('load')).not.toThrow();
    expect(b.scripts).toHaveLength(0);
  });

  it('moves on when a URL has not run the library within the timeout', () => {
    const b = page({ readyState: 'complete', globals: { MIXPANEL_LIB_TIMEOUT_MS: 50 } });
    b.advance(49);
    expect(b.scripts).toHaveLength(1);
    b.advance(1);
    expect(b.scripts.map((s) => s.src)).toEqual([PRIMARY, ALTERNATE]);
    // the first script's late error does not skip the alternate
    b.scripts[0]!.onerror!();
    expect(b.scripts).toHaveLength(2);
  });

  it('defaults to a 3 s timeout', () => {
    const b = page({ readyState: 'complete' });
    b.advance(2999);
    expect(b.scripts).toHaveLength(1);
    b.advance(1);
    expect(b.scripts).toHaveLength(2);
  });

  it('moves on when a script loads without running the library, and stops once it has run', () => {
    const b = page({ readyState: 'complete', globals: { MIXPANEL_LIB_URLS: ['https://portal.example/login', PRIMARY] } });
    b.scripts[0]!.onload!();
    expect(b.scripts.map((s) => s.src)).toEqual(['https://portal.example/login', PRIMARY]);
    b.libraryRuns();
    b.scripts[1]!.onload!();
    b.advance(10_000);
    expect(b.scripts).toHaveLength(2);
  });

  it('gives the injected script the nonce of its own script', () => {
    const b = page({ readyState: 'complete', nonce: 'r4nd0m', globals: { MIXPANEL_LIB_TIMEOUT_MS: 10 } });
    b.advance(10);
    expect(b.scripts.map((s) => s.nonce)).toEqual(['r4nd0m', 'r4nd0m']);
    expect(page({ readyState: 'complete' }).scripts[0]!.nonce).toBe('');
  });

  it('sets integrity and crossOrigin on every URL when MIXPANEL_LIB_INTEGRITY is set', () => {
    const b = page({ readyState: 'complete', globals: { MIXPANEL_LIB_INTEGRITY: 'sha384-abc' } });
    b.scripts[0]!.onerror!();
    expect(b.scripts[0]).toMatchObject({ integrity: 'sha384-abc', crossOrigin: 'anonymous' });
    expect(b.scripts[1]).toMatchObject({ integrity: 'sha384-abc', crossOrigin: 'anonymous' });
    expect(page({ readyState: 'complete' }).scripts[0]!.integrity).toBeUndefined();
  });
});

describe('keeping calls on hide', () => {
  const stubKeys = (storage: Map<string, string>) => [...storage.keys()].filter((k) => k.startsWith(STUB_STORAGE_KEY + ':'));

  it('writes pending calls under its own key on pagehide, overwriting it on the next hide', () => {
    const storage = new Map([[STUB_STORAGE_KEY + ':otherpage', '{"i":[],"q":[]}']]);
    const b = page({ storage });
    const mp = b.window.mixpanel;
    mp.init('tok', { loaded: () => {} });
    mp.init('tok2', {}, 'second');
    mp.identify('u1');
    mp.push(() => {});
    mp.track('a', { n: 1 });
    mp.second.people.set('k', 1);
    b.fire('pagehide');
    const keys = stubKeys(storage).filter((k) => k !== STUB_STORAGE_KEY + ':otherpage');
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(new RegExp(`^${STUB_STORAGE_KEY}:[0-9a-z]{8}[0-9a-z]{12,16}$`));
    expect(mp._k).toBe(keys[0]);
    const blob = JSON.parse(storage.get(keys[0]!)!);
    expect(blob.i).toEqual([
      ['tok', {}, 'mixpanel'],
      ['tok2', {}, 'second'],
    ]);
    expect(blob.q[0][0]).toEqual(['identify', 'u1']);
    expect(blob.q[0][1]).toBeNull(); // functions cannot be kept
    expect(blob.q[0][2][2]).toMatchObject({ n: 1, $insert_id: mp[2][2].$insert_id });
    expect(blob.q[1]).toEqual([['people.set', 'k', 1]]);
    expect(typeof blob.t).toBe('number');

    mp.track('b');
    b.hide();
    expect(stubKeys(storage).sort()).toEqual([keys[0], STUB_STORAGE_KEY + ':otherpage'].sort());
    expect(JSON.parse(storage.get(keys[0]!)!).q[0]).toHaveLength(4);
    expect(storage.get(STUB_STORAGE_KEY + ':otherpage')).toBe('{"i":[],"q":[]}');
  });

  it('writes on visibilitychange only when hidden', () => {
    const b = page();
    b.window.mixpanel.init('tok');
    b.window.mixpanel.track('a');
    b.show();
    expect(stubKeys(b.storage)).toHaveLength(0);
    b.hide();
    expect(stubKeys(b.storage)).toHaveLength(1);
  });

  it('keeps the other calls when one cannot be serialised', () => {
    const b = page();
    const mp = b.window.mixpanel;
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    mp.init('tok');
    mp.register(circular);
    mp.track('fine');
    b.fire('pagehide');
    const blob = JSON.parse(b.storage.get(mp._k)!);
    expect(blob.q[0][0]).toBeNull();
    expect(blob.q[0][1][1]).toBe('fine');
  });

  it('writes nothing once the library has run', () => {
    const b = page();
    b.window.mixpanel.init('tok');
    b.window.mixpanel.track('a');
    b.libraryRuns();
    b.fire('pagehide');
    expect(stubKeys(b.storage)).toHaveLength(0);
  });

  it('swallows storage failures', () => {
    const b = page({ storageThrows: true });
    b.window.mixpanel.init('tok');
    b.window.mixpanel.track('a');
    expect(() => b.fire('pagehide')).not.toThrow();
  });
});

describe('bounded storage while the library never loads', () => {
  const stubKeys = (storage: Map<string, string>) => [...storage.keys()].filter((k) => k.startsWith(STUB_STORAGE_KEY + ':'));
  const stubChars = (storage: Map<string, string>) => stubKeys(storage).reduce((n, k) => n + k.length + storage.get(k)!.length, 0);

  it('30 blocked pages of 2,000 calls each keep at most 8 saved pages of at most 32,000 characters', () => {
    const storage = new Map<string, string>();
    const seen: string[] = [];
    let clock = Date.now();
    for (let n = 0; n < 30; n++) {
      const b = fakeBrowser({ storage, globals: { Date: { now: () => (clock += 1000) } } });
      b.run(code);
      const mp = b.window.mixpanel;
      mp.init('tok');
      for (let i = 0; i < 2000; i++) mp.track('step', { page: n, i, padding: 'x'.repeat(40) });
      expect(mp.length).toBe(1000); // the queue in memory is capped too
      b.fire('pagehide');
      seen.push(mp._k);
      const blob = JSON.parse(storage.get(mp._k)!);
      expect(storage.get(mp._k)!.length).toBeLessThanOrEqual(32_000 + 100);
      // a prefix of the queue, so the saved calls and the queue stay index for index
      expect(blob.q[0].map((c: any[]) => c[2].i)).toEqual(blob.q[0].map((_: unknown, i: number) => i));
      expect(blob.q[0].length).toBeGreaterThan(100);
      expect(blob.i, 'the init, without which nothing replays').toHaveLength(1);
    }
    const kept = stubKeys(storage);
    expect(kept.sort()).toEqual(seen.slice(-8).sort()); // the newest pages
    expect(stubChars(storage)).toBeLessThanOrEqual(8 * 32_200);
  });

  it("removes an older snippet's blobs (hex keys) before its own", () => {
    const storage = new Map<string, string>();
    for (let n = 0; n < 10; n++) storage.set(`${STUB_STORAGE_KEY}:${n.toString(16).repeat(32)}`, '{"t":1,"i":[],"q":[]}');
    storage.set('site-own-key', 'kept');
    const b = fakeBrowser({ storage });
    b.run(code);
    b.window.mixpanel.init('tok');
    b.window.mixpanel.track('a');
    b.fire('pagehide');
    expect(stubKeys(storage)).toHaveLength(8);
    expect(storage.has(b.window.mixpanel._k)).toBe(true);
    expect(storage.get('site-own-key')).toBe('kept');
  });
});

describe('leaving before the library has run', () => {
  /** A page whose library never ran, with calls recorded, that the visitor leaves. */
  function leave(setup: (mp: any) => void, options: FakeBrowserOptions = {}) {
    const b = fakeBrowser(options);
    b.run(code);
    setup(b.window.mixpanel);
    b.fire('pagehide');
    return b;
  }

  it('sends the recorded events in one keepalive fetch without credentials to the init host, and still saves them', () => {
    const b = leave((mp) => {
      mp.init('tok', { api_host: ['https://first.example/mp', 'https://second.example'] });
      mp.track_pageview();
      for (let i = 0; i < 5; i++) mp.track('step', { i });
      mp.people.set({ a: 1 });
    });
    expect(b.requests).toHaveLength(1);
    const [request] = b.requests;
    expect(request!.url).toBe('https://first.example/mp/track/?ip=1');
    // no cookie of the site reaches the host: sendBeacon would send them all
    expect(request).toMatchObject({ via: 'fetch', init: { method: 'POST', credentials: 'omit' } });
    expect(Boolean(request!.init!.keepalive)).toBe(true); // the minifier writes 1, which fetch reads as true
    expect(request!.body).toBeInstanceOf(URLSearchParams); // a form: no preflight
    const events = request!.data as Array<{ event: string; properties: Record<string, any> }>;
    expect(events.map((e) => e.event)).toEqual(['$mp_web_page_view', 'step', 'step', 'step', 'step', 'step']);
    const mp = b.window.mixpanel;
    events.forEach((e, i) => {
      expect(e.properties.token).toBe('tok');
      expect(e.properties.mp_lib).toBe('web');
      expect(e.properties.$insert_id).toBe(mp[i][i ? 2 : 1].$insert_id);
      expect(e.properties.time).toBe(mp[i][i ? 2 : 1].time);
      expect(e.properties.distinct_id).toMatch(/^\$device:[0-9a-z]{12,16}$/);
    });
    expect(events[3]!.properties.i).toBe(2);
    // the same calls are kept for a later page, whose replay $insert_id absorbs
    expect(JSON.parse(b.storage.get(mp._k)!).q[0]).toHaveLength(7);
  });

  it('a send the page lives to hear answered 2xx: those calls are 0 in the queue and in the saved copy, the rest kept', async () => {
    const b = leave((mp) => {
      mp.init('tok', { api_host: 'https://first.example' });
      mp.track('a');
      mp.people.set({ x: 1 });
      mp.track('b');
    });
    const mp = b.window.mixpanel;
    await new Promise((r) => setTimeout(r, 0)); // the answer
    // neither this page's library (the queue) nor a later page's (the blob) sends them again
    expect(mp[0]).toBe(0);
    expect(mp[2]).toBe(0);
    expect(mp[1]).toEqual(['people.set', { x: 1 }]);
    expect(JSON.parse(b.storage.get(mp._k)!).q[0]).toEqual([0, ['people.set', { x: 1 }], 0]);
    // a call made after that send goes out on the next hide, the delivered ones do not
    mp.track('c');
    b.fire('pagehide');
    expect(b.requests.map((r) => (r.data as any[]).map((e) => e.event))).toEqual([['a', 'b'], ['c']]);
  });

  for (const answer of [500, 'network'] as const)
    it(`a send answered ${answer === 500 ? '500' : 'by a network error'}: every call stays for a later page`, async () => {
      const b = leave(
        (mp) => {
          mp.init('tok', { api_host: 'https://first.example' });
          mp.track('a');
          mp.track('b');
        },
        { answer },
      );
      await new Promise((r) => setTimeout(r, 0));
      const mp = b.window.mixpanel;
      expect([mp[0][1], mp[1][1]]).toEqual(['a', 'b']);
      expect(JSON.parse(b.storage.get(mp._k)!).q[0].map((c: unknown[]) => c[1])).toEqual(['a', 'b']);
    });

  it("sends to Mixpanel's default host when the init names none, one request per instance", () => {
    const b = leave((mp) => {
      mp.init('tok');
      mp.init('tok2', { api_host: 'https://other.example' }, 'second');
      mp.track('a');
      mp.second.track('b');
    });
    expect(b.requests.map((r) => r.url)).toEqual(['https://api-js.mixpanel.com/track/?ip=1', 'https://other.example/track/?ip=1']);
    expect(b.requests.map((r) => (r.data as any[])[0].properties.token)).toEqual(['tok', 'tok2']);
  });

  it('falls back to sendBeacon where fetch has no keepalive (Firefox before 133)', () => {
    const b = leave(
      (mp) => {
        mp.init('tok', { api_host: 'https://first.example' });
        mp.track('a');
      },
      { noKeepalive: true },
    );
    expect(b.requests.map((r) => [r.via, r.url])).toEqual([['sendBeacon', 'https://first.example/track/?ip=1']]);
    expect((b.requests[0]!.data as any[]).map((e) => e.event)).toEqual(['a']);
  });

  it("takes a returning visitor's identity from the mixpanel-browser cookie, and writes none over it", () => {
    const entry = { distinct_id: 'user-9', $device_id: 'dev9', $user_id: 'user-9', plan: 'x' };
    const b = leave(
      (mp) => {
        mp.init('tok');
        mp.track('a');
      },
      // mixpanel-browser's cookie value is URI-encoded JSON; other cookies around it
      { cookie: `a=1; mp_tok_mixpanel=${encodeURIComponent(JSON.stringify(entry))}; z=2` },
    );
    expect((b.requests[0]!.data as any[])[0].properties).toMatchObject({ distinct_id: 'user-9', $device_id: 'dev9', $user_id: 'user-9' });
    expect(b.storage.has('mp_tok_mixpanel')).toBe(false);
  });

  it("sends the stored super properties, never the entry's own keys", () => {
    const entry = { distinct_id: 'd', $device_id: 'd', plan: 'pro', $initial_referrer: '$direct', __mps: { a: 1 }, __timers: { x: 1 } };
    const b = leave(
      (mp) => {
        mp.init('tok');
        mp.track('a', { plan: 'own' });
        mp.track('b');
      },
      { storage: new Map([['mp_tok_mixpanel', JSON.stringify(entry)]]) },
    );
    const [a, second] = (b.requests[0]!.data as any[]).map((e) => e.properties);
    expect(a).toMatchObject({ plan: 'own', $initial_referrer: '$direct' }); // the call's own values win
    expect(second).toMatchObject({ plan: 'pro', $initial_referrer: '$direct' });
    expect(Object.keys(second).filter((k) => k.startsWith('__'))).toEqual([]);
  });

  it("uses the library's stored identity, or stores a new one where the library reads it", () => {
    const stored = new Map([['mp_tok_mixpanel', JSON.stringify({ distinct_id: 'known', $device_id: 'dev1', plan: 'x' })]]);
    const known = leave(
      (mp) => {
        mp.init('tok');
        mp.track('a');
      },
      { storage: stored },
    );
    expect((known.requests[0]!.data as any[])[0].properties).toMatchObject({ distinct_id: 'known', $device_id: 'dev1' });

    const fresh = leave((mp) => {
      mp.init('tok');
      mp.track('a');
    });
    const sent = (fresh.requests[0]!.data as any[])[0].properties;
    expect(JSON.parse(fresh.storage.get('mp_tok_mixpanel')!)).toEqual({ distinct_id: sent.distinct_id, $device_id: sent.$device_id });
    expect(sent.distinct_id).toBe('$device:' + sent.$device_id);
  });

  it('gives events the last identify, as the library replays identify before every event', () => {
    const b = leave((mp) => {
      mp.init('tok');
      mp.track('before');
      mp.identify('user-7');
    });
    expect((b.requests[0]!.data as any[])[0].properties).toMatchObject({ distinct_id: 'user-7', $user_id: 'user-7' });
  });

  it('sends nothing for a visitor who opted out, was opted out by default, or asks not to be tracked', () => {
    const track = (config?: object) => (mp: any) => {
      mp.init('tok', config);
      mp.track('a');
    };
    expect(leave(track(), { storage: new Map([['__mp_opt_in_out_tok', '0']]) }).requests).toHaveLength(0);
    expect(leave(track(), { cookie: 'a=1; __mp_opt_in_out_tok=0; b=2' }).requests).toHaveLength(0);
    expect(leave(track({ opt_out_tracking_by_default: true })).requests).toHaveLength(0);
    expect(leave(track({ opt_out_tracking_by_default: true }), { cookie: '__mp_opt_in_out_tok=1' }).requests).toHaveLength(1);
    expect(leave(track(), { doNotTrack: '1' }).requests).toHaveLength(0);
    expect(leave(track({ ignore_dnt: true }), { doNotTrack: '1' }).requests).toHaveLength(1);
    expect(
      leave((mp) => {
        mp.init('tok');
        mp.track('a');
        mp.opt_out_tracking();
      }).requests,
    ).toHaveLength(0);
  });

  it('stores no new identity for a visitor who opted out or asks not to be tracked', () => {
    const track = (mp: any) => {
      mp.init('tok');
      mp.track('a');
    };
    expect(leave(track, { storage: new Map([['__mp_opt_in_out_tok', '0']]) }).storage.has('mp_tok_mixpanel')).toBe(false);
    expect(leave(track, { doNotTrack: '1' }).storage.has('mp_tok_mixpanel')).toBe(false);
    expect(leave(track).storage.has('mp_tok_mixpanel')).toBe(true);
  });

  it('leaves out events Mixpanel would refuse the batch for, and sends nothing without events', () => {
    const b = leave((mp) => {
      mp.init('tok');
      mp.track();
      mp.track('');
      // pushed by hand: only track and track_pageview are events, whatever an object's prototype has
      mp.push(['toString', 'not an event']);
      mp.push(['constructor', 'not an event']);
      mp.track('ok');
    });
    expect((b.requests[0]!.data as any[]).map((e) => e.event)).toEqual(['ok']);
    expect(
      leave((mp) => {
        mp.init('tok');
        mp.register({ a: 1 });
      }).requests,
    ).toHaveLength(0);
  });

  it('sends nothing once the library has run', () => {
    const ran = fakeBrowser();
    ran.run(code);
    ran.window.mixpanel.init('tok');
    ran.window.mixpanel.track('a');
    ran.libraryRuns();
    ran.hide();
    ran.fire('pagehide');
    expect(ran.requests).toHaveLength(0);
  });

  it('sends on a hide too (a mobile page may be killed in the background), each event once per page', () => {
    const b = fakeBrowser();
    b.run(code);
    const mp = b.window.mixpanel;
    mp.init('tok');
    mp.track('a');
    b.show();
    expect(b.requests).toHaveLength(0);
    b.hide();
    expect(b.requests.map((r) => (r.data as any[]).map((e) => e.event))).toEqual([['a']]);
    b.show();
    mp.track('b');
    b.hide();
    b.fire('pagehide'); // the page goes: its hide already sent everything
    expect(b.requests.map((r) => (r.data as any[]).map((e) => e.event))).toEqual([['a'], ['b']]);
  });

  it('sends and saves on beforeunload before `load` (all WebKit fires then), and stops listening to it at `load`', () => {
    const b = fakeBrowser();
    b.run(code);
    const mp = b.window.mixpanel;
    mp.init('tok');
    mp.track('a');
    b.fire('beforeunload');
    expect(b.requests).toHaveLength(1);
    expect(stubKeysOf(b.storage)).toHaveLength(1);
    b.fire('load'); // a beforeunload listener can keep the page out of the back/forward cache
    mp.track('b');
    b.fire('beforeunload');
    expect(b.requests).toHaveLength(1);
    b.fire('pagehide');
    expect(b.requests.map((r) => (r.data as any[]).map((e) => e.event))).toEqual([['a'], ['b']]);
  });

  it('never throws when storage or fetch fail', () => {
    expect(() =>
      leave(
        (mp) => {
          mp.init('tok');
          mp.track('a');
        },
        { storageThrows: true },
      ),
    ).not.toThrow();
    const b = fakeBrowser();
    b.run(code);
    b.window.fetch = () => {
      throw new TypeError('fetch blocked');
    };
    b.window.mixpanel.init('tok');
    b.window.mixpanel.track('a');
    expect(() => b.fire('pagehide')).not.toThrow();
    expect(stubKeysOf(b.storage)).toHaveLength(1);
  });
});

const stubKeysOf = (storage: Map<string, string>) => [...storage.keys()].filter((k) => k.startsWith(STUB_STORAGE_KEY + ':'));
