// A visitor who leaves before the library has run, and never comes back to the site: every
// event they caused still reaches the collector, sent by the stub itself on `pagehide`.
// (mixpanel-browser's own snippet loads its library before `load`; Outlast's waits for `load`
// so as never to delay it, and so has to cover the pages left before then.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/fixtures';
import { useEngineScenario, type EngineHarness } from '../support/engines/harness';
import { currentEngine } from '../support/engines/index';
import { pageHtml, startSite, type Site } from '../support/site';
import { fastConfig, snippetTags } from '../support/snippet-page';

let h: EngineHarness;
const open = useEngineScenario((harness) => (h = harness));
/** Another site (another loopback address), where the visitor goes and stays. */
let elsewhere: Site;
beforeAll(async () => {
  elsewhere = await startSite({ host: '127.0.0.2' });
  elsewhere.page('/', pageHtml({ title: 'elsewhere', body: '<h1>another site</h1>' }));
});
afterAll(() => elsewhere?.close());

/** The distinct $insert_ids of the track events of one token that the collector accepted. */
const arrived = (token: string): Set<string> =>
  new Set(
    h.collector
      .events({ endpoint: 'track' })
      .filter((e) => (e.data.properties as Record<string, unknown>).token === token)
      .map((e) => String((e.data.properties as Record<string, unknown>).$insert_id)),
  );

/** Waits up to 10 s for `count` events of `token`, and answers how many arrived. */
const arrivals = (token: string, count: number): Promise<number> =>
  waitFor(() => arrived(token).size >= count || undefined, 10_000).then(
    () => arrived(token).size,
    () => arrived(token).size,
  );

describe('snippet: leaving before the library has run', () => {
  // Not yet on WebKit, where none of the 5 arrive, nor reliably on Firefox, where 5 of 5 arrived in
  // one run of two and 0 in the other (open: how each driver's navigation of a page that is still
  // loading meets its pagehide listeners).
  it('a page whose `load` is held 8 s by an image, left after 1 s: 5 of 5 events arrive', async (ctx) => {
    if (currentEngine() !== 'chromium')
      return ctx.skip(
        `not yet on ${currentEngine()}: the stub's pagehide send is lost when the driver navigates away from a page still loading (none arrive on webkit, not reliably on firefox; open)`,
      );
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';
    h.site.page('/img/slow.svg', svg, 'image/svg+xml', { delayMs: 8000 });
    const head =
      snippetTags({ urls: [h.site.url('/dist/outlast.min.js')] }) +
      `<script>mixpanel.init('tok-slow', ${JSON.stringify(fastConfig(h.collector))});
       for (var i = 0; i < 5; i++) mixpanel.track('before load', { i: i });</script>`;
    const url = h.site.page('/slow.html', pageHtml({ head, body: '<h1>slow shop</h1><img src="/img/slow.svg" width="10">' }));
    const tab = await open();
    // not goto: that waits for `load`, which is the point of the page not to give
    await tab.evaluate((u) => void (location.href = u), url);
    await new Promise((r) => setTimeout(r, 1000));
    await tab.goto(elsewhere.url('/'));
    expect(await arrivals('tok-slow', 5)).toBe(5);
    // the library never ran: the page never got to `load`
    expect(h.site.requests.filter((p) => p.startsWith('/dist/outlast.min.js'))).toHaveLength(0);
  });

  // Not yet on Firefox: none of the 10 arrive there when the page itself navigates to another site
  // from its `load` handler (open; a driver-made navigation after 1 s, above, does deliver).
  it('10 events, the visitor navigates to another site as `load` fires: all 10 arrive without a return visit', async (ctx) => {
    if (currentEngine() === 'firefox')
      return ctx.skip('not yet on firefox: none of the 10 arrive when the page navigates away from its own `load` handler (open)');
    // the library answers late, so it has certainly not run when the page goes
    h.site.page('/lib/outlast.min.js', '/* late */', 'text/javascript; charset=utf-8', { delayMs: 3000 });
    const head =
      snippetTags({ urls: [h.site.url('/lib/outlast.min.js')] }) +
      `<script>mixpanel.init('tok-atload', ${JSON.stringify(fastConfig(h.collector))});
       for (var i = 0; i < 10; i++) mixpanel.track('step', { i: i });
       addEventListener('load', function () { setTimeout(function () { location.href = ${JSON.stringify(elsewhere.url('/'))}; }, 0); });</script>`;
    const tab = await open();
    await tab.goto(h.site.page('/atload.html', pageHtml({ head, body: '<h1>quick shop</h1>' })));
    await tab.waitForURL(elsewhere.url('/'), 10_000);
    expect(await arrivals('tok-atload', 10)).toBe(10);
  });
});
