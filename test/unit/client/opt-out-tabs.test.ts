// Two tabs of one visitor, one of which opts out: the cases the differential test's opt-out journey
// found, at unit level. The tabs share one localStorage and one cookie jar; each has its own library.
import { afterEach, describe, expect, it } from 'vitest';
import { removeBrowser, tick, twoTabs } from './fake-browser';

afterEach(removeBrowser);

describe('an opt-out in another tab', () => {
  it('leaves this tab its visitor in memory: what it does next is written whole, as mixpanel-browser does', () => {
    // mixpanel-browser 2.83 MixpanelPersistence.load: an entry that is gone (tab A's opt-out removed it)
    // changes nothing in memory; register() and identify() (not opt-out checked) then save every property.
    const { a, b, pipesB } = twoTabs();
    b.register({ plan: 'pro' });
    const device = b.get_property('$device_id');
    const anonymous = b.get_distinct_id();
    a.lib.opt_out_tracking();
    expect(a.env!.cookies.values.has('mp_tok_mixpanel')).toBe(false);
    b.register({ tab: 'b' });
    b.identify('user-b');
    b.opt_in_tracking();
    const optIn = pipesB.events('$opt_in')[0]!.properties;
    expect(optIn).toMatchObject({ distinct_id: 'user-b', $device_id: device, $user_id: 'user-b', plan: 'pro', tab: 'b' });
    expect(optIn).not.toHaveProperty('$had_persisted_distinct_id');
    const stored = JSON.parse(decodeURIComponent(a.env!.cookies.values.get('mp_tok_mixpanel')!));
    expect(stored).toMatchObject({ distinct_id: 'user-b', $device_id: device, plan: 'pro', tab: 'b' });
    expect(anonymous).toBe(`$device:${device}`);
  });

  it('gives up the sending role: the opted-out tab closes its delivery, a later event builds it anew', async () => {
    // mixpanel-browser 2.83 _gdpr_update_persistence({ clear_persistence: true }) stops this tab's batch
    // senders; events the other tab tracks after opting in again still leave. Outlast's one sending
    // tab per origin must therefore not stay an opted-out tab.
    const { a, b } = twoTabs();
    a.lib.track('before');
    a.lib.opt_out_tracking();
    await tick();
    expect(a.pipes.calls).toEqual(['purge', 'close']);
    b.opt_in_tracking();
    a.lib.track('after the other tab opted in');
    expect(a.pipes.created).toHaveLength(2);
    expect(a.pipes.events().map((e) => e.event)).toEqual(['before', 'after the other tab opted in']);
  });
});
