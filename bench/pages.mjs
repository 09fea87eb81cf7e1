// Pages that install one SDK the way a site does, so every measure compares them on the same page.
// Outlast: its CDN build in a plain script tag, or its paste-in snippet (dist/snippet.min.js).
// mixpanel-browser: its official snippet as the package ships it (dist/mixpanel-jslib-snippet.min.js),
// pointed at a copy of its CDN build through MIXPANEL_CUSTOM_LIB_URL, as its docs describe.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sleep } from '../examples/collector/http-util.mjs';

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
 * in the body (e.g. a slow image). `loaded` is the source of a function passed as the `loaded`
 * option (both SDKs call it once the instance is ready).
 */
export function sdkHtml({ sdk, token = 'bench', config = {}, libUrl, snippet = false, script = '', body = '', loaded = '' }) {
  const options = loaded ? `Object.assign(${JSON.stringify(config)}, { loaded: ${loaded} })` : JSON.stringify(config);
  const init = sdk === 'none' ? '' : `mixpanel.init(${JSON.stringify(token)}, ${options});`;
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

export { sleep };

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

/**
 * Source of a `loaded` callback that marks `sdk-ready` (a `performance.mark`) once the instance is
 * ready: for Outlast once `get_delivery_state()` has answered, which needs the outbox's IndexedDB
 * open; mixpanel-browser keeps its queue in localStorage, ready when `loaded` runs. The page
 * exposes the moment as the promise `window.benchReady`, so the bench waits for it without polling.
 */
export const READY_SCRIPT =
  "window.benchReady = new Promise(function (resolve) { window.benchMarkReady = function () { performance.mark('sdk-ready'); resolve(performance.now()); }; });";
export const READY_LOADED =
  'function (m) { performance.mark("sdk-init"); if (m.get_delivery_state) m.get_delivery_state().then(window.benchMarkReady, window.benchMarkReady); else window.benchMarkReady(); }';

/**
 * Records, per scenario and SDK, the tokens a measure used and how many events it tracked, so
 * that the run can say at its end how many of them the collector received (distinct
 * `$insert_id`s) and how many times in all (raw: duplicates included).
 */
export function createTally() {
  const entries = [];
  return {
    /** `tracked` events were tracked with `token` by `sdk` in `scenario`. */
    add(scenario, sdk, token, tracked) {
      entries.push({ scenario, sdk, token, tracked });
    },
    /** `[{ scenario, sdk, tracked, delivered, raw }]` as the collector has them now. */
    count(collector) {
      const byToken = new Map();
      for (const e of collector.events({ endpoint: 'track' })) {
        const token = e.data.properties?.token;
        if (!byToken.has(token)) byToken.set(token, { raw: 0, ids: new Set() });
        const t = byToken.get(token);
        t.raw++;
        t.ids.add(String(e.data.properties.$insert_id));
      }
      const rows = new Map();
      // a token tracked on several visits is added once per visit; what arrived for it counts once
      const counted = new Set();
      for (const { scenario, sdk, token, tracked } of entries) {
        const key = `${scenario}\u0000${sdk}`;
        if (!rows.has(key)) rows.set(key, { scenario, sdk, tracked: 0, delivered: 0, raw: 0 });
        const row = rows.get(key);
        row.tracked += tracked;
        if (counted.has(token)) continue;
        counted.add(token);
        const got = byToken.get(token);
        row.delivered += got ? got.ids.size : 0;
        row.raw += got ? got.raw : 0;
      }
      return [...rows.values()];
    },
  };
}
