// A single-page app with `track_pageview` set to each of mixpanel-browser's URL options:
// pushState, a hash link and the back button make one `$mp_web_page_view` per URL
// change of the part the option names, counted at the collector by `$insert_id`, on every
// engine (mixpanel-browser 2.83: Autocapture.initPageviewTracking).
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/fixtures';
import { useEngineScenario, type EngineHarness } from '../support/engines/harness';
import { sdkPage } from '../support/sdk-page';

let h: EngineHarness;
const open = useEngineScenario((harness) => (h = harness));

/** The app's own navigation: two routes by pushState, a hash link, then the back button; each step waits for the browser's events. */
const JOURNEY = async () => {
  const settle = () => new Promise((resolve) => setTimeout(resolve, 100));
  history.pushState({}, '', '/app/pricing');
  await settle();
  history.pushState({}, '', '/app/pricing?plan=pro');
  await settle();
  location.hash = 'faq';
  await settle();
  history.back();
  await settle();
  return location.href;
};

/** `$current_url` of each page view the collector accepted for `token`, one per `$insert_id`, in the order tracked. */
function pageViews(token: string): string[] {
  const seen = new Map<string, { time: number; url: string }>();
  for (const e of h.collector.events({ endpoint: 'track', event: '$mp_web_page_view' })) {
    const p = e.data.properties as Record<string, unknown>;
    if (p.token === token) seen.set(String(p.$insert_id), { time: Number(p.time), url: String(p.$current_url) });
  }
  return [...seen.values()].sort((a, b) => a.time - b.time).map((v) => v.url);
}

describe('SPA page views (track_pageview)', () => {
  it.each([
    ['url-with-path', ['/spa.html?utm_source=news', '/app/pricing']],
    ['url-with-path-and-query-string', ['/spa.html?utm_source=news', '/app/pricing', '/app/pricing?plan=pro']],
    [
      'full-url',
      ['/spa.html?utm_source=news', '/app/pricing', '/app/pricing?plan=pro', '/app/pricing?plan=pro#faq', '/app/pricing?plan=pro'],
    ],
  ])('%s: one page view per URL change it counts', async (option, expected) => {
    const token = 'spa-' + option;
    const url = sdkPage(h, `/${token}/spa.html`, { token, config: { track_pageview: option } }).replace(
      '/spa.html',
      '/spa.html?utm_source=news',
    );
    const tab = await open(url);
    expect(await tab.evaluate(JOURNEY)).toBe(h.site.url('/app/pricing?plan=pro'));
    const want = expected.map((path) => h.site.url(path.startsWith('/spa') ? `/${token}${path}` : path));
    await waitFor(() => pageViews(token).length >= want.length, 20_000);
    // a little longer, for a page view that should not be there
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(pageViews(token)).toEqual(want);

    const first = h.collector
      .events({ endpoint: 'track', event: '$mp_web_page_view' })
      .find((e) => (e.data.properties as { token: string }).token === token)!;
    expect(first.data.properties).toMatchObject({ $mp_autocapture: true, utm_source: 'news', current_url_search: '?utm_source=news' });
    expect(tab.pageErrors).toEqual([]);
  });
});
