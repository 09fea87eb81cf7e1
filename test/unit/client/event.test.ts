import { afterEach, describe, expect, it, vi } from 'vitest';
import { COMPATIBLE_LIB_VERSION, LIB_NAME, LIB_VERSION, MAX_EVENT_BYTES } from '../../../src/constants';
import { removeBrowser, setup, tick } from './fake-browser';

afterEach(() => {
  removeBrowser();
  vi.useRealTimers();
});

describe('track() body', () => {
  it('stringifies what every event shares once, then only each call’s own part', () => {
    const { lib, pipes } = setup();
    lib.init('tok');
    const stringify = vi.spyOn(JSON, 'stringify');
    const shared = () => stringify.mock.calls.filter(([v]) => !!v && typeof v === 'object' && 'mp_lib' in v).length;
    lib.track('Added', { sku: 'A1', note: 'é' });
    lib.track('Added', { sku: 'A2' });
    lib.track('Viewed');
    expect(shared()).toBe(1);
    lib.register({ plan: 'pro' });
    lib.track('Added', { sku: 'A3' });
    expect(shared()).toBe(2);
    stringify.mockRestore();
    expect(pipes.sent).toHaveLength(4);
    for (const s of pipes.sent) {
      expect(typeof s.json).toBe('string');
      // the body's own JSON: no key twice (JSON.parse would keep the last), nothing it would change
      expect(s.json.length).toBe(JSON.stringify(s.body).length);
      expect(s.body.properties).toMatchObject({ token: 'tok', mp_lib: LIB_NAME, $current_url: 'https://shop.example.com/cart?x=1' });
    }
    expect(pipes.sent.map((s) => s.body.properties.sku)).toEqual(['A1', 'A2', undefined, 'A3']);
    expect(pipes.sent.map((s) => s.body.properties.plan)).toEqual([undefined, undefined, undefined, 'pro']);
    expect(new Set(pipes.sent.map((s) => s.body.properties.$insert_id)).size).toBe(4);
  });

  it('each event carries what the page and the methods changed since the last one', () => {
    const { lib, pipes, env } = setup();
    lib.init('tok');
    const props = () => pipes.sent.at(-1)!.body.properties;
    lib.track('a');
    const anonymous = props().distinct_id;
    env!.location.href = 'https://shop.example.com/checkout';
    lib.track('b');
    expect(props().$current_url).toBe('https://shop.example.com/checkout');
    lib.register({ plan: 'pro' }, { persistent: false });
    lib.track('c');
    expect(props().plan).toBe('pro');
    lib.unregister('plan');
    lib.identify('user-1');
    lib.track('d');
    expect(props()).toMatchObject({ distinct_id: 'user-1', $user_id: 'user-1' });
    expect(props()).not.toHaveProperty('plan');
    lib.set_config({ property_blacklist: ['$os', '$current_url'] });
    lib.track('e');
    expect(props()).not.toHaveProperty('$os');
    expect(props()).not.toHaveProperty('$current_url');
    lib.reset();
    lib.track('f');
    expect(props().distinct_id).not.toBe('user-1');
    expect(props().distinct_id).not.toBe(anonymous);
    const identify = pipes.sent.find((s) => s.body.event === '$identify')!;
    // tracked by identify() after it changed identity: carries the new one
    expect(identify.body.properties).toMatchObject({ distinct_id: 'user-1', $anon_distinct_id: anonymous });
  });

  it('reads the URL on every event, and the screen and user agent again after a second', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_700_000_000_000);
    const { lib, pipes, env } = setup();
    lib.init('tok');
    const props = () => pipes.sent.at(-1)!.body.properties;
    lib.track('a');
    expect(props()).toMatchObject({ $screen_width: 1440, $screen_height: 900 });
    (globalThis as unknown as { screen: { width: number; height: number } }).screen.width = 900;
    (globalThis as unknown as { screen: { width: number; height: number } }).screen.height = 1440;
    env!.location.href = 'https://shop.example.com/rotated';
    lib.track('b');
    expect(props()).toMatchObject({ $current_url: 'https://shop.example.com/rotated', $screen_width: 900 });
    (globalThis as unknown as { screen: { width: number } }).screen.width = 1440;
    lib.track('c');
    expect(props().$screen_width).toBe(900); // the same second, the same URL: reused
    vi.setSystemTime(1_700_000_001_000);
    lib.track('d');
    expect(props().$screen_width).toBe(1440);
  });

  it('the call’s own properties win over super and automatic ones, each key once', () => {
    const { lib, pipes } = setup();
    lib.init('tok');
    lib.register({ plan: 'pro', time: 1_600_000_000 });
    lib.track('x', { plan: 'team', $os: 'Custom', token: 'other', $insert_id: 'my-id-1' });
    const { json, body } = pipes.sent.at(-1)!;
    expect(body.properties).toMatchObject({ plan: 'team', $os: 'Custom', token: 'tok', $insert_id: 'my-id-1', time: 1_600_000_000 });
    for (const key of ['plan', '$os', 'token', '$insert_id', 'time']) expect(json.split(`"${key}":`)).toHaveLength(2);
  });

  it('carries Mixpanel’s automatic properties', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_700_000_000_123);
    const { lib, pipes } = setup({ url: 'https://shop.example.com/cart?x=1', referrer: 'https://www.google.com/search?q=a' });
    lib.init('tok');
    lib.track('Added', { sku: 'A1' });
    expect(pipes.sent).toHaveLength(1);
    const { ep, body } = pipes.sent[0]!;
    expect(ep).toBe('track');
    expect(Object.keys(body).sort()).toEqual(['event', 'properties']);
    expect(body.event).toBe('Added');
    const p = body.properties;
    const device = p.$device_id as string;
    expect(device).toMatch(/^[0-9a-f-]{36}$/);
    expect(p).toMatchObject({
      token: 'tok',
      distinct_id: '$device:' + device,
      sku: 'A1',
      time: 1_700_000_000.123,
      $current_url: 'https://shop.example.com/cart?x=1',
      $referrer: 'https://www.google.com/search?q=a',
      $referring_domain: 'www.google.com',
      $browser: 'Chrome',
      $browser_version: 120,
      $os: 'Mac OS X',
      $screen_width: 1440,
      $screen_height: 900,
      mp_lib: LIB_NAME,
      $lib_version: COMPATIBLE_LIB_VERSION,
      mp_loader: 'outlast/' + LIB_VERSION,
    });
    expect(p.$insert_id).toMatch(/^[A-Za-z0-9-]{1,36}$/);
    expect(p.$user_id).toBeUndefined();
  });

  it('says $direct as the first referrer when there is none (mixpanel-browser: update_referrer_info), and gives each event its own $insert_id', () => {
    const { lib, pipes } = setup({ referrer: '' });
    lib.init('tok');
    lib.track('a');
    lib.track('b');
    const [a, b] = pipes.events();
    expect(a!.properties).not.toHaveProperty('$referring_domain');
    expect(a!.properties.$initial_referring_domain).toBe('$direct');
    expect(a!.properties.$insert_id).not.toBe(b!.properties.$insert_id);
  });

  it('keeps a caller’s $insert_id and time, turning a time in ms into seconds', () => {
    const { lib, pipes } = setup();
    lib.init('tok');
    lib.track('s', { $insert_id: 'stub-1', time: 1_690_000_000 });
    lib.track('ms', { time: 1_690_000_000_456 });
    const [s, ms] = pipes.events();
    expect(s!.properties.$insert_id).toBe('stub-1');
    expect(s!.properties.time).toBe(1_690_000_000);
    expect(ms!.properties.time).toBeCloseTo(1_690_000_000.456, 3);
  });

  it('replaces an $insert_id Mixpanel would reject, and says so', () => {
    const { lib, pipes, reports, on_error } = setup();
    lib.init('tok', { on_error });
    lib.track('x', { $insert_id: 'has spaces and is far too long for mixpanel to take' });
    expect(pipes.events()[0]!.properties.$insert_id).toMatch(/^[A-Za-z0-9-]{1,36}$/);
    expect(reports.map((r) => r.message).join()).toMatch(/\$insert_id/);
  });

  it('orders automatic < super < call properties, and token is always the instance’s', () => {
    const { lib, pipes } = setup();
    lib.init('tok');
    lib.register({ plan: 'free', $browser: 'Custom', shared: 'super' });
    lib.track('x', { shared: 'call', token: 'other', $os: 'Plan 9' });
    const p = pipes.events()[0]!.properties;
    expect(p).toMatchObject({ plan: 'free', $browser: 'Custom', shared: 'call', token: 'tok', $os: 'Plan 9' });
  });

  it('drops property_blacklist names but never the token', () => {
    const { lib, pipes } = setup();
    lib.init('tok', { property_blacklist: ['$current_url', 'secret', 'token'] });
    lib.track('x', { secret: 1, kept: 2 });
    const p = pipes.events()[0]!.properties;
    expect(p).not.toHaveProperty('$current_url');
    expect(p).not.toHaveProperty('secret');
    expect(p).toMatchObject({ kept: 2, token: 'tok' });
  });

  it('track_pageview sends $mp_web_page_view with the page fields', () => {
    const { lib, pipes } = setup({ url: 'https://shop.example.com/cart?x=1', title: 'Cart' });
    lib.init('tok');
    lib.track_pageview({ section: 'checkout' });
    const e = pipes.events('$mp_web_page_view')[0]!;
    expect(e.properties).toMatchObject({
      current_page_title: 'Cart',
      current_domain: 'shop.example.com',
      current_url_path: '/cart',
      current_url_protocol: 'https:',
      current_url_search: '?x=1',
      section: 'checkout',
    });
  });

  it('init with track_pageview: true tracks a page view', () => {
    const { lib, pipes } = setup();
    lib.init('tok', { track_pageview: true });
    expect(pipes.events('$mp_web_page_view')).toHaveLength(1);
  });

  it('time_event adds $duration in seconds to the next track of that name only', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const { lib, pipes } = setup();
    lib.init('tok');
    lib.time_event('Upload');
    vi.setSystemTime(1_002_345);
    lib.track('Other');
    lib.track('Upload');
    lib.track('Upload');
    const [other, first, second] = pipes.events();
    expect(other!.properties).not.toHaveProperty('$duration');
    expect(first!.properties.$duration).toBe(2.345);
    expect(second!.properties).not.toHaveProperty('$duration');
  });

  it('rejects a missing, empty or non-string event name with a clear report', () => {
    const { lib, pipes, reports, on_error } = setup();
    lib.init('tok', { on_error });
    const track = lib.track as (...a: unknown[]) => void;
    for (const bad of [undefined, '', '   ', 42, { name: 'x' }]) track(bad);
    expect(pipes.sent).toHaveLength(0);
    expect(reports).toHaveLength(5);
    expect(reports[0]).toMatchObject({ code: 'invalid_call' });
    expect(reports[0]!.message).toBe('track: event name must be a non-empty string; got undefined');
    expect(reports[3]!.message).toBe('track: event name must be a non-empty string; got 42');
  });

  it('rejects an event whose JSON is still over the size limit after cutting', () => {
    const { lib, pipes, reports, on_error } = setup();
    lib.init('tok', { on_error });
    // 255 items of 255 characters: each value is within limits, the whole is not
    lib.track('huge', { list: Array(300).fill('x'.repeat(300)) });
    expect(pipes.sent).toHaveLength(0);
    expect(reports.find((r) => r.code === 'invalid_call')!.message).toContain(`${MAX_EVENT_BYTES}-byte limit`);
  });

  it('calls the track callback with 1 once the outbox holds the event, with 0 when refused', async () => {
    const { lib, pipes } = setup();
    lib.init('tok');
    let release!: () => void;
    const durable = new Promise<void>((r) => (release = r));
    pipes.setSettle(() => durable);
    const statuses: number[] = [];
    lib.track('ok', {}, (s) => statuses.push(s));
    lib.track('', {}, (s) => statuses.push(s));
    lib.track('opts', {}, { transport: 'sendBeacon' }, (s) => statuses.push(s));
    await tick();
    expect(statuses).toEqual([0]);
    release();
    await tick();
    expect(statuses).toEqual([0, 1, 1]);
  });

  it('a throwing callback does not reach the page', async () => {
    const { lib } = setup();
    lib.init('tok');
    expect(() =>
      lib.track('x', {}, () => {
        throw new Error('page bug');
      }),
    ).not.toThrow();
    await tick();
  });
});
