import { afterEach, describe, expect, it } from 'vitest';
import { createLibrary } from '../../../src/client/library';
import { fakePipelines, memoryStorage, removeBrowser, setup } from './fake-browser';

afterEach(removeBrowser);

describe('super properties', () => {
  it('persist across a new library on the same storage (a new page)', () => {
    const { lib, env } = setup();
    lib.init('tok');
    lib.register({ plan: 'pro' });
    const device = lib.get_property('$device_id');
    // mixpanel-browser's default: a cookie, not localStorage
    expect(env!.cookies.values.has('mp_tok_mixpanel')).toBe(true);
    expect(env!.storage.map.has('mp_tok_mixpanel')).toBe(false);

    const pipes = fakePipelines();
    const next = createLibrary({ createPipeline: pipes.factory });
    next.init('tok');
    next.track('x');
    expect(pipes.events()[0]!.properties).toMatchObject({ plan: 'pro', $device_id: device });
    expect(next.get_property('plan')).toBe('pro');
  });

  it('register(props, { persistent: false }) lasts only this page', () => {
    const { lib, pipes, env } = setup();
    lib.init('tok');
    lib.register({ tab: 'one' }, { persistent: false });
    lib.track('x');
    expect(pipes.events()[0]!.properties.tab).toBe('one');
    expect(env!.cookies.values.get('mp_tok_mixpanel')).not.toContain('tab');
  });

  it('register_once does not overwrite, except the default value', () => {
    const { lib } = setup();
    lib.init('tok');
    lib.register({ source: 'ads', ref: 'None' });
    lib.register_once({ source: 'email', ref: 'blog', first: 1 });
    expect(lib.get_property('source')).toBe('ads');
    expect(lib.get_property('ref')).toBe('blog');
    expect(lib.get_property('first')).toBe(1);
    lib.register_once({ source: 'x' }, 'ads');
    expect(lib.get_property('source')).toBe('x');
  });

  it('register_once sets a name that only exists on Object.prototype', () => {
    const { lib } = setup();
    lib.init('tok');
    lib.register_once({ toString: 'mine' });
    expect(lib.get_property('toString')).toBe('mine');
    expect(lib.get_property('hasOwnProperty')).toBeUndefined();
  });

  it('unregister removes one, and refuses identity', () => {
    const { lib, pipes, reports, on_error } = setup();
    lib.init('tok', { on_error });
    lib.register({ a: 1, b: 2 });
    lib.unregister('a');
    lib.unregister('distinct_id');
    lib.track('x');
    const p = pipes.events()[0]!.properties;
    expect(p).not.toHaveProperty('a');
    expect(p.b).toBe(2);
    expect(p.distinct_id).toMatch(/^\$device:/);
    expect(reports[0]!.message).toMatch(/reset/);
  });
});

describe('identity', () => {
  it('identify emits $identify once, from the anonymous id, then uses the new id', () => {
    const { lib, pipes } = setup();
    lib.init('tok');
    const anon = lib.get_distinct_id()!;
    expect(anon).toMatch(/^\$device:[0-9a-f-]{36}$/);
    lib.identify('user-1');
    lib.identify('user-1');
    lib.track('after');
    const ids = pipes.events('$identify');
    expect(ids).toHaveLength(1);
    expect(ids[0]!.properties).toMatchObject({ distinct_id: 'user-1', $anon_distinct_id: anon, $user_id: 'user-1' });
    expect(pipes.events('after')[0]!.properties).toMatchObject({
      distinct_id: 'user-1',
      $user_id: 'user-1',
      $device_id: anon.slice('$device:'.length),
    });
    expect(lib.get_distinct_id()).toBe('user-1');
  });

  // mixpanel-browser's identify(): "send an $identify event any time the distinct_id is changing";
  // Mixpanel's servers decide what it means under the project's ID merge
  it('identify from one user to another sends $identify too, from the old user id', () => {
    const { lib, pipes } = setup();
    lib.init('tok');
    lib.identify('a');
    lib.identify('b');
    expect(pipes.events('$identify').map((e) => e.properties.$anon_distinct_id)).toEqual([expect.stringMatching(/^\$device:/), 'a']);
    expect(lib.get_distinct_id()).toBe('b');
  });

  it('identify refuses unusable ids', () => {
    const { lib, pipes, reports, on_error } = setup();
    lib.init('tok', { on_error });
    const identify = lib.identify as (id: unknown) => void;
    identify('');
    identify('$device:123');
    identify({ id: 1 });
    identify('x'.repeat(300));
    expect(pipes.sent).toHaveLength(0);
    expect(reports).toHaveLength(4);
    expect(lib.get_distinct_id()).toMatch(/^\$device:/);
  });

  it('alias emits $create_alias and refuses an alias equal to the distinct_id', () => {
    const { lib, pipes, reports, on_error } = setup();
    lib.init('tok', { on_error });
    const anon = lib.get_distinct_id();
    lib.alias('user@example.com');
    lib.alias('a', 'b');
    lib.alias(anon!);
    const aliases = pipes.events('$create_alias');
    expect(aliases.map((e) => e.properties)).toMatchObject([
      { alias: 'user@example.com', distinct_id: anon },
      { alias: 'a', distinct_id: 'b' },
    ]);
    expect(reports).toHaveLength(1);
    expect(reports[0]!.code).toBe('invalid_call');
  });

  it('reset clears super properties and identity, with a new device id', () => {
    const { lib, pipes } = setup();
    lib.init('tok');
    lib.register({ plan: 'pro' });
    lib.identify('u');
    const before = lib.get_property('$device_id');
    lib.reset();
    lib.track('x');
    const p = pipes.events('x')[0]!.properties;
    expect(p).not.toHaveProperty('plan');
    expect(p).not.toHaveProperty('$user_id');
    expect(p.$device_id).not.toBe(before);
    expect(p.distinct_id).toBe('$device:' + p.$device_id);
  });
});

describe('people', () => {
  it('builds /engage bodies as Mixpanel’s', () => {
    const { lib, pipes } = setup();
    lib.init('tok');
    lib.identify('u1');
    // identify() first sends what waited for it: the first referrer, queued at init (_loaded: people.set_once(get_referrer_info()))
    const flushed = pipes.sent.filter((s) => s.ep === 'engage').map((s) => s.body);
    expect(flushed.map((b) => b.$set_once)).toEqual([{ $initial_referrer: '$direct', $initial_referring_domain: '$direct' }]);
    pipes.sent.length = 0;
    const device = lib.get_property('$device_id');
    lib.people.set({ name: 'Ada' });
    lib.people.set('plan', 'pro');
    lib.people.set_once('first_seen', 'today');
    lib.people.unset(['a', 'b']);
    lib.people.increment('logins');
    lib.people.increment({ credits: 5, bad: 'x' as unknown as number });
    lib.people.append('tags', 'new');
    lib.people.union('lists', 'x');
    lib.people.remove('tags', 'old');
    lib.people.delete_user();
    const bodies = pipes.sent.filter((s) => s.ep === 'engage').map((s) => s.body);
    for (const b of bodies) {
      expect(b).toMatchObject({ $token: 'tok', $distinct_id: 'u1', $device_id: device, $user_id: 'u1' });
      expect(typeof b.$time).toBe('number');
    }
    expect(bodies[0]!.$set).toMatchObject({ name: 'Ada', $browser: 'Chrome', $os: 'Mac OS X' });
    expect(bodies[1]!.$set).toMatchObject({ plan: 'pro' });
    expect(
      bodies.slice(2).map((b) => Object.keys(b).find((k) => !['$token', '$distinct_id', '$device_id', '$user_id', '$time'].includes(k))),
    ).toEqual(['$set_once', '$unset', '$add', '$add', '$append', '$union', '$remove', '$delete']);
    expect(bodies[2]!.$set_once).toEqual({ first_seen: 'today' });
    expect(bodies[3]!.$unset).toEqual(['a', 'b']);
    expect(bodies[4]!.$add).toEqual({ logins: 1 });
    expect(bodies[5]!.$add).toEqual({ credits: 5 });
    expect(bodies[6]!.$append).toEqual({ tags: 'new' });
    expect(bodies[7]!.$union).toEqual({ lists: ['x'] });
    expect(bodies[8]!.$remove).toEqual({ tags: 'old' });
    // mixpanel-people.js delete_user(): {'$delete': this._mixpanel.get_distinct_id()}
    expect(bodies[9]!.$delete).toBe('u1');
  });

  it('refuses unusable arguments and calls the callback with 0', async () => {
    const { lib, pipes, reports, on_error } = setup();
    lib.init('tok', { on_error });
    lib.identify('u');
    pipes.sent.length = 0;
    const statuses: number[] = [];
    (lib.people.set as (...a: unknown[]) => void)(42, (s: number) => statuses.push(s));
    lib.people.set('ok', 1, (s) => statuses.push(s));
    await new Promise((r) => setTimeout(r, 0));
    expect(pipes.sent).toHaveLength(1);
    expect(reports[0]!.message).toMatch(/^people.set: needs/);
    expect(statuses.sort()).toEqual([0, 1]);
  });
});

describe('storage garbage', () => {
  it('starts fresh for bad fields, reports once, never throws', () => {
    const storage = memoryStorage();
    storage.setItem('mp_tok_mixpanel', '{not json');
    const { lib, reports, on_error, pipes } = setup({ localStorage: storage });
    expect(() => lib.init('tok', { on_error, persistence: 'localStorage' })).not.toThrow();
    lib.track('x');
    expect(pipes.events()[0]!.properties.distinct_id).toMatch(/^\$device:/);
    expect(reports.filter((r) => r.code === 'storage')).toHaveLength(1);
  });

  it('keeps the good fields of a half-broken value', () => {
    const storage = memoryStorage();
    storage.setItem(
      'mp_tok_mixpanel',
      JSON.stringify({ distinct_id: 'kept', $device_id: 7, $user_id: {}, plan: 'pro', __timers: { a: 'soon', b: 5 } }),
    );
    const { lib, reports, on_error } = setup({ localStorage: storage });
    lib.init('tok', { on_error, persistence: 'localStorage' });
    expect(lib.get_distinct_id()).toBe('kept');
    expect(lib.get_property('plan')).toBe('pro');
    // as mixpanel-browser: an id without $device_id is kept; identify() will make it the device id
    expect(lib.get_property('$device_id')).toBeUndefined();
    expect(lib.get_property('$user_id')).toBeUndefined();
    const storageReports = reports.filter((r) => r.code === 'storage');
    expect(storageReports).toHaveLength(1);
    expect(storageReports[0]!.message).toMatch(/\$device_id.*\$user_id.*__timers\.a/);
  });

  it.each(['[1,2]', 'null', '"text"', '42'])('a stored %s that is not an object is replaced', (raw) => {
    const storage = memoryStorage();
    storage.setItem('mp_tok_mixpanel', raw);
    const { lib } = setup({ localStorage: storage });
    lib.init('tok', { persistence: 'localStorage' });
    expect(lib.get_distinct_id()).toMatch(/^\$device:/);
  });

  it('reads an identity mixpanel-browser left in its cookie', () => {
    const { lib, env } = setup();
    env!.cookies.values.set(
      'mp_tok_mixpanel',
      encodeURIComponent(JSON.stringify({ distinct_id: 'old-uuid', $initial_referrer: '$direct' })),
    );
    lib.init('tok');
    expect(lib.get_distinct_id()).toBe('old-uuid');
    expect(lib.get_property('$device_id')).toBeUndefined();
  });
});
