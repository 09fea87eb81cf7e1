// What a migrating site's reports rely on, through the public API: each case
// follows mixpanel-browser 2.83's function named in it (mixpanel-core.js,
// mixpanel-persistence.js, utils.js).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { COMPATIBLE_LIB_VERSION, LIB_VERSION } from '../../../src/constants';
import { cookieJar, removeBrowser, setup } from './fake-browser';

afterEach(() => {
  removeBrowser();
  vi.useRealTimers();
});

const LANDING = 'https://shop.example.com/spring?utm_source=google&utm_medium=cpc&utm_campaign=spring&gclid=G1';
const GOOGLE = 'https://www.google.com/search?q=running+shoes';

/** One page load of the site: a library on `url`, reached from `referrer`, with the visitor's cookies (the default persistence). */
function page(storage: ReturnType<typeof cookieJar>, url: string, referrer = '', config: Record<string, unknown> = {}) {
  const s = setup({ url, referrer, cookies: storage });
  s.lib.init('tok', config);
  return s;
}

const stored = (storage: ReturnType<typeof cookieJar>) => JSON.parse(decodeURIComponent(storage.values.get('mp_tok_mixpanel') || '{}'));

describe('every event (_.info.properties, track)', () => {
  it('carries the campaign, click id, search engine and referrers of a landing from a search ad', () => {
    const { lib, pipes } = page(cookieJar(), LANDING, GOOGLE);
    lib.track('Viewed');
    const p = pipes.events('Viewed')[0]!.properties;
    expect(p).toMatchObject({
      utm_source: 'google',
      utm_medium: 'cpc',
      utm_campaign: 'spring',
      gclid: 'G1',
      $search_engine: 'google',
      mp_keyword: 'running shoes',
      $referrer: GOOGLE,
      $referring_domain: 'www.google.com',
      $initial_referrer: GOOGLE,
      $initial_referring_domain: 'www.google.com',
      $current_url: LANDING,
      $os: 'Mac OS X',
      $browser: 'Chrome',
      $browser_version: 120,
    });
    // a desktop has no $device; absent utm_* are not sent as empty
    expect(p).not.toHaveProperty('$device');
    expect(p).not.toHaveProperty('utm_term');
  });

  it('names the library as mixpanel-browser does, and Outlast in mp_loader unless the site sets its own', () => {
    const first = page(cookieJar(), LANDING);
    first.lib.track('x');
    expect(first.pipes.events('x')[0]!.properties).toMatchObject({
      mp_lib: 'web',
      $lib_version: COMPATIBLE_LIB_VERSION,
      mp_loader: 'outlast/' + LIB_VERSION,
    });
    removeBrowser();
    const own = page(cookieJar(), LANDING, '', { mp_loader: 'my-wrapper' });
    own.lib.track('x');
    expect(own.pipes.events('x')[0]!.properties.mp_loader).toBe('my-wrapper');
  });

  it('a direct visit has no $referrer, and $direct as the first referrer (update_referrer_info)', () => {
    const { lib, pipes } = page(cookieJar(), 'https://shop.example.com/');
    lib.track('x');
    const p = pipes.events('x')[0]!.properties;
    expect(p).not.toHaveProperty('$referrer');
    expect(p).not.toHaveProperty('$referring_domain');
    expect(p).toMatchObject({ $initial_referrer: '$direct', $initial_referring_domain: '$direct' });
  });

  it('a phone says its $device (_.info.device)', () => {
    const s = setup({
      url: LANDING,
      userAgent:
        'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36',
    });
    s.lib.init('tok');
    s.lib.track('x');
    expect(s.pipes.events('x')[0]!.properties).toMatchObject({ $device: 'Android', $os: 'Android', $browser: 'Chrome' });
  });
});

describe('what persists from one page to the next (_set_default_superprops)', () => {
  it('keeps utm_*, the search engine and the first referrer; click ids stay on the landing page', () => {
    const storage = cookieJar();
    page(storage, LANDING, GOOGLE);
    removeBrowser();
    const next = page(storage, 'https://shop.example.com/cart', 'https://shop.example.com/spring');
    next.lib.track('Cart');
    const p = next.pipes.events('Cart')[0]!.properties;
    expect(p).toMatchObject({
      utm_source: 'google',
      utm_campaign: 'spring',
      $search_engine: 'google',
      mp_keyword: 'running shoes',
      $initial_referrer: GOOGLE,
      $referrer: 'https://shop.example.com/spring',
      $referring_domain: 'shop.example.com',
    });
    expect(p).not.toHaveProperty('gclid');
  });

  it('a later campaign overwrites the parameters it has, and keeps the others (register)', () => {
    const storage = cookieJar();
    page(storage, LANDING);
    removeBrowser();
    const next = page(storage, 'https://shop.example.com/?utm_source=newsletter');
    next.lib.track('x');
    expect(next.pipes.events('x')[0]!.properties).toMatchObject({ utm_source: 'newsletter', utm_medium: 'cpc', utm_campaign: 'spring' });
  });

  it('stop_utm_persistence: utm_* only on the page that has them, and earlier ones are removed (_loaded)', () => {
    const storage = cookieJar();
    page(storage, LANDING);
    expect(stored(storage).utm_source).toBe('google');
    removeBrowser();
    const landing = page(storage, 'https://shop.example.com/?utm_source=newsletter', '', { stop_utm_persistence: true });
    landing.lib.track('x');
    expect(landing.pipes.events('x')[0]!.properties).toMatchObject({ utm_source: 'newsletter' });
    expect(landing.pipes.events('x')[0]!.properties).not.toHaveProperty('utm_medium');
    removeBrowser();
    const next = page(storage, 'https://shop.example.com/cart', '', { stop_utm_persistence: true });
    next.lib.track('y');
    expect(next.pipes.events('y')[0]!.properties).not.toHaveProperty('utm_source');
    expect(stored(storage)).not.toHaveProperty('utm_source');
  });

  it('save_referrer: false keeps no first referrer', () => {
    const { lib, pipes } = page(cookieJar(), LANDING, GOOGLE, { save_referrer: false });
    lib.track('x');
    const p = pipes.events('x')[0]!.properties;
    expect(p).not.toHaveProperty('$initial_referrer');
    expect(p).toMatchObject({ $referrer: GOOGLE, $search_engine: 'google' });
  });

  it('track_marketing: false leaves click ids out, while persisted utm_* still go (track)', () => {
    const { lib, pipes } = page(cookieJar(), LANDING, '', { track_marketing: false });
    lib.track('x');
    const p = pipes.events('x')[0]!.properties;
    expect(p).not.toHaveProperty('gclid');
    expect(p.utm_source).toBe('google');
  });

  it('reset() forgets them, and the next event records the page again', () => {
    const { lib, pipes } = page(cookieJar(), LANDING, GOOGLE);
    lib.reset();
    lib.track('x');
    expect(pipes.events('x')[0]!.properties).toMatchObject({ utm_source: 'google', $initial_referrer: GOOGLE });
  });

  it('computes them once per page: a hundred events write nothing to storage', () => {
    const storage = cookieJar();
    const { lib } = page(storage, LANDING, GOOGLE);
    lib.track('first');
    const writes = storage.writes.length;
    for (let i = 0; i < 100; i++) lib.track('x', { i });
    expect(storage.writes.length).toBe(writes);
  });
});

describe('the profile (create_mplib, _loaded, people.set)', () => {
  const engage = (pipes: ReturnType<typeof setup>['pipes']) => pipes.sent.filter((s) => s.ep === 'engage').map((s) => s.body);

  it('an anonymous visitor: initial_utm_* and the first referrer wait in the __mpso queue, no profile is made', () => {
    const storage = cookieJar();
    const { pipes } = page(storage, LANDING, GOOGLE);
    expect(engage(pipes)).toEqual([]);
    expect(stored(storage).__mpso).toEqual({
      initial_utm_source: 'google',
      initial_utm_medium: 'cpc',
      initial_utm_campaign: 'spring',
      initial_utm_content: null,
      initial_utm_term: null,
      initial_utm_id: null,
      initial_utm_source_platform: null,
      initial_utm_campaign_id: null,
      initial_utm_creative_format: null,
      initial_utm_marketing_tactic: null,
      $initial_referrer: GOOGLE,
      $initial_referring_domain: 'www.google.com',
    });
  });

  it('an identified visitor too: they wait for identify() on the page, as every profile update before it does (MixpanelPeople._send_request)', () => {
    const storage = cookieJar();
    page(storage, 'https://shop.example.com/').lib.identify('u1');
    removeBrowser();
    const { pipes } = page(storage, LANDING, GOOGLE);
    expect(engage(pipes)).toEqual([]);
    // the first page's referrer is kept, then the landing's campaign joins it
    expect(stored(storage).__mpso).toMatchObject({ initial_utm_source: 'google', initial_utm_term: null, $initial_referrer: '$direct' });
  });

  it('nothing is queued while opted out (addOptOutCheckMixpanelPeople)', () => {
    const storage = cookieJar();
    page(storage, LANDING, GOOGLE, { opt_out_tracking_by_default: true });
    expect(stored(storage).__mpso).toBeUndefined();
  });

  it('skip_first_touch_marketing: no initial_utm_*', () => {
    const storage = cookieJar();
    page(storage, LANDING, '', { skip_first_touch_marketing: true });
    expect(Object.keys(stored(storage).__mpso)).toEqual(['$initial_referrer', '$initial_referring_domain']);
  });

  it('people.set carries $os, $browser and $browser_version, not $device (_.info.people_properties)', () => {
    const { lib, pipes } = page(cookieJar(), LANDING);
    // profile updates go once identify() ran on the page (MixpanelPeople._send_request)
    lib.identify('u1');
    lib.people.set({ plan: 'pro' });
    const set = engage(pipes).find((b) => b.$set)!.$set;
    expect(set).toEqual({ plan: 'pro', $os: 'Mac OS X', $browser: 'Chrome', $browser_version: 120 });
  });
});

describe('track_pageview() (track_pageview, _.info.mpPageViewProperties)', () => {
  it('carries the page fields, leaves empty ones out, and the URL campaign whatever track_marketing says', () => {
    const { lib, pipes } = page(cookieJar(), 'https://shop.example.com/?utm_source=news&fbclid=F1', '', { track_marketing: false });
    lib.track_pageview();
    const p = pipes.events('$mp_web_page_view')[0]!.properties;
    expect(p).toMatchObject({
      current_page_title: 'Cart',
      current_domain: 'shop.example.com',
      current_url_path: '/',
      current_url_protocol: 'https:',
      current_url_search: '?utm_source=news&fbclid=F1',
      utm_source: 'news',
      fbclid: 'F1',
    });
    expect(p).not.toHaveProperty('$mp_autocapture');
    removeBrowser();
    const bare = page(cookieJar(), 'https://shop.example.com/');
    bare.lib.track_pageview();
    expect(bare.pipes.events('$mp_web_page_view')[0]!.properties).not.toHaveProperty('current_url_search');
  });
});
