// The paste-in snippet with a script host that accepts and never answers, on every engine: the
// page's `load` fires as soon as it would without any SDK, and every call made before the library
// arrived is delivered once the snippet has moved on to the next URL. (The Chromium-only
// snippet-loading file has the control: the same URL in a plain async tag holds `load`.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/fixtures';
import { setupEngine, type EngineHarness } from '../support/engines/harness';
import type { Tab } from '../support/engines/types';
import { pageHtml } from '../support/site';
import { fastConfig, median, snippetTags } from '../support/snippet-page';

let h: EngineHarness;

beforeAll(async () => {
  h = await setupEngine({ scriptHost: true });
});
afterAll(() => h?.close());

/** `loadEventStart` of the tab's navigation, in ms since its time origin. */
const loadEventStart = (tab: Tab) =>
  tab.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventStart);

/**
 * Names of the accepted track events of one token, one per `$insert_id` (a tab hidden before its
 * library has run sends its events from the stub too).
 */
const eventNames = (token: string) =>
  h.collector
    .events({ endpoint: 'track', unique: true })
    .filter((e) => (e.data.properties as Record<string, unknown>).token === token)
    .map((e) => String(e.data.event));

/** `$insert_id` of every copy of a track event of `token` the collector accepted, duplicates included. */
const insertIds = (token: string) =>
  h.collector
    .events({ endpoint: 'track' })
    .map((e) => e.data.properties as Record<string, unknown>)
    .filter((p) => p.token === token)
    .map((p) => String(p.$insert_id));

// A real leave in every engine (opening a tab hides the previous one only in Firefox here): the
// page goes on to the next page of the site while its library is still held by the hanging host.
// The stub sends its events on the way out and saves them; the next page's library replays them.
/** Opens the first page, whose library waits for the hanging host, with 5 events recorded by its stub. */
const firstPage = async (token: string, config: Record<string, unknown>, tag: string): Promise<Tab> => {
  const head =
    snippetTags({ urls: [`${h.collector.urls.script}/mixpanel.min.js?page=${tag}`, h.site.url('/dist/mixpanel.min.js')] }) +
    `<script>mixpanel.init('${token}', ${JSON.stringify(config)});
     for (var i = 0; i < 5; i++) mixpanel.track('before leave', { i: i });</script>`;
  const tab = await h.browser.newTab();
  await tab.goto(h.site.page(`/${tag}-1.html`, pageHtml({ head, body: '<h1>shop</h1>' })));
  // the snippet gives the hanging host 3 s: the library has not run when the visitor moves on
  expect(await tab.evaluate(() => !!(window as unknown as { mixpanel?: { __loaded?: boolean } }).mixpanel?.__loaded)).toBe(false);
  return tab;
};
/** The next page of the site, whose library (from the site) runs at once and replays what the first page saved. */
const nextPage = (token: string, config: Record<string, unknown>, tag: string, script = '') =>
  h.site.page(
    `/${tag}-2.html`,
    pageHtml({
      head:
        snippetTags({ urls: [h.site.url('/dist/mixpanel.min.js')] }) +
        `<script>mixpanel.init('${token}', ${JSON.stringify(config)});${script}</script>`,
      body: '<h1>next</h1>',
    }),
  );
/** Waits until the tab's library has nothing queued or in flight: no copy of anything is still to come. */
const drained = (tab: Tab) =>
  waitFor(
    () =>
      tab.evaluate(() =>
        (window as unknown as { mixpanel: { get_delivery_state(): Promise<{ queued: number; in_flight: number }> } }).mixpanel
          .get_delivery_state()
          .then((s) => s.queued + s.in_flight === 0),
      ),
    20_000,
    200,
  );

describe('snippet: a hanging script host', () => {
  it('does not delay `load`, and every event arrives through the alternate URL', async () => {
    await h.collector.setMode('script', 'hang');
    // a unique URL per page: a browser may hold a second request for a URL whose first one hangs
    const cdnUrl = (tag: string) => `${h.collector.urls.script}/mixpanel.min.js?page=${tag}`;
    const siteLibUrl = h.site.url('/dist/mixpanel.min.js');
    // two slow images give `load` some weight; both kinds of page have the same ones
    const body = (rep: number) => `<h1>shop</h1><img src="/img/a-${rep}.svg" width="10"><img src="/img/b-${rep}.svg" width="10">`;
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';
    const reps = [0, 1, 2, 3, 4];
    const without: number[] = [];
    const withSnippet: number[] = [];
    const tabs: Tab[] = [];
    try {
      for (const rep of reps) {
        for (const kind of ['plain', 'snippet']) {
          h.site.page(`/img/a-${rep}.svg`, svg, 'image/svg+xml', { delayMs: 150 });
          h.site.page(`/img/b-${rep}.svg`, svg, 'image/svg+xml', { delayMs: 250 });
          const head =
            kind === 'snippet'
              ? snippetTags({ urls: [cdnUrl(`hang-${rep}`), siteLibUrl] }) +
                `<script>mixpanel.init('tok-hang', ${JSON.stringify(fastConfig(h.collector))});
                 for (var i = 0; i < 5; i++) mixpanel.track('before load', { rep: ${rep}, i: i });
                 addEventListener('load', function () { mixpanel.track('at load', { rep: ${rep} }); });</script>`
              : '';
          const tab = await h.browser.newTab();
          await tab.goto(h.site.page(`/${kind}-${rep}.html`, pageHtml({ head, body: body(rep) })));
          (kind === 'snippet' ? withSnippet : without).push(await loadEventStart(tab));
          if (kind === 'snippet') tabs.push(tab);
          else await tab.close();
        }
      }
      // The bound is on the fastest run of each: other work on the machine only adds time, while a
      // snippet that held `load` on the hanging host would slow every run by its 3 s timeout at
      // least. Firefox's `load` times swing by 100 ms run to run here, hence the 100 ms floor; the
      // bench measures the cost itself.
      const base = Math.min(...without);
      const measured = Math.min(...withSnippet);
      const runs = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
      console.log(
        `${h.engine}: loadEventStart without snippet min ${base.toFixed(1)} / median ${median(without).toFixed(1)} ms [${runs(without)}]; ` +
          `with snippet, script host hanging: min ${measured.toFixed(1)} / median ${median(withSnippet).toFixed(1)} ms [${runs(withSnippet)}]`,
      );
      expect(base).toBeGreaterThan(250); // the images did give `load` weight
      expect(measured).toBeLessThanOrEqual(base + Math.max(0.1 * base, 100));
      expect(Math.max(...withSnippet)).toBeLessThan(3000); // no run waited for the hanging host (the snippet's own timeout)

      // the hanging host was asked (after `load`), then the site's copy ran the library
      for (const tab of tabs)
        await waitFor(() => tab.evaluate(() => !!(window as unknown as { mixpanel?: { __loaded?: boolean } }).mixpanel?.__loaded), 10_000);
      expect(h.collector.requests().filter((r) => r.host === 'script' && r.status === 'hang').length).toBe(reps.length);
      await waitFor(() => eventNames('tok-hang').length >= 6 * reps.length, 10_000);
      const names = eventNames('tok-hang');
      expect(names.filter((n) => n === 'before load')).toHaveLength(5 * reps.length);
      expect(names.filter((n) => n === 'at load')).toHaveLength(reps.length);
      // Only Firefox hides a tab when the driver opens the next one, so only there does the stub of
      // tabs 1-4 send its 6 events (tab 5 is never hidden). Its library's replay sends none of them
      // again once its page heard the host's 2xx to the stub's request; when the library runs before
      // that answer arrived, the replay holds them as handed off and, nothing else being under way,
      // sends one of them as the hand-off's probe: at most one extra copy per hidden tab. In Chromium
      // and WebKit no stub sends here (the next-page case below covers them): no extra copy at all.
      for (const tab of tabs) await drained(tab);
      const ids = insertIds('tok-hang');
      console.log(`${h.engine}: ${ids.length} copies of ${new Set(ids).size} events`);
      expect(new Set(ids).size).toBe(6 * reps.length);
      expect(ids.length).toBeLessThanOrEqual(6 * reps.length + (h.engine === 'firefox' ? reps.length - 1 : 0));
    } catch (e) {
      tabs.forEach((t, i) => console.log(`--- tab ${i + 1} (${h.engine})\n${t.logs.join('\n')}`));
      throw e;
    } finally {
      await Promise.all(tabs.map((t) => t.close().catch(() => undefined)));
    }
  });
  it('left for the next page before its library ran: the next page sends none of the events the stub sent again', async () => {
    await h.collector.setMode('script', 'hang');
    const config = fastConfig(h.collector);
    const tab = await firstPage('tok-leave', config, 'leave');
    try {
      await tab.goto(nextPage('tok-leave', config, 'leave', "mixpanel.track('next page');"));
      await waitFor(() => new Set(insertIds('tok-leave')).size >= 6 || undefined, 15_000);
      await drained(tab);
      const ids = insertIds('tok-leave');
      console.log(`${h.engine}: left for the next page: ${ids.length} copies of ${new Set(ids).size} events`);
      expect(new Set(ids).size).toBe(6);
      // the stub's request was answered after its page had gone, so the next page's replay holds its 5
      // events as handed off; the 2xx to that page's own first request, started after the stub's, confirms them
      expect(ids.length).toBe(6);
    } catch (e) {
      console.log(`--- tab (${h.engine})\n${tab.logs.join('\n')}`);
      throw e;
    } finally {
      await tab.close().catch(() => undefined);
    }
  });

  it('the ingest host is down when the stub sends: the replay delivers every event once the host is back', async () => {
    await h.collector.setMode('script', 'hang');
    await h.collector.setMode('primary', '503');
    const config = fastConfig(h.collector, { api_host: h.collector.urls.primary });
    const failed = () =>
      h.collector.requests().filter((r) => r.host === 'primary' && r.status === 503 && r.path.indexOf('/track') === 0).length;
    const tab = await firstPage('tok-down', config, 'down');
    try {
      const before = failed();
      await tab.goto(nextPage('tok-down', config, 'down'));
      // the stub's request on the way out fails, then the next page's library's requests fail too
      await waitFor(() => failed() >= before + 2 || undefined, 15_000);
      await h.collector.setMode('primary', 'ok');
      await waitFor(() => new Set(insertIds('tok-down')).size >= 5 || undefined, 20_000);
      expect(new Set(insertIds('tok-down')).size).toBe(5);
    } catch (e) {
      console.log(`--- tab (${h.engine})\n${tab.logs.join('\n')}`);
      throw e;
    } finally {
      await tab.close().catch(() => undefined);
    }
  });
});
