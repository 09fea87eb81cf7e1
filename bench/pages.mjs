// Pages that install one SDK the way a site does, so every measure compares them on the same page.
// Outlast: its CDN build in a plain script tag, or its paste-in snippet (dist/snippet.min.js).
// mixpanel-browser: its official snippet as the package ships it (dist/mixpanel-jslib-snippet.min.js),
// pointed at a copy of its CDN build through MIXPANEL_CUSTOM_LIB_URL, as its docs describe.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const OUTLAST_CDN = `${root}dist/mixpanel.min.js`;
export const OUTLAST_SNIPPET = `${root}dist/snippet.min.js`;
export const MIXPANEL_CDN = `${root}node_modules/mixpanel-browser/dist/mixpanel.min.js`;
export const MIXPANEL_SNIPPET = `${root}node_modules/mixpanel-browser/dist/mixpanel-jslib-snippet.min.js`;

/** The SDKs measured, in column order. */
export const SDKS = ['outlast', 'mixpanel'];

const js = (file) =>
  readFileSync(file, 'utf8')
    .trim()
    .replace(/<\/script/gi, '<\\/script');

/**
 * HTML of a page with `sdk` ('outlast', 'mixpanel' or 'none') inited with `token` and `config`,
 * then `script`. `libUrl` is where the CDN build is fetched; `snippet` loads Outlast through its
 * snippet instead of a tag (mixpanel-browser always loads through its snippet). `body` goes first
 * in the body (e.g. a slow image).
 */
export function sdkHtml({ sdk, token = 'bench', config = {}, libUrl, snippet = false, script = '', body = '' }) {
  const init = sdk === 'none' ? '' : `mixpanel.init(${JSON.stringify(token)}, ${JSON.stringify(config)});`;
  let head = '';
  if (sdk === 'outlast')
    head = snippet
      ? `<script>window.MIXPANEL_LIB_URLS=${JSON.stringify([libUrl])};</script><script>${js(OUTLAST_SNIPPET)}</script>`
      : `<script src="${libUrl}"></script>`;
  if (sdk === 'mixpanel')
    head = `<script>window.MIXPANEL_CUSTOM_LIB_URL=${JSON.stringify(libUrl)};</script><script>${js(MIXPANEL_SNIPPET)}</script>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>bench</title>${head}</head><body>${body}<script>${init}${script}</script></body></html>`;
}

/** `init` options for `sdk` sending to `hosts` (Outlast takes the list, mixpanel-browser one host). */
export function hostConfig(sdk, hosts, extra = {}) {
  return { api_host: sdk === 'outlast' ? hosts : hosts[0], ...extra };
}

/** Resolves once the real library (not a stub) runs on the page. */
export function libraryReady(page, timeout = 15_000) {
  return page.waitForFunction(() => !!(window.mixpanel && window.mixpanel.__loaded), undefined, { timeout, polling: 20 });
}

/** Median of numbers (undefined when empty). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return undefined;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Distinct `$insert_id`s the collector accepted for `token`'s track events. */
export function arrivedCount(collector, token) {
  const ids = new Set();
  for (const e of collector.events({ endpoint: 'track' }))
    if (e.data.properties?.token === token) ids.add(String(e.data.properties.$insert_id));
  return ids.size;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Tracks up to `n` events named `name` on the page in chunks of `chunk`, each chunk its own task
 * (as a page's events come), stopping at `capMs`; then waits for Outlast's outbox writes.
 * Resolves with how many were tracked, or null when the tab crashed or stopped answering.
 */
export function trackMany(page, name, n, capMs, chunk = 1000) {
  const run = page.evaluate(
    async ([name, n, capMs, chunk]) => {
      const t0 = performance.now();
      let i = 0;
      while (i < n && performance.now() - t0 < capMs) {
        for (const end = Math.min(n, i + chunk); i < end; i++) window.mixpanel.track(name, { plan: 'pro', i });
        await new Promise((r) => setTimeout(r, 0));
      }
      if (window.mixpanel._settle) await window.mixpanel._settle();
      return i;
    },
    [name, n, capMs, chunk],
  );
  return Promise.race([run, sleep(capMs * 2 + 30_000).then(() => null), new Promise((r) => page.once('crash', () => r(null)))]).catch(
    () => null,
  );
}
