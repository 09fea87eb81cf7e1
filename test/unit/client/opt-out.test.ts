import { afterEach, describe, expect, it } from 'vitest';
import { createLibrary } from '../../../src/client/library';
import { cookieJar, fakePipelines, memoryStorage, removeBrowser, setup, tick } from './fake-browser';

afterEach(removeBrowser);

describe('opt-out', () => {
  it('stops every enqueue, purges the outbox, and answers callbacks with 0', async () => {
    const { lib, pipes } = setup();
    lib.init('tok');
    lib.track('before');
    lib.opt_out_tracking();
    expect(pipes.calls).toContain('purge');
    const statuses: number[] = [];
    lib.track('after', {}, (s) => statuses.push(s));
    lib.track_pageview();
    lib.people.set({ a: 1 }, (s) => statuses.push(s));
    lib.identify('u');
    await tick();
    expect(pipes.sent.map((s) => s.body.event)).toEqual(['before']);
    expect(statuses).toEqual([0, 0]);
    expect(lib.has_opted_out_tracking()).toBe(true);
  });

  it('persists across pages as mixpanel-browser stores it, and forgets the stored identity', () => {
    const storage = memoryStorage();
    const { lib, env } = setup({ localStorage: storage });
    lib.init('tok');
    lib.register({ plan: 'pro' });
    expect(env!.cookies.values.has('mp_tok_mixpanel')).toBe(true);
    lib.opt_out_tracking();
    expect(storage.getItem('__mp_opt_in_out_tok')).toBe('0');
    expect(env!.cookies.values.has('mp_tok_mixpanel')).toBe(false);
    lib.register({ again: 1 });
    expect(env!.cookies.values.has('mp_tok_mixpanel')).toBe(false);

    const pipes = fakePipelines();
    const next = createLibrary({ createPipeline: pipes.factory });
    next.init('tok');
    next.track('x');
    expect(next.has_opted_out_tracking()).toBe(true);
    expect(pipes.sent).toHaveLength(0);
    expect(pipes.created).toHaveLength(0);
  });

  it('opt_in_tracking stores 1, resumes, and tracks $opt_in', () => {
    const { lib, pipes, env } = setup();
    lib.init('tok');
    lib.opt_out_tracking();
    lib.opt_in_tracking();
    expect(env!.storage.getItem('__mp_opt_in_out_tok')).toBe('1');
    expect(pipes.calls).toEqual(['purge', 'resume']);
    expect(pipes.events('$opt_in')).toHaveLength(1);
    expect(lib.has_opted_in_tracking()).toBe(true);
    lib.track('back');
    expect(pipes.events('back')).toHaveLength(1);
  });

  it('reads a choice mixpanel-browser stored in a cookie', () => {
    const cookies = cookieJar();
    cookies.values.set('__mp_opt_in_out_tok', '0');
    const { lib, pipes } = setup({ cookies });
    lib.init('tok');
    lib.track('x');
    expect(pipes.sent).toHaveLength(0);
  });

  it('opt_out_tracking_by_default holds everything until opt-in', () => {
    const { lib, pipes } = setup();
    lib.init('tok', { opt_out_tracking_by_default: true });
    lib.track('held');
    expect(pipes.sent).toHaveLength(0);
    expect(pipes.created).toHaveLength(0);
    lib.opt_in_tracking({ track: false });
    lib.track('sent');
    expect(pipes.events().map((e) => e.event)).toEqual(['sent']);
  });
});

describe('Do Not Track', () => {
  it.each([
    ['navigator.doNotTrack', { doNotTrack: '1' }],
    ['navigator.doNotTrack = "yes"', { doNotTrack: 'yes' }],
  ])('%s behaves as opted out, with no pipeline at all', (_, opts) => {
    const { lib, pipes } = setup(opts);
    lib.init('tok');
    lib.track('x');
    lib.people.set({ a: 1 });
    expect(pipes.created).toHaveLength(0);
    expect(pipes.sent).toHaveLength(0);
    expect(lib.has_opted_out_tracking()).toBe(true);
  });

  it('window.doNotTrack counts too', () => {
    const { lib, pipes } = setup();
    (window as unknown as Record<string, unknown>).doNotTrack = '1';
    lib.init('tok');
    lib.track('x');
    expect(pipes.sent).toHaveLength(0);
  });

  it('is ignored with ignore_dnt: true', () => {
    const { lib, pipes } = setup({ doNotTrack: '1' });
    lib.init('tok', { ignore_dnt: true });
    lib.track('x');
    expect(pipes.sent).toHaveLength(1);
  });
});

// mixpanel-browser's gdpr-utils.js and MixpanelLib._gdpr_init / opt_out_tracking / opt_in_tracking
describe('opt-out as mixpanel-browser keeps it', () => {
  it('opt_out_tracking_persistence_type and opt_out_tracking_cookie_prefix choose where the choice lives', () => {
    const { lib, env } = setup();
    lib.init('tok', { opt_out_tracking_persistence_type: 'cookie', opt_out_tracking_cookie_prefix: 'consent_' });
    lib.opt_out_tracking();
    expect(env!.cookies.values.get('consent_tok')).toBe('0');
    expect(env!.storage.getItem('__mp_opt_in_out_tok')).toBeNull();
    expect(lib.has_opted_out_tracking()).toBe(true);
  });

  // gdpr-utils.js `_getStorage`: `options.persistenceType === 'localStorage' ? _.localStorage : _.cookie`, so any
  // other spelling keeps the choice in the cookie; a site migrating with that typo has its visitors' opt-outs there
  it('opt_out_tracking_persistence_type spelled otherwise is reported, and the choice lives in the cookie, as in mixpanel-browser', () => {
    const cookies = cookieJar();
    cookies.values.set('__mp_opt_in_out_tok', '0'); // mixpanel-browser kept this visitor's opt-out here
    const { lib, pipes, reports, on_error } = setup({ cookies });
    lib.init('tok', { on_error, opt_out_tracking_persistence_type: 'localstorage' as 'localStorage' });
    expect(reports.map((r) => r.message)).toEqual([
      'opt_out_tracking_persistence_type must be one of "cookie", "localStorage", got "localstorage"; the cookie is used',
    ]);
    expect(lib.has_opted_out_tracking()).toBe(true);
    lib.track('not for someone who said no');
    expect(pipes.sent).toHaveLength(0);
  });

  it('an opt-out made in another tab stops this tab at once', () => {
    const storage = memoryStorage();
    const cookies = cookieJar();
    const first = setup({ localStorage: storage, cookies });
    first.lib.init('tok');
    const other = createLibrary({ createPipeline: fakePipelines().factory });
    other.init('tok');
    other.opt_out_tracking();
    first.lib.track('after the other tab said no');
    first.lib.people.set({ a: 1 });
    expect(first.pipes.sent).toHaveLength(0);
    expect(first.lib.has_opted_out_tracking()).toBe(true);
  });

  it('opting out keeps this page ids in memory; opting back in on the page continues them', () => {
    const { lib, env, pipes } = setup();
    lib.init('tok');
    lib.identify('u1');
    const device = lib.get_property('$device_id');
    lib.opt_out_tracking();
    expect(env!.cookies.values.has('mp_tok_mixpanel')).toBe(false);
    lib.opt_in_tracking({ track_event_name: 'Consent given', track_properties: { via: 'banner' } });
    expect(pipes.events('Consent given')[0]!.properties).toMatchObject({ via: 'banner', distinct_id: 'u1', $device_id: device });
    expect(JSON.parse(decodeURIComponent(env!.cookies.values.get('mp_tok_mixpanel')!))).toMatchObject({ distinct_id: 'u1' });
  });

  it('deletes the identified user profile before opting out (delete_user, clear_charges)', () => {
    const { lib, pipes } = setup();
    lib.init('tok');
    lib.identify('u1');
    // what identify() sent (the first referrer queued at init) is not this test's
    pipes.sent.length = 0;
    lib.opt_out_tracking();
    const engage = pipes.sent.filter((s) => s.ep === 'engage').map((s) => s.body);
    expect(engage.map((b) => ('$delete' in b ? '$delete' : Object.keys(b.$set ?? {})[0]))).toEqual(['$delete', '$transactions']);
    pipes.sent.length = 0;
    lib.opt_in_tracking({ track: false });
    lib.opt_out_tracking({ delete_user: false } as never);
    expect(pipes.sent).toHaveLength(0);
  });

  it('opt_out_tracking_by_default stores the opt-out, as _gdpr_init does', () => {
    const storage = memoryStorage();
    setup({ localStorage: storage }).lib.init('tok', { opt_out_tracking_by_default: true });
    expect(storage.getItem('__mp_opt_in_out_tok')).toBe('0');
  });

  it('opt_out_persistence_by_default also removes the stored identity', () => {
    const cookies = cookieJar();
    cookies.values.set('mp_tok_mixpanel', encodeURIComponent('{"distinct_id":"x"}'));
    setup({ cookies }).lib.init('tok', { opt_out_tracking_by_default: true, opt_out_persistence_by_default: true });
    expect(cookies.values.has('mp_tok_mixpanel')).toBe(false);
  });

  it('a choice kept in a cookie stays there when localStorage cannot be used (_gdpr_init checks is_supported)', () => {
    const cookies = cookieJar();
    cookies.values.set('__mp_opt_in_out_tok', '0');
    const { lib, pipes } = setup({ cookies, localStorage: null });
    lib.init('tok');
    lib.track('x');
    expect(cookies.values.get('__mp_opt_in_out_tok')).toBe('0');
    expect(lib.has_opted_out_tracking()).toBe(true);
    expect(pipes.sent).toHaveLength(0);
  });

  it('a choice kept in a cookie moves to localStorage (_gdpr_init)', () => {
    const cookies = cookieJar();
    cookies.values.set('__mp_opt_in_out_tok', '1');
    const { lib, env } = setup({ cookies });
    lib.init('tok');
    expect(env!.storage.getItem('__mp_opt_in_out_tok')).toBe('1');
    expect(cookies.values.has('__mp_opt_in_out_tok')).toBe(false);
    expect(lib.has_opted_in_tracking()).toBe(true);
  });
});
