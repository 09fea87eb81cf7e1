// The paste-in snippet against a misbehaving script host, on every engine: a 404 or 500 moves
// on to the next URL at once, and a library loaded twice stays one instance. The snippet tries
// only the library URLs each page lists, all of them local.
// The hanging host is in snippet-hanging-host; its control (a plain tag holds `load`) stays in
// the Chromium-only test/browser/snippet-loading.
import { beforeAll, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../support/fixtures';
import { useEngineScenario, type EngineHarness } from '../support/engines/harness';
import type { Tab } from '../support/engines/types';
import { pageHtml } from '../support/site';
import { errorsIn, fastConfig, libraryRan, loadEventStart, snippetTags } from '../support/snippet-page';

let h: EngineHarness;
const tab = useEngineScenario((harness) => (h = harness), { scriptHost: true });
/** The library on the collector's script host (whose fault mode the tests switch). */
let cdnBase: string;
/**
 * The script host's URL, made unique per page: a browser may hold a second request for a URL
 * whose first request is still hanging (Chromium's cache lock), which would tie one test to another.
 */
const cdnUrl = (tag: string) => `${cdnBase}?page=${tag}`;
/** The same file on the customer's own site: the alternate that works. */
let siteLibUrl: string;

beforeAll(() => {
  cdnBase = `${h.collector.urls.script}/mixpanel.min.js`;
  siteLibUrl = h.site.url('/dist/mixpanel.min.js');
});

/** Names of the accepted track events of one token, with duplicates. */
function eventNames(token: string): string[] {
  return h.collector
    .events({ endpoint: 'track' })
    .filter((e) => (e.data.properties as Record<string, unknown>).token === token)
    .map((e) => String(e.data.event));
}

/** `$insert_id`s of the accepted track events of one token, with duplicates. */
function insertIds(token: string): string[] {
  return h.collector
    .events({ endpoint: 'track' })
    .map((e) => e.data.properties as Record<string, unknown>)
    .filter((p) => p.token === token)
    .map((p) => String(p.$insert_id));
}

/** Opens `url` in a new tab; `errors()` are its console and uncaught errors, as far as its engine's driver reports them. */
async function open(url: string): Promise<{ page: Tab; errors: () => string[] }> {
  const page = await tab(url);
  return { page, errors: () => errorsIn(page) };
}

describe('snippet: a script URL that answers with an error', () => {
  for (const mode of ['notfound', '500'] as const) {
    it(`moves on to the next URL at once after ${mode === 'notfound' ? '404' : '500'}`, async () => {
      await h.collector.setMode('script', mode);
      const token = `tok-${mode}`;
      const { page, errors } = await open(
        h.site.page(
          `/error-${mode}.html`,
          pageHtml({
            head:
              snippetTags({ urls: [cdnUrl(mode), siteLibUrl] }) +
              `<script>mixpanel.init('${token}', Object.assign(${JSON.stringify(fastConfig(h.collector))}, { loaded: () => { window.libRanAt = performance.now(); } }));
               for (let i = 0; i < 4; i++) mixpanel.track('queued', { i });</script>`,
          }),
        ),
      );
      await libraryRan(page);
      await page.evaluate(() => (window as unknown as { mixpanel: { track(n: string): void } }).mixpanel.track('after library'));
      await waitFor(() => eventNames(token).length >= 5, 5_000);
      expect(eventNames(token).sort()).toEqual(['after library', 'queued', 'queued', 'queued', 'queued']);
      const script = h.collector.requests().filter((r) => r.host === 'script' && r.path === '/mixpanel.min.js');
      expect(script.at(-1)?.status).toBe(mode === 'notfound' ? 404 : 500);
      // The error answer, not the 3 s timeout, moved the snippet on.
      const libRanAt = await page.evaluate(() => (window as unknown as { libRanAt: number }).libRanAt);
      const sinceLoad = libRanAt - (await loadEventStart(page));
      console.log(`${mode}: library ran ${sinceLoad.toFixed(0)} ms after load`);
      expect(sinceLoad).toBeLessThan(1500);
      expect(errors().filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
    });
  }
});

describe('snippet: the library loaded twice', () => {
  it('a second <script src> after the snippet loaded it keeps one instance and sends each event once', async () => {
    await h.collector.setMode('script', 'ok');
    const token = 'tok-twice';
    const { page } = await open(
      h.site.page(
        '/twice.html',
        pageHtml({
          head:
            snippetTags({ urls: [cdnUrl('twice')] }) +
            `<script>mixpanel.init('${token}', ${JSON.stringify(fastConfig(h.collector))});
             for (let i = 0; i < 3; i++) mixpanel.track('stubbed', { i });</script>`,
        }),
      ),
    );
    await libraryRan(page);
    await page.evaluate(
      (src) =>
        new Promise<void>((resolve, reject) => {
          const w = window as unknown as { first: unknown; mixpanel: unknown };
          w.first = w.mixpanel;
          const s = document.createElement('script');
          s.src = src;
          s.onload = () => resolve();
          s.onerror = () => reject(new Error('second copy did not load'));
          document.head.appendChild(s);
        }),
      h.site.url('/dist/mixpanel.min.js'),
    );
    const same = await page.evaluate(() => {
      const w = window as unknown as { first: unknown; mixpanel: { track(n: string, p?: object): void } };
      for (let i = 0; i < 3; i++) w.mixpanel.track('after second copy', { i });
      return w.first === w.mixpanel;
    });
    expect(same).toBe(true);
    await waitFor(() => eventNames(token).length >= 6, 5_000);
    // Give a second sender, if there were one, time to send again.
    await sleep(800);
    expect(eventNames(token).sort()).toEqual([...Array(3).fill('after second copy'), ...Array(3).fill('stubbed')]);
    expect(new Set(insertIds(token)).size).toBe(6);
  });

  it('a plain <script src> that runs before the snippet injects anything: the snippet stands down', async () => {
    const token = 'tok-plain-first';
    const before = h.collector.requests().filter((r) => r.host === 'script').length;
    await open(
      h.site.page(
        '/plain-first.html',
        pageHtml({
          head:
            snippetTags({ urls: [cdnUrl('plain-first')] }) +
            `<script>mixpanel.init('${token}', ${JSON.stringify(fastConfig(h.collector))});
             for (let i = 0; i < 3; i++) mixpanel.track('stubbed', { i });</script>` +
            `<script src="/dist/mixpanel.min.js"></script>` +
            `<script>for (let i = 0; i < 3; i++) mixpanel.track('after plain tag', { i });</script>`,
        }),
      ),
    );
    await sleep(300);
    // The snippet saw the library already there after `load` and injected nothing.
    expect(h.collector.requests().filter((r) => r.host === 'script').length).toBe(before);
    await waitFor(() => eventNames(token).length >= 6, 5_000);
    await sleep(800);
    expect(eventNames(token).sort()).toEqual([...Array(3).fill('after plain tag'), ...Array(3).fill('stubbed')]);
    expect(new Set(insertIds(token)).size).toBe(6);
  });
});
