// The paste-in snippet against a misbehaving script host: a plain tag on a hanging CDN holds
// `load` (the control for test/engines/snippet-hanging-host, which runs on every engine), a 404
// or 500 moves on to the next URL at once, and a library loaded twice stays one instance. Every library URL here is local: the built-in CDN names do not resolve.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { setup, waitFor, type Harness } from '../support/fixtures';
import { pageHtml } from '../support/site';
import { collectErrors, fastConfig, libraryRan, loadEventStart, NO_BUILTIN_CDN_ARGS, snippetTags } from '../support/snippet-page';

let h: Harness;
/** The library on the collector's script host (whose fault mode the tests switch). */
let cdnBase: string;
/**
 * The script host's URL, made unique per page: Chromium holds a second request for a URL
 * whose first request is still hanging (its cache lock), which would tie one test to another.
 */
const cdnUrl = (tag: string) => `${cdnBase}?page=${tag}`;
/** The same file on the customer's own site: the alternate that works. */
let siteLibUrl: string;

beforeAll(async () => {
  h = await setup({ scriptHost: true, chromiumArgs: NO_BUILTIN_CDN_ARGS });
  cdnBase = `${h.collector.urls.script}/mixpanel.min.js`;
  siteLibUrl = h.site.url('/dist/mixpanel.min.js');
});
afterAll(() => h?.close());

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

/** Opens `url` in a new tab with its console errors collected. */
async function open(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await h.browser.newPage();
  const errors = collectErrors(page);
  await page.goto(url, { waitUntil: 'load' });
  return { page, errors };
}

describe('snippet: a hanging script host', () => {
  it('control: the same hanging URL in a plain async <script> tag holds `load`', async () => {
    await h.collector.setMode('script', 'hang');
    const page = await h.browser.newPage();
    await page.goto(
      h.site.page(
        '/plain-tag-hang.html',
        pageHtml({ head: `<script async src="${cdnUrl('plain-tag')}"></script>`, body: '<h1>shop</h1>' }),
      ),
      { waitUntil: 'domcontentloaded' },
    );
    await page.waitForTimeout(1500);
    expect(await page.evaluate(() => document.readyState)).toBe('interactive');
    expect(await loadEventStart(page)).toBe(0);
    await page.close();
  });
});

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
      expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
      await page.close();
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
    await new Promise((r) => setTimeout(r, 800));
    expect(eventNames(token).sort()).toEqual([...Array(3).fill('after second copy'), ...Array(3).fill('stubbed')]);
    expect(new Set(insertIds(token)).size).toBe(6);
    await page.close();
  });

  it('a plain <script src> that runs before the snippet injects anything: the snippet stands down', async () => {
    const token = 'tok-plain-first';
    const before = h.collector.requests().filter((r) => r.host === 'script').length;
    const { page } = await open(
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
    await page.waitForTimeout(300);
    // The snippet saw the library already there after `load` and injected nothing.
    expect(h.collector.requests().filter((r) => r.host === 'script').length).toBe(before);
    await waitFor(() => eventNames(token).length >= 6, 5_000);
    await new Promise((r) => setTimeout(r, 800));
    expect(eventNames(token).sort()).toEqual([...Array(3).fill('after plain tag'), ...Array(3).fill('stubbed')]);
    expect(new Set(insertIds(token)).size).toBe(6);
    await page.close();
  });
});
