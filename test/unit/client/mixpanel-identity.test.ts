// Identity and persistence as mixpanel-browser 2.83 keeps them (issue 14 item 3). Each case cites the
// function of node_modules/mixpanel-browser/src it follows.
import { afterEach, describe, expect, it } from 'vitest';
import { createLibrary } from '../../../src/client/library';
import { cookieDomain } from '../../../src/client/storage';
import { cookieJar, fakeBrowser, fakePipelines, memoryStorage, removeBrowser, setup, tick } from './fake-browser';

afterEach(removeBrowser);

const stored = (jar: ReturnType<typeof cookieJar>, name = 'mp_tok_mixpanel') => JSON.parse(decodeURIComponent(jar.values.get(name)!));
const cookieOf = (entry: object) => encodeURIComponent(JSON.stringify(entry));

/** A second page (or tab) of the same browser: same cookies and localStorage, a new library. */
function page(browser: ReturnType<typeof fakeBrowser>) {
  const pipes = fakePipelines();
  return { lib: createLibrary({ createPipeline: pipes.factory }), pipes, browser };
}

describe('cookie domain: extract_domain in mixpanel-browser utils.js', () => {
  it.each([
    ['my.sub.example.com', '.example.com'],
    ['www.example.org', '.example.org'],
    ['www.oxford.ac.uk', '.oxford.ac.uk'],
    ['shop.example.co.uk', '.example.co.uk'],
    ['app.example.io', '.example.io'],
    ['a.b.example.photography', '.example.photography'],
    ['www.shop.test', '.shop.test'],
    // a one-letter label is too short for its ccSLD rule: the public suffix, which the browser refuses (then host-only)
    ['www.x.co.uk', '.co.uk'],
    ['localhost', ''],
    ['127.0.0.1', ''],
    ['[::1]', ''],
  ])('%s → %s', (host, domain) => {
    expect(cookieDomain(host)).toBe(domain);
  });

  it('www. and app. of one site share one visitor through the default cookie', () => {
    const jar = cookieJar();
    const www = setup({ cookies: jar, url: 'https://www.example.com/' });
    www.lib.init('tok');
    const id = www.lib.get_distinct_id();
    expect(jar.writes.at(-1)).toMatch(/^mp_tok_mixpanel=.*; path=\/; domain=\.example\.com; SameSite=Lax; Secure$/);
    removeBrowser();
    const app = setup({ cookies: jar, url: 'https://app.example.com/' });
    app.lib.init('tok');
    expect(app.lib.get_distinct_id()).toBe(id);
  });
});

describe('cookie options: MixpanelPersistence and _.cookie.set', () => {
  it('cookie_name names the entry when persistence_name is empty (set_config)', () => {
    const jar = cookieJar();
    setup({ cookies: jar }).lib.init('tok', { cookie_name: 'legacy' });
    expect([...jar.values.keys()]).toEqual(['mp_legacy']);
  });

  it('every page writes the cookie again, so that it expires a year after the last visit (save() in the constructor)', () => {
    const jar = cookieJar();
    setup({ cookies: jar }).lib.init('tok');
    removeBrowser();
    jar.writes.length = 0;
    setup({ cookies: jar }).lib.init('tok');
    expect(jar.writes.filter((w) => w.startsWith('mp_tok_mixpanel=') && / expires=/.test(w)).length).toBeGreaterThan(0);
  });

  it('cross_site_cookie writes SameSite=None; Secure', () => {
    const jar = cookieJar();
    setup({ cookies: jar, url: 'http://shop.example.com/' }).lib.init('tok', { cross_site_cookie: true });
    expect(jar.writes.at(-1)).toMatch(/; SameSite=None; Secure$/);
  });

  it('disable_cookie keeps the identity in memory and removes what was stored (set_disabled)', () => {
    const jar = cookieJar();
    jar.values.set('mp_tok_mixpanel', cookieOf({ distinct_id: 'kept-id', plan: 'pro' }));
    const { lib, pipes } = setup({ cookies: jar });
    lib.init('tok', { disable_cookie: true });
    lib.register({ more: 1 });
    lib.track('x');
    expect(pipes.events('x')[0]!.properties).toMatchObject({ distinct_id: 'kept-id', plan: 'pro', more: 1 });
    expect(jar.values.has('mp_tok_mixpanel')).toBe(false);
  });

  it('moving to localStorage takes the cookie over and deletes it (upgrade)', () => {
    const jar = cookieJar();
    jar.values.set('mp_tok_mixpanel', cookieOf({ distinct_id: 'cookie-id', $device_id: 'd1', plan: 'pro' }));
    const { lib, env } = setup({ cookies: jar });
    lib.init('tok', { persistence: 'localStorage' });
    expect(lib.get_distinct_id()).toBe('cookie-id');
    expect(jar.values.has('mp_tok_mixpanel')).toBe(false);
    expect(JSON.parse(env!.storage.getItem('mp_tok_mixpanel')!)).toMatchObject({ distinct_id: 'cookie-id', plan: 'pro' });
  });
});

describe('an existing mixpanel-browser visitor continues', () => {
  const entry = {
    distinct_id: '$device:18f0c2a1-aaaa',
    $device_id: '18f0c2a1-aaaa',
    $initial_referrer: '$direct',
    plan: 'pro',
    __mps: { name: 'Ada' },
    __mpso: {},
    __mpus: {},
    __mpa: { logins: 2 },
    __mpu: {},
    __mpr: [],
    __mpap: [],
    __timers: { Checkout: 0 },
  };

  it('with its ids and super properties, and no internal key in events', () => {
    const jar = cookieJar();
    jar.values.set('mp_tok_mixpanel', cookieOf({ ...entry, __timers: { Checkout: Date.now() - 4000 } }));
    const { lib, pipes } = setup({ cookies: jar });
    lib.init('tok');
    lib.track('Checkout');
    const p = pipes.events('Checkout')[0]!.properties;
    expect(p).toMatchObject({ distinct_id: entry.distinct_id, $device_id: entry.$device_id, plan: 'pro', $initial_referrer: '$direct' });
    // the timer mixpanel-browser started (time_event) ends here
    expect(p.$duration).toBeGreaterThanOrEqual(4);
    expect(Object.keys(p).filter((k) => k.startsWith('__'))).toEqual([]);
    // what Outlast writes back, mixpanel-browser can read: the queues stay as they were
    expect(stored(jar)).toMatchObject({ __mps: { name: 'Ada' }, __mpa: { logins: 2 }, plan: 'pro' });
    expect(stored(jar).__timers).toBeUndefined();
  });

  it('and its people updates queued before identify() are sent once, to the identified user (MixpanelPeople._flush)', () => {
    const jar = cookieJar();
    jar.values.set('mp_tok_mixpanel', cookieOf(entry));
    const { lib, pipes } = setup({ cookies: jar });
    lib.init('tok');
    lib.identify('ada@example.com');
    const engage = pipes.sent.filter((s) => s.ep === 'engage').map((s) => s.body);
    // in _flush's order: $set, then $set_once (the first referrer this page's init queued, _loaded), then $add
    expect(engage).toHaveLength(3);
    expect(engage[0]).toMatchObject({ $distinct_id: 'ada@example.com', $user_id: 'ada@example.com', $set: { name: 'Ada' } });
    expect(engage[1]).toMatchObject({ $distinct_id: 'ada@example.com', $set_once: { $initial_referrer: '$direct' } });
    expect(engage[2]).toMatchObject({ $distinct_id: 'ada@example.com', $add: { logins: 2 } });
    expect(stored(jar).__mps).toBeUndefined();
    lib.identify('ada@example.com');
    expect(pipes.sent.filter((s) => s.ep === 'engage')).toHaveLength(3);
  });

  it('an older anonymous id (no $device: prefix, no $device_id) is merged by $identify (identify)', () => {
    const jar = cookieJar();
    jar.values.set('mp_tok_mixpanel', cookieOf({ distinct_id: '17a8f3c9b1d-0e6b-4d5a' }));
    const { lib, pipes } = setup({ cookies: jar });
    lib.init('tok');
    lib.identify('u1');
    const [event] = pipes.events('$identify');
    expect(event!.properties).toMatchObject({
      distinct_id: 'u1',
      $anon_distinct_id: '17a8f3c9b1d-0e6b-4d5a',
      $device_id: '17a8f3c9b1d-0e6b-4d5a',
      $had_persisted_distinct_id: true,
      $user_id: 'u1',
    });
  });
});

describe('two tabs never overwrite each other (MixpanelPersistence.load before every register)', () => {
  it("one tab's register() keeps the other tab's identify(), and the other tab's time_event()", () => {
    const browser = fakeBrowser();
    const a = page(browser);
    const b = page(browser);
    a.lib.init('tok');
    b.lib.init('tok');
    a.lib.identify('user-a');
    b.lib.time_event('Upload');
    b.lib.register({ theme: 'dark' });
    a.lib.register({ plan: 'pro' });
    const entry = stored(browser.cookies);
    expect(entry).toMatchObject({ distinct_id: 'user-a', $user_id: 'user-a', theme: 'dark', plan: 'pro' });
    expect(Object.keys(entry.__timers)).toEqual(['Upload']);
    expect(b.lib.get_distinct_id()).toBe('user-a');
  });

  it('people updates queued by two tabs before identify() both wait, and both reach the user (_add_to_people_queue loads first)', () => {
    const browser = fakeBrowser();
    const a = page(browser);
    const b = page(browser);
    a.lib.init('tok');
    b.lib.init('tok');
    a.lib.people.set({ plan: 'pro' });
    b.lib.people.set({ theme: 'dark' });
    a.lib.people.increment('logins');
    expect(stored(browser.cookies)).toMatchObject({ __mps: { plan: 'pro', theme: 'dark' }, __mpa: { logins: 1 } });
    b.lib.identify('user-ab');
    const bodies = b.pipes.sent.filter((s) => s.ep === 'engage').map((s) => s.body);
    expect(bodies.find((body) => body.$set)!.$set).toMatchObject({ plan: 'pro', theme: 'dark' });
    expect(bodies.find((body) => body.$add)!.$add).toEqual({ logins: 1 });
  });

  it("one tab's reset() is not undone by the other tab's next change", () => {
    const browser = fakeBrowser();
    const a = page(browser);
    const b = page(browser);
    a.lib.init('tok');
    a.lib.identify('user-a');
    a.lib.register({ plan: 'pro' });
    b.lib.init('tok');
    a.lib.reset();
    b.lib.register({ theme: 'dark' });
    const entry = stored(browser.cookies);
    expect(entry.distinct_id).toMatch(/^\$device:/);
    expect(entry).not.toHaveProperty('plan');
    expect(entry).not.toHaveProperty('$user_id');
    expect(entry.theme).toBe('dark');
  });
});

describe('people before identify (MixpanelPersistence._add_to_people_queue)', () => {
  it('wait in persistence merged as mixpanel-browser merges them, answer -1, and go to the user on identify', async () => {
    const { lib, pipes, env } = setup();
    lib.init('tok');
    const statuses: number[] = [];
    lib.people.increment('credits', 5);
    lib.people.increment('credits', 2);
    lib.people.set({ plan: 'pro' }, (s) => statuses.push(s));
    lib.people.set('visits', 1);
    lib.people.increment('visits', 2); // added onto the waiting $set
    lib.people.unset('plan'); // cancels the waiting $set of plan
    lib.people.union('tags', ['a', 'b']);
    lib.people.union('tags', ['b', 'c']);
    lib.people.append('log', 'first');
    lib.people.append('log', 'second');
    lib.people.delete_user();
    await tick();
    expect(pipes.sent.filter((s) => s.ep === 'engage')).toHaveLength(0);
    expect(statuses).toEqual([-1]);
    const entry = stored(env!.cookies);
    expect(entry.__mps).toMatchObject({ visits: 3 });
    expect(entry.__mps).not.toHaveProperty('plan');
    expect(entry.__mpa).toEqual({ credits: 7 });
    expect(entry.__mpus).toEqual({ plan: true });
    expect(entry.__mpu).toEqual({ tags: ['a', 'b', 'c'] });
    expect(entry.__mpap).toEqual([{ log: 'first' }, { log: 'second' }]);

    lib.identify('u1');
    const bodies = pipes.sent.filter((s) => s.ep === 'engage').map((s) => s.body);
    const actions = bodies.map((b) => Object.keys(b).find((k) => /^\$(set|set_once|unset|add|union|append|remove)$/.test(k)));
    // the $set_once is the first referrer this page's init queued (_loaded: people.set_once(get_referrer_info()))
    expect(actions).toEqual(['$set', '$set_once', '$unset', '$add', '$union', '$append', '$append']);
    for (const b of bodies) expect(b).toMatchObject({ $distinct_id: 'u1', $user_id: 'u1' });
    expect(bodies[0]!.$set).toMatchObject({ visits: 3 });
    expect(bodies[1]!.$set_once).toEqual({ $initial_referrer: '$direct', $initial_referring_domain: '$direct' });
    expect(bodies[2]!.$unset).toEqual(['plan']);
    // the last queued $append first, as mixpanel-browser pops them
    expect(bodies.slice(5).map((b) => b.$append)).toEqual([{ log: 'second' }, { log: 'first' }]);
    // after identify, updates go at once
    lib.people.set({ now: true });
    expect(pipes.sent.at(-1)!.body.$set).toMatchObject({ now: true });
  });

  it('wait again after reset()', () => {
    const { lib, pipes } = setup();
    lib.init('tok');
    lib.identify('u1');
    // identify() sent the first referrer queued at init; nothing after reset() goes
    const before = pipes.sent.filter((s) => s.ep === 'engage').length;
    expect(before).toBe(1);
    lib.reset();
    lib.people.set({ a: 1 });
    expect(pipes.sent.filter((s) => s.ep === 'engage')).toHaveLength(before);
  });
});

describe('alias (MixpanelLib.alias)', () => {
  it('sends $create_alias, keeps the distinct_id, and identifies as the alias', () => {
    const { lib, pipes } = setup();
    lib.init('tok');
    const anon = lib.get_distinct_id()!;
    lib.alias('new-user');
    expect(pipes.events().map((e) => e.event)).toEqual(['$create_alias', '$identify']);
    expect(pipes.events('$create_alias')[0]!.properties).toMatchObject({ alias: 'new-user', distinct_id: anon });
    expect(pipes.events('$identify')[0]!.properties).toMatchObject({ distinct_id: 'new-user', $anon_distinct_id: anon });
    // identify(alias) does not replace the distinct_id while it is the alias just made
    expect(lib.get_distinct_id()).toBe(anon);
    expect(lib.get_property('$user_id')).toBe('new-user');
    lib.identify('someone-else');
    expect(lib.get_distinct_id()).toBe('someone-else');
  });
});

describe("mixpanel-browser's unsent queues (get_batcher_configs, RequestQueue.enqueue)", () => {
  const queued = (payload: object, id = 'q1') => ({ id, flushAfter: Date.now() + 10_000, payload });

  it('are enqueued once at init, keeping each $insert_id, and their keys removed', () => {
    const storage = memoryStorage();
    const event = { event: 'Signed up', properties: { token: 'tok', distinct_id: 'd1', $insert_id: 'abc123', time: 1700000000.5 } };
    const update = { $token: 'tok', $distinct_id: 'd1', $set: { plan: 'pro' } };
    storage.setItem(
      '__mpq_tok_ev',
      JSON.stringify([queued(event), 'garbage', queued({ event: 'Second', properties: { $insert_id: 'def' } }, 'q2')]),
    );
    storage.setItem('__mpq_tok_pp', JSON.stringify([queued(update)]));
    storage.setItem('__mpq_tok_gr', '{not json');
    const { lib, pipes } = setup({ localStorage: storage });
    lib.init('tok');
    expect(pipes.sent.map((s) => [s.ep, s.body])).toEqual([
      ['track', event],
      ['track', { event: 'Second', properties: { $insert_id: 'def' } }],
      ['engage', update],
    ]);
    expect(['__mpq_tok_ev', '__mpq_tok_pp', '__mpq_tok_gr'].map((k) => storage.getItem(k))).toEqual([null, null, null]);

    const again = page({ ...fakeBrowser({ localStorage: storage }) });
    again.lib.init('tok');
    expect(again.pipes.sent).toHaveLength(0);
  });

  it('are put back when the outbox could not keep them', async () => {
    const storage = memoryStorage();
    const raw = JSON.stringify([queued({ event: 'e', properties: { $insert_id: 'x1' } })]);
    storage.setItem('__mpq_tok_ev', raw);
    const { lib, pipes } = setup({ localStorage: storage });
    pipes.setSettle(async () => {
      throw new Error('store failed');
    });
    lib.init('tok');
    await tick();
    expect(storage.getItem('__mpq_tok_ev')).toBe(raw);
  });

  it('are left alone while the visitor is opted out', () => {
    const storage = memoryStorage();
    storage.setItem('__mp_opt_in_out_tok', '0');
    storage.setItem('__mpq_tok_ev', JSON.stringify([queued({ event: 'e', properties: {} })]));
    const { lib, pipes } = setup({ localStorage: storage });
    lib.init('tok');
    expect(pipes.sent).toHaveLength(0);
    expect(storage.getItem('__mpq_tok_ev')).not.toBeNull();
  });
});
