// Two tabs of one visitor, each with its own library, sharing the cookie jar and localStorage: what
// one tab stores (reset, identify, register) is what the other's next event and profile update carry.
// mixpanel-browser 2.83 reads its persistence again before each of them (MixpanelPersistence.properties
// and load_prop call load(); MixpanelPeople._send_request reads get_distinct_id()). Outlast reads it once
// per task, so each tab's steps here are a task of their own, as they are in a browser.
import { afterEach, describe, expect, it } from 'vitest';
import { removeBrowser, tick, twoTabs } from './fake-browser';

afterEach(removeBrowser);

describe('what another tab stored', () => {
  it('a reset and a new identify in tab A are the visitor of tab B next event and profile update', async () => {
    const { a, b, pipesB } = twoTabs();
    a.lib.identify('user-1');
    await tick();
    b.track('as user-1');
    await tick();
    a.lib.reset();
    a.lib.identify('user-2');
    await tick();
    b.track('after the reset in A');
    b.identify();
    b.people.set({ seen: true });
    const [before, after] = pipesB.events().filter((e) => e.event !== '$identify');
    expect(before!.properties).toMatchObject({ distinct_id: 'user-1', $user_id: 'user-1' });
    expect(after!.properties).toMatchObject({ distinct_id: 'user-2', $user_id: 'user-2', $device_id: a.lib.get_property('$device_id') });
    expect(pipesB.sent.filter((s) => s.ep === 'engage').at(-1)!.body).toMatchObject({ $distinct_id: 'user-2', $set: { seen: true } });
  });

  it('a register in one tab and an identify in the other both last, and both tabs send them', async () => {
    const { a, b, pipesB } = twoTabs();
    b.register({ from_b: 1 });
    await tick();
    a.lib.identify('user-3');
    a.lib.register({ from_a: 1 });
    await tick();
    b.register({ from_b: 2 });
    b.track('B last');
    await tick();
    a.lib.track('A last');
    const expected = { distinct_id: 'user-3', from_a: 1, from_b: 2 };
    expect(pipesB.events('B last')[0]!.properties).toMatchObject(expected);
    expect(a.pipes.events('A last')[0]!.properties).toMatchObject(expected);
  });

  it('is read once per task: a burst of calls costs one read, another tab counts from the next task', async () => {
    const { a, b, pipesB } = twoTabs();
    b.track('first');
    a.lib.identify('user-4');
    b.track('same task');
    await tick();
    b.track('next task');
    expect(pipesB.events().map((e) => e.properties.distinct_id)).toEqual([
      pipesB.events('first')[0]!.properties.distinct_id,
      pipesB.events('first')[0]!.properties.distinct_id,
      'user-4',
    ]);
  });
});
