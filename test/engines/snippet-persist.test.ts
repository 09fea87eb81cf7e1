// Calls made on a page where the library never arrived are not lost: the snippet keeps them in
// localStorage when the page is left, and the library replays them on the next page of the site,
// with the moment they were made. Also: the paste block the README documents works as pasted.
// On every engine; the snippet tries only the library URLs each page lists, all of them local.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type Collector } from '../../examples/collector/collector.mjs';
import { sleep, waitFor } from '../support/fixtures';
import { useEngineScenario, type EngineHarness } from '../support/engines/harness';
import { DIST_DIR, pageHtml } from '../support/site';
import { errorsIn, fastConfig, libraryRan, snippetSource, snippetTags } from '../support/snippet-page';

let h: EngineHarness;
const open = useEngineScenario((harness) => (h = harness), { scriptHost: true });
/** A second CDN, on its own host, so that "every script URL" means more than one. */
let cdn2: Collector;

beforeAll(async () => {
  cdn2 = await startCollector({ hosts: [], scriptHost: { dir: DIST_DIR } });
});
afterAll(() => cdn2?.close());

type Props = Record<string, unknown>;

/** Accepted track events of one token, one per `$insert_id`. */
function trackEvents(token: string): Array<{ event: string; properties: Props }> {
  const seen = new Set<unknown>();
  const out: Array<{ event: string; properties: Props }> = [];
  for (const e of h.collector.events({ endpoint: 'track' })) {
    const p = e.data.properties as Props;
    if (p.token !== token || seen.has(p.$insert_id)) continue;
    seen.add(p.$insert_id);
    out.push({ event: String(e.data.event), properties: p });
  }
  return out;
}

describe('snippet: every script URL refuses on the first page', () => {
  it("the next page of the site sends the first page's 20 events, with their original times, and its own", async () => {
    await Promise.all([h.collector.setMode('script', 'refuse'), cdn2.setMode('script', 'refuse')]);
    const token = 'tok-refused';
    const urls = [`${h.collector.urls.script}/mixpanel.min.js`, `${cdn2.urls.script}/mixpanel.min.js`];
    const config = JSON.stringify(fastConfig(h.collector));
    const first = h.site.page(
      '/first.html',
      pageHtml({
        head: snippetTags({ urls }),
        body: '<a href="/second.html">next</a>',
        script: `mixpanel.init('${token}', ${config});
          window.trackedAt = [];
          for (let i = 0; i < 20; i++) { const before = Date.now() / 1000; mixpanel.track('first page', { i }); trackedAt.push([before, Date.now() / 1000]); }`,
      }),
    );
    h.site.page(
      '/second.html',
      pageHtml({
        head: snippetTags({ urls }),
        script: `mixpanel.init('${token}', ${config});
          for (let i = 0; i < 5; i++) mixpanel.track('second page', { i });`,
      }),
    );

    const page = await open(first);
    // Every URL was tried and failed: the stub still holds the calls.
    await waitFor(() => page.evaluate(() => document.querySelectorAll('head script[src]').length === 2), 5_000);
    await sleep(300);
    const stubbed = await page.evaluate(() => {
      const mp = (window as unknown as { mixpanel: unknown[] & { __loaded?: boolean } }).mixpanel;
      return { loaded: !!mp.__loaded, calls: mp.length };
    });
    expect(stubbed).toEqual({ loaded: false, calls: 20 });
    const trackedAt = await page.evaluate(() => (window as unknown as { trackedAt: [number, number][] }).trackedAt);
    expect(trackEvents(token)).toHaveLength(0);

    // The CDNs are back; the user clicks through to the next page in the same tab.
    await Promise.all([h.collector.setMode('script', 'ok'), cdn2.setMode('script', 'ok')]);
    await sleep(200); // so a replayed event stamped on arrival could not pass for an original time
    // the click comes after the evaluation has answered, so no driver waits on a page being left
    await page.evaluate(() => {
      setTimeout(() => document.querySelector('a')!.click(), 0);
    });
    await page.waitForURL(/\/second\.html$/);
    await libraryRan(page);

    await waitFor(() => trackEvents(token).length >= 25, 10_000);
    const events = trackEvents(token);
    expect(events.filter((e) => e.event === 'second page')).toHaveLength(5);
    const replayed = events.filter((e) => e.event === 'first page').sort((a, b) => Number(a.properties.i) - Number(b.properties.i));
    expect(replayed.map((e) => e.properties.i)).toEqual([...Array(20).keys()]);
    // each replayed time lies within the instant of its call on the first page (ms precision)
    replayed.forEach((e, i) => {
      const [before, after] = trackedAt[i]!;
      expect(Number(e.properties.time)).toBeGreaterThanOrEqual(before - 0.0005);
      expect(Number(e.properties.time)).toBeLessThanOrEqual(after + 0.0005);
    });
    expect(replayed.every((e) => String(e.properties.$current_url).endsWith('/first.html'))).toBe(true);
    // What was replayed is removed from localStorage once it is in the outbox.
    await waitFor(() => page.evaluate(() => !Object.keys(localStorage).some((k) => k.startsWith('__outlast_stub_queue:'))), 5_000);
    // what the browsers say about the refused and unresolvable script URLs is expected
    const refused = /Failed to load resource|ERR_CONNECTION_REFUSED|ERR_NAME_NOT_RESOLVED|Could not connect|hostname could not be found/;
    expect(errorsIn(page).filter((e) => !refused.test(e))).toEqual([]);
  });
});

/**
 * The block the README tells site owners to paste, as documented: placeholders in capitals,
 * `SNIPPET` stands for the contents of dist/snippet.min.js.
 */
const README_PASTE_BLOCK = `<script>window.MIXPANEL_LIB_URLS = ['https://cdn.example.com/mixpanel.min.js'];</script>
<script>SNIPPET</script>
<script>
  mixpanel.init('YOUR_PROJECT_TOKEN', { api_host: 'https://api-js.mixpanel.com' });
  mixpanel.track('Page viewed');
</script>`;

describe('the README paste block', () => {
  it('works verbatim with only the URLs and token filled in', async () => {
    await h.collector.setMode('script', 'ok');
    const html = README_PASTE_BLOCK.replace('https://cdn.example.com/mixpanel.min.js', `${h.collector.urls.script}/mixpanel.min.js`)
      .replace('YOUR_PROJECT_TOKEN', 'tok-readme')
      .replace('https://api-js.mixpanel.com', h.collector.urls.primary as string)
      .replace('SNIPPET', () => snippetSource());
    const page = await open(
      h.site.page('/readme.html', `<!doctype html><html><head><meta charset="utf-8">${html}</head><body>shop</body></html>`),
    );
    await libraryRan(page);
    // The default flush interval (5 s) applies here, as on a real site.
    await waitFor(() => trackEvents('tok-readme').length >= 1, 10_000);
    expect(trackEvents('tok-readme').map((e) => e.event)).toEqual(['Page viewed']);
    expect(errorsIn(page)).toEqual([]);
  });
});
