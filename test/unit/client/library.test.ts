import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLibrary } from '../../../src/client/library';
import type { Mixpanel } from '../../../src/client/types';
import { removeBrowser, setup, tick } from './fake-browser';

afterEach(() => {
  removeBrowser();
  vi.useRealTimers();
});

describe('before init', () => {
  it('queues calls and replays them in order at init, each with the time it was made', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const { lib, pipes } = setup();
    lib.track('first');
    lib.register({ plan: 'pro' });
    lib.people.set({ name: 'Ada' });
    lib.identify('u1');
    vi.setSystemTime(9_000_000);
    lib.track('second');
    expect(pipes.sent).toHaveLength(0);
    expect(pipes.created).toHaveLength(0);

    vi.setSystemTime(20_000_000);
    lib.init('tok');
    // the first referrer's set_once is queued at init before the replay, as mixpanel-browser's _loaded
    // queues it before create_mplib executes the snippet's queue: identify() sends it with the $set
    expect(pipes.sent.map((s) => s.body.event ?? Object.keys(s.body).find((k) => k.startsWith('$set')))).toEqual([
      'first',
      '$set',
      '$set_once',
      '$identify',
      'second',
    ]);
    expect(pipes.sent[2]!.body.$set_once).toEqual({ $initial_referrer: '$direct', $initial_referring_domain: '$direct' });
    const [first, , , , second] = pipes.sent;
    expect(first!.body.properties.time).toBe(1000);
    expect(first!.body.properties).not.toHaveProperty('plan');
    expect(second!.body.properties).toMatchObject({ time: 9000, plan: 'pro', distinct_id: 'u1' });
  });

  it('getters answer with defaults instead of throwing', async () => {
    const { lib } = setup();
    expect(lib.get_distinct_id()).toBeUndefined();
    expect(lib.get_property('x')).toBeUndefined();
    expect(lib.has_opted_out_tracking()).toBe(false);
    await expect(lib.get_delivery_state()).resolves.toMatchObject({ queued: 0, delivered: 0, next_attempt_at: null, is_sender: false });
    await expect(lib.flush()).resolves.toBeUndefined();
  });

  it('keeps at most 1,000 calls and says how many it dropped', () => {
    const { lib, pipes, reports, on_error } = setup();
    for (let i = 0; i < 1005; i++) lib.track('e' + i);
    lib.init('tok', { on_error });
    expect(pipes.events()).toHaveLength(1000);
    expect(reports[0]!.message).toMatch(/^init: 5 calls made before init\(\) were dropped/);
  });

  it('init without a usable token is reported and the queue waits for a real init', () => {
    const { lib, pipes, reports, on_error } = setup();
    lib.track('waiting');
    (lib.init as (...a: unknown[]) => unknown)(undefined, { on_error });
    expect(reports[0]!.message).toMatch(/^init: needs your project token/);
    expect(pipes.sent).toHaveLength(0);
    lib.init('tok');
    expect(pipes.events('waiting')).toHaveLength(1);
  });
});

describe('instances', () => {
  it('named instances are separate and reachable as lib[name]', () => {
    const { lib, pipes } = setup();
    lib.init('main-token');
    const other = lib.init('other-token', {}, 'other') as Mixpanel;
    expect(lib.other).toBe(other);
    other.register({ only: 'other' });
    other.identify('u-other');
    lib.track('on-main');
    other.track('on-other');
    const main = pipes.events('on-main')[0]!.properties;
    const second = pipes.events('on-other')[0]!.properties;
    expect(main).toMatchObject({ token: 'main-token' });
    expect(main).not.toHaveProperty('only');
    expect(main.distinct_id).not.toBe('u-other');
    expect(second).toMatchObject({ token: 'other-token', only: 'other', distinct_id: 'u-other' });
    expect(pipes.created.map((p) => p.token)).toEqual(['main-token', 'other-token']);
  });

  it('init twice on the same name warns and keeps the first', () => {
    const { lib, reports, on_error, pipes } = setup();
    lib.init('tok', { on_error });
    lib.init('tok2');
    const a = lib.init('t1', { on_error }, 'a');
    const again = lib.init('t2', {}, 'a');
    expect(again).toBe(a);
    expect(reports.filter((r) => r.code === 'invalid_call')).toHaveLength(2);
    expect(reports[0]!.message).toMatch(/already initialised/);
    expect(pipes.created).toHaveLength(2);
    lib.track('x');
    expect(pipes.events()[0]!.properties.token).toBe('tok');
  });

  it('refuses a name that would hide a method', () => {
    const { lib, reports, on_error } = setup();
    lib.init('tok', { on_error });
    expect(lib.init('t', {}, 'track')).toBeUndefined();
    expect(typeof lib.track).toBe('function');
    expect(reports[0]!.code).toBe('invalid_call');
  });

  it('init(token, config, "mixpanel") is the default instance', () => {
    const { lib, pipes } = setup();
    expect(lib.init('tok', {}, 'mixpanel')).toBe(lib);
    lib.track('x');
    expect(pipes.events()).toHaveLength(1);
  });

  it('calls loaded with the instance, after replaying the queue', () => {
    const { lib, pipes } = setup();
    lib.track('queued');
    const seen: unknown[] = [];
    lib.init('tok', { loaded: (i) => seen.push(i, pipes.sent.length) });
    expect(seen).toEqual([lib, 1]);
  });
});

describe('push', () => {
  it('runs a function with the instance and calls [method, ...args], dotted names too', () => {
    const { lib, pipes, reports, on_error } = setup();
    lib.init('tok', { on_error });
    let seen: unknown;
    lib.push((i) => (seen = i));
    lib.push(['track', 'pushed', { a: 1 }]);
    lib.push(['identify', 'ada']);
    lib.push(['people.set', { name: 'Ada' }]);
    lib.push(['no.such.method']);
    lib.push(['constructor']);
    expect(seen).toBe(lib);
    expect(pipes.events('pushed')[0]!.properties.a).toBe(1);
    // identify() sent the first referrer waiting since init; the pushed people.set follows it
    expect(pipes.sent.find((s) => s.ep === 'engage' && s.body.$set)!.body.$set.name).toBe('Ada');
    expect(reports.map((r) => r.message)).toEqual(['push: no method "no.such.method"', 'push: no method "constructor"']);
  });

  it('reaches a named instance by "<name>.method"', () => {
    const { lib, pipes } = setup();
    lib.init('tok');
    lib.init('t2', {}, 'two');
    lib.push(['two.track', 'via-name']);
    expect(pipes.events('via-name')[0]!.properties.token).toBe('t2');
  });

  it('before init, pushed items wait like any call', () => {
    const { lib, pipes } = setup();
    lib.push(['track', 'early']);
    lib.push((i) => i.track('from-fn'));
    lib.init('tok');
    expect(pipes.events().map((e) => e.event)).toEqual(['early', 'from-fn']);
  });
});

describe('delivery controls', () => {
  it('get_delivery_state and flush go to the pipeline', async () => {
    const { lib, pipes } = setup();
    lib.init('tok');
    await expect(lib.get_delivery_state()).resolves.toMatchObject({ queued: 3, delivered: 7 });
    await lib.flush();
    expect(pipes.calls).toContain('flush');
    let durable = false;
    pipes.setSettle(async () => void (durable = true));
    await lib._settle();
    expect(durable).toBe(true);
  });

  it('a pipeline that fails is reported, never thrown', async () => {
    const { pipes, reports, on_error } = setup();
    const lib = createLibrary({
      createPipeline: (o) => ({ ...pipes.factory(o), state: () => Promise.reject(new Error('store gone')) }),
    });
    lib.init('tok', { on_error });
    await expect(lib.get_delivery_state()).resolves.toMatchObject({ queued: 0 });
    expect(reports.map((r) => r.message)).toContain('Error: store gone');

    const throwing = createLibrary({
      createPipeline: () => {
        throw new Error('no pipeline');
      },
    });
    expect(() => throwing.init('tok', { on_error })).not.toThrow();
    expect(() => throwing.track('x')).not.toThrow();
    await tick();
    expect(reports.some((r) => /no pipeline/.test(r.message))).toBe(true);
    expect(throwing.get_distinct_id()).toMatch(/^\$device:/);
  });
});
