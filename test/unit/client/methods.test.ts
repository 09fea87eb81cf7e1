// The methods a migrating site calls, checked against what mixpanel-browser 2.83 builds
// (node_modules/mixpanel-browser/src: mixpanel-core.js, mixpanel-group.js, mixpanel-people.js, api-actions.js).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { STUB_METHOD_LIST } from '../../../src/client/method-names';
import { removeBrowser, setup, tick } from './fake-browser';

afterEach(removeBrowser);

const groupBodies = (pipes: ReturnType<typeof setup>['pipes']) => pipes.sent.filter((s) => s.ep === 'groups').map((s) => s.body);
const engage = (pipes: ReturnType<typeof setup>['pipes']) => pipes.sent.filter((s) => s.ep === 'engage').map((s) => s.body);

describe('every stub method exists on the instance', () => {
  it('on the default instance, a named one and people, before and after init, without throwing', () => {
    const { lib } = setup();
    const check = (inst: Record<string, any>) => {
      for (const name of STUB_METHOD_LIST.split(' ')) {
        const [head, tail] = name.split('.') as [string, string?];
        const fn = tail ? inst.people[tail] : inst[head];
        expect(typeof fn, name).toBe('function');
      }
    };
    check(lib);
    lib.init('tok');
    check(lib);
    check(lib.init('tok2', {}, 'second'));
  });
});

describe('groups', () => {
  it('Group methods send /groups bodies as MixpanelGroup._send_request builds them', () => {
    const { lib, pipes } = setup();
    lib.init('tok');
    const group = lib.get_group('company', 'acme');
    expect(lib.get_group('company', 'acme')).toBe(group); // _cached_groups
    group.set('plan', 'pro');
    group.set({ seats: 10, $group_key: 'ignored' });
    group.set_once('founded', 2009);
    group.union('tags', ['a', 'b']);
    group.unset('old');
    group.remove('tags', 'a');
    group.delete();
    // set_action / set_once_action / union_action / unset_action / remove_action / delete_action, then
    // $group_key, $group_id and $token: no $time and no identity on group updates
    expect(groupBodies(pipes)).toEqual([
      { $set: { plan: 'pro' }, $group_key: 'company', $group_id: 'acme', $token: 'tok' },
      { $set: { seats: 10 }, $group_key: 'company', $group_id: 'acme', $token: 'tok' },
      { $set_once: { founded: 2009 }, $group_key: 'company', $group_id: 'acme', $token: 'tok' },
      { $union: { tags: ['a', 'b'] }, $group_key: 'company', $group_id: 'acme', $token: 'tok' },
      { $unset: ['old'], $group_key: 'company', $group_id: 'acme', $token: 'tok' },
      { $remove: { tags: 'a' }, $group_key: 'company', $group_id: 'acme', $token: 'tok' },
      { $delete: '', $group_key: 'company', $group_id: 'acme', $token: 'tok' },
    ]);
  });

  it('a Group taken before init sends once init runs', () => {
    const { lib, pipes } = setup();
    lib.get_group('company', 7).set('x', 1);
    expect(groupBodies(pipes)).toEqual([]);
    lib.init('tok');
    expect(groupBodies(pipes)).toEqual([{ $set: { x: 1 }, $group_key: 'company', $group_id: 7, $token: 'tok' }]);
  });

  it('set_group / add_group / remove_group register the list and update the profile (mixpanel-core.js)', () => {
    const { lib, pipes } = setup();
    lib.init('tok');
    lib.identify('u1');
    // what identify() sent (the first referrer queued at init) is not this test's
    const before = engage(pipes).length;
    lib.set_group('company', 'acme');
    expect(lib.get_property('company')).toEqual(['acme']);
    lib.add_group('company', 'globex');
    lib.add_group('company', 'globex');
    expect(lib.get_property('company')).toEqual(['acme', 'globex']);
    lib.remove_group('company', 'acme');
    expect(lib.get_property('company')).toEqual(['globex']);
    lib.remove_group('company', 'globex');
    expect(lib.get_property('company')).toBeUndefined();
    // people.set(key, ids), people.union(key, id), people.remove(key, id)
    expect(
      engage(pipes)
        .slice(before)
        .map((b) => b.$set?.company ?? b.$union ?? b.$remove),
    ).toEqual([['acme'], { company: ['globex'] }, { company: ['globex'] }, { company: 'acme' }, { company: 'globex' }]);
    lib.track('after');
    expect(pipes.events('after')[0]!.properties).not.toHaveProperty('company');
  });

  it('track_with_groups adds the non-null groups to the properties', () => {
    const { lib, pipes } = setup();
    lib.init('tok');
    lib.track_with_groups('purchase', { product: 'x' }, { University: ['UCB', 'UCLA'], none: null });
    const p = pipes.events('purchase')[0]!.properties;
    expect(p).toMatchObject({ product: 'x', University: ['UCB', 'UCLA'] });
    expect(p).not.toHaveProperty('none');
  });

  it('does nothing once opted out', () => {
    const { lib, pipes } = setup();
    lib.init('tok');
    lib.opt_out_tracking();
    lib.set_group('company', 'acme');
    lib.get_group('company', 'acme').set('a', 1);
    expect(lib.get_property('company')).toBeUndefined();
    expect(pipes.sent.filter((s) => s.ep !== 'track')).toEqual([]);
  });
});

describe('hooks', () => {
  it('before_track edits and drops events, before_send_events edits the body, add_hook/remove_hook', () => {
    const { lib, pipes, reports, on_error } = setup();
    const scrub = (name: string, props: Record<string, unknown>) => (name === 'secret' ? null : [name, { ...props, email: '[redacted]' }]);
    lib.init('tok', { on_error, hooks: { before_track: scrub } });
    lib.track('visible', { email: 'a@b.c' });
    lib.track('secret', {});
    expect(pipes.events().map((e) => [e.event, e.properties.email])).toEqual([['visible', '[redacted]']]);
    const stamp = (body: { event: string; properties: Record<string, unknown> }) => ({
      ...body,
      properties: { ...body.properties, stamped: 1 },
    });
    lib.add_hook('before_send_events', stamp);
    lib.track('stamped');
    expect(pipes.events('stamped')[0]!.properties.stamped).toBe(1);
    lib.remove_hook('before_send_events', stamp);
    lib.track('plain');
    expect(pipes.events('plain')[0]!.properties).not.toHaveProperty('stamped');
    expect(reports).toEqual([]);
  });

  it('a hook that returns nothing or throws drops the call, reported', () => {
    const { lib, pipes, reports, on_error } = setup();
    lib.init('tok', { on_error, hooks: { before_track: [() => undefined] } });
    lib.track('a');
    lib.set_config({
      hooks: {
        before_track: () => {
          throw new Error('bug');
        },
      },
    });
    expect(() => lib.track('b')).not.toThrow();
    expect(pipes.events()).toEqual([]);
    expect(reports.map((r) => r.message)).toEqual([
      'before_track: the hook returned nothing; the call is dropped',
      expect.stringMatching(/^before_track: the hook threw \(Error: bug\)/),
    ]);
  });

  it('before_register, before_unregister and before_send_people run on their calls', () => {
    const { lib, pipes } = setup();
    lib.init('tok', {
      hooks: {
        before_register: (props: Record<string, unknown>) => ({ ...props, added: true }),
        before_unregister: () => null,
        before_send_people: (body: Record<string, unknown>) => ({ ...body, $ignore_time: true }),
      },
    });
    lib.register({ a: 1 });
    expect(lib.get_property('added')).toBe(true);
    lib.unregister('a');
    expect(lib.get_property('a')).toBe(1);
    // profile updates go once identify() ran on the page (MixpanelPeople._send_request); the hook sees every one
    lib.identify('u1');
    lib.people.set('x', 1);
    expect(engage(pipes).at(-1)!.$set).toMatchObject({ x: 1 });
    for (const b of engage(pipes)) expect(b.$ignore_time).toBe(true);
  });
});

describe('hooks on identity and page views', () => {
  it('before_identify can change the id or stop identify(); before_track sees track_pageview', () => {
    const { lib, pipes } = setup();
    lib.init('tok', {
      hooks: {
        before_identify: (id: string) => (id === 'blocked' ? null : id.toLowerCase()),
        before_track: (name: string, props: Record<string, unknown>) => [name, { ...props, hooked: true }],
      },
    });
    lib.identify('blocked');
    expect(lib.get_distinct_id()).toMatch(/^\$device:/);
    lib.identify('ADA');
    expect(lib.get_distinct_id()).toBe('ada');
    lib.track_pageview({ page: 'home' }, { event_name: 'Home viewed' });
    expect(pipes.events('Home viewed')[0]!.properties).toMatchObject({ page: 'home', hooked: true });
    // the library's own $identify skips the page's hooks (mixpanel-core.js identify: skip_hooks)
    expect(pipes.events('$identify')[0]!.properties).not.toHaveProperty('hooked');
  });
});

describe('batch_autostart: false', () => {
  it('keeps the pipeline paused, whatever resumes it, until start_batch_senders()', () => {
    const { lib, pipes } = setup();
    lib.init('tok', { batch_autostart: false });
    lib.track('queued');
    lib.opt_in_tracking();
    expect(pipes.calls).toEqual(['pause']);
    expect(pipes.events('queued')).toHaveLength(1); // kept in the outbox, not lost
    lib.start_batch_senders();
    expect(pipes.calls).toEqual(['pause', 'resume']);
  });

  it('is not paused by default', () => {
    const { lib, pipes } = setup();
    lib.init('tok');
    expect(pipes.calls).toEqual([]);
  });
});

describe('disable, consent, people extras', () => {
  it('disable() stops every event or the named ones; profile updates still go; enable() undoes it', async () => {
    const { lib, pipes } = setup();
    lib.init('tok');
    // profile updates go once identify() ran on the page (MixpanelPeople._send_request)
    lib.identify('u1');
    lib.disable(['noisy']);
    lib.track('noisy');
    lib.track('kept');
    const statuses: number[] = [];
    lib.disable();
    lib.track('any', {}, (s) => statuses.push(s));
    lib.people.set('a', 1);
    lib.enable();
    lib.track('back');
    await tick();
    expect(statuses).toEqual([0]);
    expect(pipes.events().map((e) => e.event)).toEqual(['$identify', 'kept', 'back']);
    expect(engage(pipes).filter((b) => b.$set)).toEqual([expect.objectContaining({ $set: expect.objectContaining({ a: 1 }) })]);
  });

  it('clear_opt_in_out_tracking forgets the choice and tracking resumes', () => {
    const { lib, pipes } = setup();
    lib.init('tok');
    lib.opt_out_tracking();
    lib.clear_opt_in_out_tracking();
    expect(lib.has_opted_out_tracking()).toBe(false);
    expect(lib.has_opted_in_tracking()).toBe(false);
    lib.track('after');
    expect(pipes.events('after')).toHaveLength(1);
  });

  it('people.clear_charges sets $transactions to [], track_charge and name_tag as mixpanel-browser', () => {
    const { lib, pipes } = setup();
    lib.init('tok');
    lib.identify('u1');
    const before = engage(pipes).length;
    lib.people.clear_charges();
    lib.people.track_charge(10);
    lib.name_tag('Ada');
    expect(
      engage(pipes)
        .slice(before)
        .map((b) => b.$set?.$transactions),
    ).toEqual([[]]);
    expect(lib.get_property('mp_name_tag')).toBe('Ada');
  });
});

describe('not part of Outlast', () => {
  it('recording methods and flags do nothing, never throw, and say so once in debug mode', async () => {
    const { lib, pipes } = setup();
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    lib.init('tok', { debug: true });
    lib.start_session_recording();
    lib.stop_session_recording();
    lib.pause_session_recording();
    expect(lib.get_session_recording_properties()).toEqual({});
    expect(lib.get_session_replay_url()).toBeNull();
    expect(lib.flags.get_variant_value_sync('f', 'fallback')).toBe('fallback');
    await expect(lib.flags.get_variant_value('f', 42)).resolves.toBe(42);
    await expect(lib.flags.is_enabled('f', true)).resolves.toBe(true);
    expect(lib.flags.get_variant_sync('f', { key: 'k', value: 1 })).toEqual({ key: 'k', value: 1 });
    expect(lib.flags.are_flags_ready()).toBe(false);
    const lines = log.mock.calls.map((c) => c.join(' '));
    expect(lines.filter((l) => l.includes('session recording is not part of Outlast'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('feature flags is not part of Outlast'))).toHaveLength(1);
    expect(pipes.sent).toEqual([]);
    log.mockRestore();
  });

  it('asked before init, they still say so once init turns debug mode on', () => {
    const { lib } = setup();
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(lib.flags.is_enabled_sync('f', true)).toBe(true);
    expect(lib.get_session_recording_properties()).toEqual({});
    expect(log).not.toHaveBeenCalled();
    lib.init('tok', { debug: true });
    lib.flags.is_enabled_sync('f');
    lib.get_session_replay_url();
    lib.get_session_replay_url();
    const lines = log.mock.calls.map((c) => c.join(' '));
    expect(lines.filter((l) => l.includes('feature flags is not part of Outlast'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('session recording is not part of Outlast'))).toHaveLength(1);
    log.mockRestore();
  });

  it('toString names the instance as mixpanel-browser does', () => {
    const { lib } = setup();
    lib.init('tok');
    expect(String(lib)).toBe('mixpanel');
    expect(String(lib.init('t2', {}, 'other'))).toBe('mixpanel.other');
  });
});
