// The collector's `mixpanel` semantics: profile updates applied as Mixpanel applies them (never
// deduplicated) and /track's 200-with-silent-drop, next to the default `dedupe` semantics.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startCollector, type Collector } from '../../../examples/collector/collector.mjs';
import { event as oldEvent, formBody, post } from './http';

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);
const DAY_S = 24 * 60 * 60;
let collector: Collector;

beforeAll(async () => {
  collector = await startCollector({ hosts: ['primary', 'alternate'], semantics: 'mixpanel', now: () => NOW });
});
afterAll(() => collector.close());
beforeEach(async () => {
  await collector.reset();
  collector.setSemantics('mixpanel');
});

const engage = (host: string, items: unknown[]) => post(`${collector.urls[host]}/engage/?verbose=1`, formBody(items));
const track = (items: unknown[]) => post(`${collector.urls.primary}/track/?verbose=1`, formBody(items));
/** A valid track event sent a minute ago by the collector's clock (the shared helper's `time` is 1970). */
const event = (insertId: string, extra: Record<string, unknown> = {}) => oldEvent(insertId, { time: NOW / 1000 - 60, ...extra });
const increment = { $token: 't', $distinct_id: 'u1', $add: { visits: 1 } };

describe('mixpanel semantics: every profile update is applied', () => {
  it('adds and appends once per request received, even byte-for-byte repeats on two hosts', async () => {
    await engage('primary', [increment]);
    await engage('primary', [increment]); // a retry after a lost answer
    await engage('alternate', [increment, { $token: 't', $distinct_id: 'u1', $append: { pages: '/a' } }]);
    await engage('primary', [{ $token: 't', $distinct_id: 'u1', $append: { pages: '/a' } }]);
    const profile = collector.profiles().people.u1;
    expect(profile.properties).toEqual({ visits: 3, pages: ['/a', '/a'] });
    expect(profile.updates).toBe(5);
    expect(profile.operations).toEqual({ $add: 3, $append: 2 });
    // Counting by content still says which were re-sent.
    expect(collector.stats().byEndpoint.engage).toMatchObject({ raw: 5, unique: 2, duplicates: 3 });
  });

  it('applies $set, $set_once, $unset, $union and $remove as Mixpanel documents them', async () => {
    const u = (op: Record<string, unknown>) => ({ $token: 't', $distinct_id: 'u2', ...op });
    await engage('primary', [
      u({ $set: { plan: 'free', n: 'x' } }),
      u({ $set_once: { plan: 'pro', first: 'home' } }),
      u({ $set: { plan: 'team' } }),
      u({ $union: { tags: ['a', 'b'] } }),
      u({ $union: { tags: ['b', 'c'] } }),
      u({ $append: { tags: 'a' } }),
      u({ $remove: { tags: 'a' } }),
      u({ $unset: ['n'] }),
      u({ $add: { plan: 1, count: 2 } }), // adding to a string is ignored; a missing number starts at 0
    ]);
    expect(collector.profiles().people.u2.properties).toEqual({ plan: 'team', first: 'home', tags: ['b', 'c'], count: 2 });
  });

  it('keeps group profiles apart, keyed by group key and id', async () => {
    const g = { $token: 't', $group_key: 'company', $group_id: 'acme', $union: { seats: ['x'] } };
    await post(`${collector.urls.primary}/groups/`, formBody([g, g, { ...g, $group_id: 'other' }]));
    const { groups } = collector.profiles();
    expect(groups['company/acme']).toMatchObject({ properties: { seats: ['x'] }, updates: 2 });
    expect(groups['company/other'].updates).toBe(1);
  });

  it('$delete empties the profile; a later update starts it again', async () => {
    await engage('primary', [increment, { $token: 't', $distinct_id: 'u1', $delete: '' }]);
    expect(collector.profiles().people.u1).toMatchObject({ properties: {}, deleted: true });
    await engage('primary', [increment]);
    expect(collector.profiles().people.u1).toMatchObject({ properties: { visits: 1 }, deleted: false, updates: 3 });
  });

  it('the default semantics applies a repeated update once, as before', async () => {
    collector.setSemantics('dedupe');
    await engage('primary', [increment]);
    await engage('alternate', [increment]);
    expect(collector.profiles().people.u1).toMatchObject({ properties: { visits: 1 }, updates: 1 });
  });

  it('profiles() is a copy', async () => {
    await engage('primary', [increment]);
    const before = collector.profiles();
    await engage('primary', [increment]);
    expect(before.people.u1.properties).toEqual({ visits: 1 });
  });
});

describe('mixpanel semantics: /track answers 200 and drops bad events silently', () => {
  it('keeps the valid events of a batch and lists the dropped ones with a reason', async () => {
    const manyProps = Object.fromEntries(Array.from({ length: 255 }, (_, i) => [`p${i}`, i]));
    const res = await track([
      event('ok-1', { time: NOW / 1000 - 60 }),
      event('old', { time: NOW / 1000 - 5 * DAY_S - 60 }),
      event('old-ms', { time: NOW - 5 * DAY_S * 1000 - 60_000 }),
      { event: 'x', properties: { distinct_id: 'd', $insert_id: 'no-token' } },
      { properties: { token: 't', $insert_id: 'no-name' } },
      { event: 'x', properties: { ...manyProps, token: 't' } },
      event('long-list', { list: Array.from({ length: 255 }, () => 1) }),
      event('ok-2', { time: NOW / 1000 - 4 * DAY_S, list: Array.from({ length: 254 }, () => 1) }),
    ]);
    expect(res).toMatchObject({ status: 200, text: '{"status":1,"error":null}' });
    expect(collector.events().map((e) => e.data.properties)).toMatchObject([{ $insert_id: 'ok-1' }, { $insert_id: 'ok-2' }]);
    const dropped = collector.dropped();
    expect(dropped.map((d) => d.index)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(dropped.map((d) => d.reason)).toEqual([
      expect.stringMatching(/more than 5 days old/),
      expect.stringMatching(/more than 5 days old/),
      expect.stringMatching(/token/),
      expect.stringMatching(/'event'/),
      expect.stringMatching(/256 properties/),
      expect.stringMatching(/properties\.list has 255 items/),
    ]);
    expect(collector.stats()).toMatchObject({ raw: 2, unique: 2, dropped: 6, byHost: { primary: { dropped: 6 } } });
  });

  it('refuses a batch with no valid event, and drops nothing silently then', async () => {
    const res = await track([event('old', { time: 1 })]);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ status: 0, error: expect.stringMatching(/5 days/) });
    expect(collector.dropped()).toEqual([]);
  });

  it('drops profile updates without a token or a profile id', async () => {
    await engage('primary', [increment, { $distinct_id: 'u1', $add: { visits: 1 } }, { $token: 't', $add: { visits: 1 } }]);
    expect(collector.profiles().people.u1.properties).toEqual({ visits: 1 });
    expect(collector.dropped().map((d) => d.reason)).toEqual([expect.stringMatching(/\$token/), expect.stringMatching(/\$distinct_id/)]);
  });

  it('the default semantics still refuses the whole batch for one malformed event', async () => {
    collector.setSemantics('dedupe');
    const res = await track([event('a'), { properties: { token: 't' } }]);
    expect(res.status).toBe(400);
    expect(collector.events()).toEqual([]);
    // and keeps events whatever their age
    await track([event('old', { time: 1 })]);
    expect(collector.events()).toHaveLength(1);
  });
});

describe('mixpanel semantics over the control API', () => {
  it('switches semantics and serves profiles and dropped items', async () => {
    collector.setSemantics('dedupe');
    const set = await post(`${collector.controlUrl}/semantics`, JSON.stringify({ semantics: 'mixpanel' }), 'application/json');
    expect(JSON.parse(set.text)).toEqual({ ok: true, semantics: 'mixpanel' });
    await engage('primary', [increment, increment]);
    await track([event('a'), event('old', { time: 1 })]);
    const profiles = await (await fetch(`${collector.controlUrl}/profiles`)).json();
    expect(profiles.people.u1).toMatchObject({ properties: { visits: 2 }, updates: 2 });
    const dropped = await (await fetch(`${collector.controlUrl}/dropped`)).json();
    expect(dropped.dropped).toHaveLength(1);
    expect(dropped.cursor).toBe(dropped.dropped[0].seq);
    const state = await (await fetch(`${collector.controlUrl}/`)).json();
    expect(state.semantics).toBe('mixpanel');
    const bad = await post(`${collector.controlUrl}/semantics`, JSON.stringify({ semantics: 'lenient' }), 'application/json');
    expect(bad.status).toBe(400);
  });

  it('reset forgets profiles and dropped items but keeps the semantics', async () => {
    await engage('primary', [increment]);
    await track([event('a'), event('old', { time: 1 })]);
    await collector.reset();
    expect(collector.profiles()).toEqual({ people: {}, groups: {} });
    expect(collector.dropped()).toEqual([]);
    expect(collector.semantics()).toBe('mixpanel');
  });

  it('rejects an unknown semantics at start', async () => {
    await expect(startCollector({ semantics: 'strict' as never })).rejects.toThrow(/unknown semantics/);
  });
});
