import { beforeAll, describe, expect, it } from 'vitest';
import { STUB_STORAGE_KEY } from '../../../src/constants';
import { buildSnippet } from './build-snippet';
import { fakeBrowser, plain, type FakeBrowserOptions } from './fake-browser';

let code = '';
beforeAll(async () => {
  code = await buildSnippet();
}, 60_000);

const PRIMARY = 'https://cdn.outlast.dev/mixpanel.min.js';
const ALTERNATE = 'https://cdn2.outlast.dev/mixpanel.min.js';

function page(options: FakeBrowserOptions = {}) {
  const b = fakeBrowser(options);
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
    expect(track[2].$insert_id).toMatch(/^[0-9a-f]{32}$/);
    expect(track[3]).toEqual({ transport: 'beacon' });
    expect(pageview[1].page).toBe('home');
    expect(pageview[1].$insert_id).toMatch(/^[0-9a-f]{32}$/);
    expect(bare[2].$insert_id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set([track[2].$insert_id, pageview[1].$insert_id, bare[2].$insert_id]).size).toBe(3);
  });

  it('keeps a caller-supplied time and $insert_id', () => {
    const mp = page().window.mixpanel;
    mp.track('imported', { time: 1700000000, $insert_id: 'mine' });
    expect(plain(mp[0][2])).toEqual({ time: 1700000000, $insert_id: 'mine' });
  });

  it('falls back to Math.random without Web Crypto', () => {
    const mp = page({ noCrypto: true }).window.mixpanel;
    mp.track('x');
    expect(mp[0][2].$insert_id).toMatch(/^[0-9a-f]{32}$/);
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

    const b2 = fakeBrowser({ readyState: 'complete' });
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

  it('tries MIXPANEL_LIB_URLS in order, then MIXPANEL_CUSTOM_LIB_URL, then the built-in list', () => {
    const b = page({
      readyState: 'complete',
      globals: {
        MIXPANEL_LIB_URLS: ['https://a.example/lib.js', 'https://b.example/lib.js'],
        MIXPANEL_CUSTOM_LIB_URL: 'https://custom.example/lib.js',
      },
    });
    for (let i = 0; i < 4; i++) b.scripts[i]!.onerror!();
    expect(b.scripts.map((s) => s.src)).toEqual([
      'https://a.example/lib.js',
      'https://b.example/lib.js',
      'https://custom.example/lib.js',
      PRIMARY,
      ALTERNATE,
    ]);
    b.scripts[4]!.onerror!();
    expect(b.scripts).toHaveLength(5); // nothing left to try
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
    const b = page({ readyState: 'complete', globals: { MIXPANEL_LIB_URLS: ['https://portal.example/login'] } });
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
    expect(keys[0]).toMatch(new RegExp(`^${STUB_STORAGE_KEY}:[0-9a-f]{32}$`));
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
    const blob = JSON.parse([...b.storage.values()][0]!);
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
