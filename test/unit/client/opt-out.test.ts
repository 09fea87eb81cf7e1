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
    const { lib } = setup({ localStorage: storage });
    lib.init('tok');
    lib.register({ plan: 'pro' });
    lib.opt_out_tracking();
    expect(storage.getItem('__mp_opt_in_out_tok')).toBe('0');
    expect(storage.getItem('mp_tok_mixpanel')).toBeNull();
    lib.register({ again: 1 });
    expect(storage.getItem('mp_tok_mixpanel')).toBeNull();

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
