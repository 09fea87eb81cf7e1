// A visitor who leaves before the library has run, and never comes back to the site: every
// event they caused still reaches the collector, sent by the stub itself on `pagehide`.
// (mixpanel-browser's own snippet loads its library before `load`; Outlast's waits for `load`
// so as never to delay it, and so has to cover the pages left before then.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/fixtures';
import { useEngineScenario, type EngineHarness } from '../support/engines/harness';
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
  // WebKit fires no pagehide or visibilitychange for a page left before its `load`, only
  // beforeunload, which the stub listens to until `load`.
  it('a page whose `load` is held 8 s by an image, left after 1 s: 5 of 5 events arrive', async () => {
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
    // leave once the page has made its calls (a busy machine can take longer than the 1 s a visitor waits)
    const stubbed = () => tab.evaluate(() => (window as unknown as { mixpanel?: unknown[] }).mixpanel?.length ?? 0).catch(() => 0);
    await new Promise((r) => setTimeout(r, 1000));
    await waitFor(async () => (await stubbed()) >= 5 || undefined, 5_000);
    await tab.goto(elsewhere.url('/'));
    expect(await arrivals('tok-slow', 5)).toBe(5);
    // the library never ran: the page never got to `load`
    expect(h.site.requests.filter((p) => p.startsWith('/dist/outlast.min.js'))).toHaveLength(0);
  });

  // Firefox lost a send made in pagehide here (0 of 10); the stub sends at the first of
  // visibilitychange and pagehide.
  it('10 events, the visitor navigates to another site as `load` fires: all 10 arrive without a return visit', async () => {
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

  it("a returning visitor's early-leave events carry the identity the library gives the same calls", async () => {
    const token = 'tok-returning';
    const config = JSON.stringify(fastConfig(h.collector));
    // first visit: the library runs, stores the visitor in its cookie, and tracks one event
    const tab = await open(
      h.site.page(
        '/visit-1.html',
        pageHtml({
          head:
            snippetTags({ urls: [h.site.url('/dist/outlast.min.js')] }) +
            `<script>mixpanel.init('${token}', ${config}); mixpanel.track('by the library');</script>`,
        }),
      ),
    );
    await waitFor(() => h.collector.events({ endpoint: 'track', event: 'by the library' }).length > 0 || undefined, 10_000);
    // second visit: the library answers late, the visitor leaves at `load`
    h.site.page('/lib/late.min.js', '/* late */', 'text/javascript; charset=utf-8', { delayMs: 3000 });
    await tab.goto(
      h.site.page(
        '/visit-2.html',
        pageHtml({
          head:
            snippetTags({ urls: [h.site.url('/lib/late.min.js')] }) +
            `<script>mixpanel.init('${token}', ${config}); mixpanel.track('by the stub', { step: 1 });
             addEventListener('load', function () { setTimeout(function () { location.href = ${JSON.stringify(elsewhere.url('/'))}; }, 0); });</script>`,
        }),
      ),
    );
    await tab.waitForURL(elsewhere.url('/'), 10_000);
    await waitFor(() => h.collector.events({ endpoint: 'track', event: 'by the stub' }).length > 0 || undefined, 10_000);
    const props = (name: string) => h.collector.events({ endpoint: 'track', event: name })[0]!.data.properties as Record<string, unknown>;
    const library = props('by the library');
    const stub = props('by the stub');
    console.log(
      `${h.engine}: the library's event has ${Object.keys(library).sort().join(' ')}; the stub's has ${Object.keys(stub).sort().join(' ')}`,
    );
    // what reports count by: the same user, project and library
    for (const key of ['distinct_id', '$device_id', 'token', 'mp_lib']) expect(stub[key], key).toBe(library[key]);
    expect(String(stub.distinct_id)).toMatch(/^\$device:/);
    expect(stub).toMatchObject({ step: 1, $current_url: h.site.url('/visit-2.html') });
    expect(typeof stub.time).toBe('number');
    expect(typeof stub.$insert_id).toBe('string');
  });
});
