// track_pageview's values and the page views of a single-page app, as
// mixpanel-browser 2.83's Autocapture.initPageListeners / initPageviewTracking
// (autocapture/index.js) make them.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { removeBrowser, setup } from './fake-browser';

afterEach(() => removeBrowser());

/** A page whose history moves `location` as a browser's does, and whose window dispatches popstate and hashchange. */
function spa(url: string, config: Record<string, unknown>) {
  const s = setup({ url });
  const target = new EventTarget();
  vi.stubGlobal('addEventListener', target.addEventListener.bind(target));
  const go = (next: string) => {
    const u = new URL(next, location.href);
    Object.assign(location, { href: u.href, pathname: u.pathname, search: u.search, hostname: u.hostname, protocol: u.protocol });
  };
  vi.stubGlobal('history', {
    pushState: (_state: unknown, _title: string, next: string) => go(next),
    replaceState: (_state: unknown, _title: string, next: string) => go(next),
  });
  s.lib.init('tok', { ...config, on_error: s.on_error });
  const views = () => s.pipes.events('$mp_web_page_view').map((e) => e.properties.$current_url);
  return {
    ...s,
    views,
    push: (next: string) => history.pushState(null, '', next),
    replace: (next: string) => history.replaceState(null, '', next),
    back: (next: string) => {
      go(next);
      target.dispatchEvent(new Event('popstate'));
    },
    hash: (next: string) => {
      go(next);
      target.dispatchEvent(new Event('hashchange'));
    },
  };
}

/** The same journey for each option: path, query, hash, back, replace with the same URL. */
function journey(page: ReturnType<typeof spa>) {
  page.push('/pricing');
  page.push('/pricing?plan=pro');
  page.hash('/pricing?plan=pro#faq');
  page.back('/');
  page.replace('/');
  return page.views();
}

describe('track_pageview on URL changes', () => {
  it("'url-with-path': a page view when the path changes", () => {
    expect(journey(spa('https://app.example.com/', { track_pageview: 'url-with-path' }))).toEqual([
      'https://app.example.com/',
      'https://app.example.com/pricing',
      'https://app.example.com/',
    ]);
  });

  it("'url-with-path-and-query-string': also when the query changes", () => {
    expect(journey(spa('https://app.example.com/', { track_pageview: 'url-with-path-and-query-string' }))).toEqual([
      'https://app.example.com/',
      'https://app.example.com/pricing',
      'https://app.example.com/pricing?plan=pro',
      'https://app.example.com/',
    ]);
  });

  it("'full-url': also when the hash changes", () => {
    expect(journey(spa('https://app.example.com/', { track_pageview: 'full-url' }))).toEqual([
      'https://app.example.com/',
      'https://app.example.com/pricing',
      'https://app.example.com/pricing?plan=pro',
      'https://app.example.com/pricing?plan=pro#faq',
      'https://app.example.com/',
    ]);
  });

  it('true: the page view of init only; false: none', () => {
    expect(journey(spa('https://app.example.com/', { track_pageview: true }))).toEqual(['https://app.example.com/']);
    removeBrowser();
    expect(journey(spa('https://app.example.com/', { track_pageview: false }))).toEqual([]);
  });

  it('the automatic ones say $mp_autocapture: true, and carry the page fields of the new URL', () => {
    const page = spa('https://app.example.com/', { track_pageview: 'url-with-path' });
    page.push('/docs?utm_source=mail');
    const [, docs] = page.pipes.events('$mp_web_page_view');
    expect(docs!.properties).toMatchObject({
      $mp_autocapture: true,
      current_url_path: '/docs',
      current_url_search: '?utm_source=mail',
      utm_source: 'mail',
    });
  });

  it('set_config can turn them off, and none is tracked while opted out', () => {
    const page = spa('https://app.example.com/', { track_pageview: 'url-with-path' });
    page.lib.set_config({ track_pageview: false });
    page.push('/a');
    page.lib.set_config({ track_pageview: 'url-with-path' });
    page.lib.opt_out_tracking();
    page.push('/b');
    page.lib.opt_in_tracking({ track: false });
    page.push('/c');
    expect(page.views()).toEqual(['https://app.example.com/', 'https://app.example.com/c']);
  });

  it("the page's own pushState keeps working and returning what it returns", () => {
    const page = spa('https://app.example.com/', { track_pageview: 'url-with-path' });
    expect(history.pushState(null, '', '/x')).toBeUndefined();
    expect(location.href).toBe('https://app.example.com/x');
    expect(page.views()).toHaveLength(2);
  });
});

describe('track_pageview values', () => {
  it.each([true, false, 'full-url', 'url-with-path-and-query-string', 'url-with-path'] as const)('accepts %s', (value) => {
    const { lib, reports, on_error } = setup();
    lib.init('tok', { track_pageview: value, on_error });
    expect(lib.get_config('track_pageview')).toBe(value);
    expect(reports).toEqual([]);
  });

  it.each(['yes', 'url', 1, null])('refuses %s with the values it takes', (value) => {
    const { lib, reports, on_error } = setup();
    // a page written in JavaScript can pass anything
    lib.init('tok', { track_pageview: value as never, on_error });
    expect(lib.get_config('track_pageview')).toBe(false);
    expect(reports[0]!.message).toContain('"url-with-path"');
  });
});
