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
 * The accepted track events of one token (one per `$insert_id` with `unique`), only this attempt's:
 * the tabs of a failed attempt may still send theirs as they close. In Firefox each tab here is
 * hidden by the next one before its library has run, so its stub sends its events as the page is
 * hidden; the page lives to hear the answer, so its library does not send them again.
 */
const eventsOf = (token: string, unique: boolean) =>
  h.collector.events({ endpoint: 'track', unique }).filter((e) => (e.data.properties as Record<string, unknown>).token === token);

describe('snippet: a hanging script host', () => {
  let attempt = 0;
  it('does not delay `load`, and every event arrives through the alternate URL', async () => {
    // a retry starts afresh: its own token (the earlier attempt's saved calls are keyed by the old one), no old requests
    const token = `tok-hang-${++attempt}`;
    await h.collector.reset();
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
                `<script>mixpanel.init('${token}', ${JSON.stringify(fastConfig(h.collector))});
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
      // least. Firefox's `load` times swing by 100 ms run to run here, and the fastest runs of each
      // kind were 134 ms apart in a full-suite run on the loaded machine, hence the 200 ms floor;
      // the bench measures the cost itself.
      const base = Math.min(...without);
      const measured = Math.min(...withSnippet);
      const runs = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
      console.log(
        `${h.engine}: loadEventStart without snippet min ${base.toFixed(1)} / median ${median(without).toFixed(1)} ms [${runs(without)}]; ` +
          `with snippet, script host hanging: min ${measured.toFixed(1)} / median ${median(withSnippet).toFixed(1)} ms [${runs(withSnippet)}]`,
      );
      expect(base).toBeGreaterThan(250); // the images did give `load` weight
      expect(measured).toBeLessThanOrEqual(base + Math.max(0.1 * base, 200));
      expect(Math.max(...withSnippet)).toBeLessThan(3000); // no run waited for the hanging host (the snippet's own timeout)

      // the hanging host was asked (after `load`), then the site's copy ran the library
      for (const tab of tabs)
        await waitFor(() => tab.evaluate(() => !!(window as unknown as { mixpanel?: { __loaded?: boolean } }).mixpanel?.__loaded), 10_000);
      expect(h.collector.requests().filter((r) => r.host === 'script' && r.status === 'hang').length).toBe(reps.length);
      await waitFor(() => eventsOf(token, true).length >= 6 * reps.length, 10_000);
      const names = eventsOf(token, true).map((e) => String(e.data.event));
      expect(names.filter((n) => n === 'before load')).toHaveLength(5 * reps.length);
      expect(names.filter((n) => n === 'at load')).toHaveLength(reps.length);
      const ids = eventsOf(token, false).map((e) => (e.data.properties as Record<string, unknown>).$insert_id);
      console.log(`${h.engine}: ${ids.length} copies of ${new Set(ids).size} events (a hidden tab's stub sends its events)`);
      expect(new Set(ids).size).toBe(6 * reps.length);
      // A hidden tab's stub hears the 2xx to its send in milliseconds, long before its library runs
      // (after the hanging host's 3 s), and no library replays what the stub heard delivered. Only a
      // library that replays the hidden tab's saved calls in the moment between its send and that
      // answer sends them again: at most one tab's 6 were measured so on the loaded machine (Firefox
      // sent 54 copies of these 30 events before).
      expect(ids.length).toBeLessThanOrEqual(6 * reps.length + 6);
    } catch (e) {
      tabs.forEach((t, i) => console.log(`--- tab ${i + 1} (${h.engine})\n${t.logs.join('\n')}`));
      throw e;
    } finally {
      await Promise.all(tabs.map((t) => t.close().catch(() => undefined)));
    }
  });
});
