import { beforeAll, describe, expect, it } from 'vitest';
import { STUB_STORAGE_KEY, RETENTION_MS } from '../../../src/constants';
import { installLibrary } from '../../../src/cdn/install';
import type { ErrorReport } from '../../../src/utils/report';
import { buildSnippet } from './build-snippet';
import { fakeBrowser, plain } from './fake-browser';
import { deferred, fakeLibrary, flush } from './fake-library';

let code = '';
beforeAll(async () => {
  code = await buildSnippet();
}, 60_000);

const KEY = (id: string) => `${STUB_STORAGE_KEY}:${id}`;

/** Storage keys besides the identity (`mp_<token>_mixpanel`) the stub stores for the library at init. */
const notIdentity = (storage: Map<string, string>) => [...storage.keys()].filter((k) => !k.startsWith('mp_'));

/** A page with the real snippet, the stub ready for calls, and storage shared with other "pages". */
function pageWithStub(storage = new Map<string, string>()) {
  const browser = fakeBrowser({ storage });
  browser.run(code);
  return { browser, mp: browser.window.mixpanel, storage };
}

function install(browser: ReturnType<typeof fakeBrowser>, fake: ReturnType<typeof fakeLibrary>, settleFallbackMs = 5) {
  return installLibrary(browser.window, fake.create, { storage: browser.window.localStorage, settleFallbackMs });
}

/** Method names the fake library received, per instance. */
const calls = (fake: ReturnType<typeof fakeLibrary>, instance = 'mixpanel') => fake.log.filter(([i]) => i === instance).map(([, m]) => m);

describe("replaying this page's stub", () => {
  it('inits, then replays alias, other calls and functions, then tracking calls', () => {
    const { browser, mp } = pageWithStub();
    const seen: unknown[] = [];
    mp.init('tok');
    mp.track('first');
    mp.register({ plan: 'pro' });
    mp.alias('new-id');
    mp.push(function (this: unknown, instance: unknown) {
      seen.push(this, instance);
    });
    mp.identify('u1');
    mp.people.set({ a: 1 });
    mp.opt_out_tracking();
    mp.track_pageview({ page: 'x' });
    const fake = fakeLibrary();
    install(browser, fake);
    expect(calls(fake)).toEqual(['init', 'alias', 'register', 'identify', 'people.set', 'track', 'opt_out_tracking', 'track_pageview']);
    expect(seen).toEqual([fake.lib, fake.lib]);
    const track = fake.log.find(([, m]) => m === 'track')!;
    expect(track[2][0]).toBe('first');
    expect((track[2][1] as Record<string, unknown>).$insert_id).toMatch(/^[0-9a-z]{12,16}$/);
  });

  it('replays calls made on the default stub before any init after that init', () => {
    const { browser, mp } = pageWithStub();
    mp.track('early');
    mp.identify('u1');
    mp.init('tok');
    const fake = fakeLibrary();
    install(browser, fake);
    expect(calls(fake)).toEqual(['init', 'identify', 'track']);
  });

  it("sends a named instance's calls to that instance", () => {
    const { browser, mp } = pageWithStub();
    mp.init('tok');
    mp.init('tok2', {}, 'other');
    mp.other.track('to other');
    mp.other.people.increment('n', 1);
    mp.track('to default');
    const fake = fakeLibrary();
    const lib = install(browser, fake)!;
    expect(calls(fake, 'other')).toEqual(['init', 'people.increment', 'track']);
    expect(calls(fake, 'mixpanel')).toEqual(['init', 'track']);
    expect(lib.other).toBeDefined();
    expect((browser.window.mixpanel as Record<string, unknown>).other).toBe(lib.other);
  });

  it('becomes window.mixpanel, marked __loaded, so the snippet stops loading and saving', () => {
    const { browser, mp } = pageWithStub();
    mp.init('tok');
    const fake = fakeLibrary();
    const lib = install(browser, fake);
    expect(browser.window.mixpanel).toBe(lib);
    expect(lib!.__loaded).toBe(true);
    browser.fire('pagehide');
    expect(notIdentity(browser.storage)).toEqual([]);
  });

  it('does nothing when the library is already loaded (loaded twice)', () => {
    const browser = fakeBrowser();
    const first = { __loaded: true };
    browser.window.mixpanel = first;
    const fake = fakeLibrary();
    expect(install(browser, fake)).toBe(first);
    expect(fake.created).toBe(0);
    expect(browser.window.mixpanel).toBe(first);
  });

  it('works without any stub (plain script tag)', () => {
    const browser = fakeBrowser();
    const fake = fakeLibrary();
    expect(install(browser, fake)).toBe(fake.lib);
    expect(browser.window.mixpanel).toBe(fake.lib);
  });

  it('keeps going when a replayed call throws or names an unknown method', () => {
    const { browser, mp } = pageWithStub();
    const reports: ErrorReport[] = [];
    mp.init('tok', { on_error: (r: ErrorReport) => reports.push(r) });
    mp.push(() => {
      throw new Error('page bug');
    });
    mp.push(['no_such_method', 1]);
    mp.track('still sent');
    const fake = fakeLibrary();
    install(browser, fake);
    expect(calls(fake)).toEqual(['init', 'track']);
    expect(reports.map((r) => r.code)).toEqual(['invalid_call', 'invalid_call']);
  });

  it("removes this page's saved calls only once they are durable", async () => {
    const { browser, mp, storage } = pageWithStub();
    mp.init('tok');
    mp.track('a');
    browser.hide(); // saved while the library was still on its way
    const ownKey = mp._k as string;
    expect(storage.has(ownKey)).toBe(true);
    const gate = deferred();
    const fake = fakeLibrary({ settle: () => gate.promise });
    install(browser, fake);
    expect(calls(fake)).toEqual(['init', 'track']); // replayed once, from the live stub, not again from storage
    await flush();
    expect(storage.has(ownKey)).toBe(true);
    gate.resolve();
    await flush();
    expect(storage.has(ownKey)).toBe(false);
  });

  it('falls back to a short wait when instances have no _settle', async () => {
    const { browser, mp, storage } = pageWithStub();
    mp.init('tok');
    mp.track('a');
    browser.fire('pagehide');
    install(browser, fakeLibrary({ noSettle: true }), 20);
    await flush();
    expect(storage.has(mp._k)).toBe(true);
    await new Promise((r) => setTimeout(r, 40));
    expect(storage.has(mp._k)).toBe(false);
  });
});

describe('replaying calls saved by earlier pages', () => {
  /** A blob as the snippet writes it: q[k] is the queue of the instance that inits[k] names. */
  const saved = (t: number, inits: Array<[string, unknown, string]>, queues: Record<string, unknown>) =>
    JSON.stringify({ t, i: inits, q: inits.map(([, , name]) => queues[name]) });

  it("replays a saved blob into the instance with the same token, before this page's calls, and removes it after settle", async () => {
    const storage = new Map<string, string>();
    const earlier = { time: 1_700_000_000.123, $insert_id: 'a'.repeat(32) };
    storage.set(
      KEY('p1'),
      saved(Date.now() - 1000, [['tok', {}, 'mixpanel']], {
        mixpanel: [['track', 'from earlier page', earlier], ['identify', 'u0'], null],
      }),
    );
    const { browser, mp } = pageWithStub(storage);
    mp.init('tok');
    mp.track('this page');
    const gate = deferred();
    const fake = fakeLibrary({ settle: () => gate.promise });
    install(browser, fake);
    expect(fake.log.map(([, m, args]) => [m, args[0]])).toEqual([
      ['init', 'tok'],
      ['identify', 'u0'],
      ['track', 'from earlier page'],
      ['track', 'this page'],
    ]);
    expect(plain(fake.log[2]![2][1])).toEqual(earlier); // original time and $insert_id
    await flush();
    expect(storage.has(KEY('p1'))).toBe(true);
    gate.resolve();
    await flush();
    expect(storage.has(KEY('p1'))).toBe(false);
  });

  it('replays what a page that never got the library saved on pagehide, on the next page', async () => {
    const storage = new Map<string, string>();
    const first = pageWithStub(storage);
    first.mp.init('tok');
    first.mp.init('tok2', {}, 'side');
    first.mp.identify('u1');
    first.mp.track('lost without the blob', { n: 1 });
    first.mp.side.people.set('k', 'v');
    first.browser.fire('pagehide'); // the user leaves before the library arrived
    const insertId = first.mp[1][2].$insert_id;

    const second = pageWithStub(storage);
    second.mp.init('tok');
    second.mp.init('tok2', {}, 'side');
    second.mp.track('second page');
    const fake = fakeLibrary();
    install(second.browser, fake);
    expect(fake.log.map(([i, m, a]) => `${i}:${m}:${a[0]}`)).toEqual([
      'mixpanel:init:tok',
      'side:init:tok2',
      'mixpanel:identify:u1',
      'mixpanel:track:lost without the blob',
      'side:people.set:k',
      'mixpanel:track:second page',
    ]);
    expect((fake.log[3]![2][1] as Record<string, unknown>).$insert_id).toBe(insertId);
    await flush();
    // the blob is gone; what was taken from it stays noted, in case its page is still open
    // (the mp_ keys are the identity the first page's stub stored for the library, sending on its way out)
    expect(notIdentity(storage)).toEqual([first.mp._k.replace(':', '-taken:')]);
  });

  it('replays only tracking calls from storage, looked up as own methods: never configuration', async () => {
    const storage = new Map<string, string>();
    // what a script of the origin could write: configuration, inherited names, a redirecting init
    const poisoned = [
      ['set_config', { api_host: 'https://evil.example' }],
      ['opt_in_tracking'],
      ['reset'],
      ['init', 'tok', { api_host: 'https://evil.example' }, 'x'],
      ['constructor', 'x'],
      ['__proto__.set_config', { api_host: 'https://evil.example' }],
      ['toString'],
      ['people.constructor'],
      ['track', 'kept', { $insert_id: 'i1' }],
      ['people.set', 'k', 'v'],
    ];
    storage.set(
      `${STUB_STORAGE_KEY}:poisoned`,
      JSON.stringify({ t: Date.now(), i: [['tok', { api_host: 'https://evil.example' }]], q: [poisoned] }),
    );
    const { browser, mp } = pageWithStub(storage);
    mp.init('tok');
    mp.set_config({ debug: true }); // this page's own call is the page's wish, and replays
    const fake = fakeLibrary();
    install(browser, fake);
    expect(calls(fake)).toEqual(['init', 'people.set', 'track', 'set_config']);
    expect(fake.log.find(([, m]) => m === 'set_config')![2]).toEqual([{ debug: true }]);
    expect(fake.log.find(([, m]) => m === 'init')![2]).toEqual(['tok']); // the saved init's options are never used
    await flush();
  });

  it("replays a saved Group update (mixpanel-browser's chained pair) from storage, but no other chained call", async () => {
    const storage = new Map<string, string>();
    const saved = [
      [
        ['get_group', 'company', 'acme'],
        ['set', 'plan', 'pro'],
      ],
      [
        ['get_group', 'company', 'acme'],
        ['set_config', { api_host: 'https://evil.example' }],
      ],
      [
        ['set_config', { api_host: 'https://evil.example' }],
        ['track', 'x'],
      ],
      [['get_group', 'company', 'acme'], 'set'],
    ];
    storage.set(`${STUB_STORAGE_KEY}:groups`, JSON.stringify({ t: Date.now(), i: [['tok']], q: [saved] }));
    const { browser, mp } = pageWithStub(storage);
    mp.init('tok');
    const fake = fakeLibrary();
    install(browser, fake);
    expect(fake.log.filter(([, m]) => m !== 'init')).toEqual([['mixpanel', 'get_group.set', ['company', 'acme', 'plan', 'pro']]]);
    await flush();
  });

  it('a page still open whose saved calls another page replayed skips them when its library arrives, and so does a third page', async () => {
    const storage = new Map<string, string>();
    // A hides (another tab comes to the front) while its library is still on its way
    const a = pageWithStub(storage);
    a.mp.init('tok');
    a.mp.track('a1');
    a.mp.people.increment('visits', 1);
    a.browser.hide();

    // B gets the library and replays A's saved calls
    const b = pageWithStub(storage);
    b.mp.init('tok');
    const fakeB = fakeLibrary();
    install(b.browser, fakeB);
    expect(calls(fakeB)).toEqual(['init', 'people.increment', 'track']);
    await flush();

    // A makes one more call and hides again: its blob is rewritten with every call
    a.mp.track('a2');
    a.browser.hide();
    // C replays only what nobody took yet
    const c = pageWithStub(storage);
    c.mp.init('tok');
    const fakeC = fakeLibrary();
    install(c.browser, fakeC);
    expect(fakeC.log.map(([, m, args]) => `${m}:${args[0]}`)).toEqual(['init:tok', 'track:a2']);
    await flush();

    // A's library finally arrives: it has nothing left of its own to send, the increment is counted once
    const fakeA = fakeLibrary();
    install(a.browser, fakeA);
    expect(calls(fakeA)).toEqual(['init']);
    await flush();
    expect(notIdentity(storage)).toEqual([]);
  });

  it('removes a note of taken calls once it is past retention', () => {
    const storage = new Map<string, string>();
    storage.set(`${STUB_STORAGE_KEY}-taken:old`, JSON.stringify({ t: Date.now() - RETENTION_MS - 1000, n: { mixpanel: 3 } }));
    storage.set(`${STUB_STORAGE_KEY}-taken:new`, JSON.stringify({ t: Date.now(), n: { mixpanel: 3 } }));
    storage.set(`${STUB_STORAGE_KEY}-taken:garbage`, '{');
    const { browser, mp } = pageWithStub(storage);
    mp.init('tok');
    install(browser, fakeLibrary());
    expect(notIdentity(storage)).toEqual([`${STUB_STORAGE_KEY}-taken:new`]);
  });

  it('routes saved named-instance calls by token, whatever the instance is called here', () => {
    const storage = new Map<string, string>();
    storage.set(
      KEY('p1'),
      saved(
        Date.now(),
        [
          ['tok', {}, 'mixpanel'],
          ['tok2', {}, 'side'],
        ],
        { mixpanel: [['track', 'd']], side: [['track', 's']] },
      ),
    );
    const { browser, mp } = pageWithStub(storage);
    mp.init('tok2'); // here tok2 is the default instance
    const fake = fakeLibrary();
    install(browser, fake);
    expect(fake.log.map(([i, m, a]) => `${i}:${m}:${a[0]}`)).toEqual(['mixpanel:init:tok2', 'mixpanel:track:s']);
  });

  it('keeps blobs for a token this page does not init, and rewrites mixed blobs without what was replayed', async () => {
    const storage = new Map<string, string>();
    storage.set(KEY('absent'), saved(Date.now(), [['other-token', {}, 'mixpanel']], { mixpanel: [['track', 'x']] }));
    storage.set(
      KEY('mixed'),
      saved(
        Date.now(),
        [
          ['tok', {}, 'mixpanel'],
          ['other-token', {}, 'two'],
        ],
        { mixpanel: [['track', 'mine']], two: [['track', 'theirs']] },
      ),
    );
    const before = storage.get(KEY('absent'));
    const { browser, mp } = pageWithStub(storage);
    mp.init('tok');
    const fake = fakeLibrary();
    install(browser, fake);
    expect(fake.log.map(([, m, a]) => `${m}:${a[0]}`)).toEqual(['init:tok', 'track:mine']);
    await flush();
    expect(storage.get(KEY('absent'))).toBe(before);
    const mixed = JSON.parse(storage.get(KEY('mixed'))!);
    expect(mixed.i).toEqual([['other-token', {}, 'two']]);
    expect(mixed.q).toEqual([[['track', 'theirs']]]);
  });

  it('replays a kept blob when its token is initialised later on this page, once', async () => {
    const storage = new Map<string, string>();
    storage.set(KEY('p1'), saved(Date.now(), [['late', {}, 'mixpanel']], { mixpanel: [['track', 'old']] }));
    const browser = fakeBrowser({ storage });
    const fake = fakeLibrary();
    const lib = install(browser, fake)!;
    expect(calls(fake)).toEqual([]);
    lib.init('late', {}, 'named');
    lib.init('late', {}, 'again');
    expect(fake.log.map(([i, m, a]) => `${i}:${m}:${a[0]}`)).toEqual(['named:init:late', 'named:track:old', 'again:init:late']);
    await flush();
    expect(storage.has(KEY('p1'))).toBe(false);
  });

  it('removes corrupt blobs and reports them once', async () => {
    const storage = new Map<string, string>();
    storage.set(KEY('bad-json'), '{"i":[');
    storage.set(KEY('bad-shape'), '{"i":[],"q":{}}');
    storage.set(KEY('null'), 'null');
    storage.set('unrelated', 'left alone');
    const { browser, mp } = pageWithStub(storage);
    const reports: ErrorReport[] = [];
    mp.init('tok', { on_error: (r: ErrorReport) => reports.push(r) });
    install(browser, fakeLibrary());
    expect(notIdentity(storage)).toEqual(['unrelated']);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ code: 'dropped', reason: 'corrupt', count: 3 });
  });

  it('drops blobs past the retention window and reports them', () => {
    const storage = new Map<string, string>();
    storage.set(
      KEY('old'),
      saved(Date.now() - RETENTION_MS - 1000, [['tok', {}, 'mixpanel']], {
        mixpanel: [
          ['track', 'stale'],
          ['track', 'stale2'],
        ],
      }),
    );
    const { browser, mp } = pageWithStub(storage);
    const reports: ErrorReport[] = [];
    mp.init('tok', { on_error: (r: ErrorReport) => reports.push(r) });
    const fake = fakeLibrary();
    install(browser, fake);
    expect(calls(fake)).toEqual(['init']);
    expect(storage.has(KEY('old'))).toBe(false);
    expect(reports[0]).toMatchObject({ code: 'dropped', reason: 'retention', count: 2 });
  });

  it('keeps a blob whose calls could not be made durable', async () => {
    const storage = new Map<string, string>();
    storage.set(KEY('p1'), saved(Date.now(), [['tok', {}, 'mixpanel']], { mixpanel: [['track', 'x']] }));
    const { browser, mp } = pageWithStub(storage);
    mp.init('tok');
    install(browser, fakeLibrary({ settle: () => Promise.reject(new Error('outbox down')) }));
    await flush();
    expect(storage.has(KEY('p1'))).toBe(true);
  });

  it('replays older blobs first', () => {
    const storage = new Map<string, string>();
    storage.set(KEY('newer'), saved(2_000, [['tok', {}, 'mixpanel']], { mixpanel: [['identify', 'newer']] }));
    storage.set(KEY('older'), saved(1_000, [['tok', {}, 'mixpanel']], { mixpanel: [['identify', 'older']] }));
    const browser = fakeBrowser({ storage });
    browser.run(code);
    browser.window.mixpanel.init('tok');
    const fake = fakeLibrary();
    installLibrary(browser.window, fake.create, { storage: browser.window.localStorage, settleFallbackMs: 5, now: () => 3_000 });
    expect(fake.log.filter(([, m]) => m === 'identify').map(([, , a]) => a[0])).toEqual(['older', 'newer']);
  });
});
