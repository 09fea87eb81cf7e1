// Pages that load the CDN build and init it with short delays and the collector's hosts, and the
// counting that every delivery scenario ends with: how many of a token's events arrived.
import type { Page } from 'playwright-core';
import type { Collector } from '../../examples/collector/collector.mjs';
import { waitFor } from './wait';
import { pageHtml, type Site } from './site';
import type { Tab } from './engines/types';

/** A Playwright page (Chromium-only files) or a driver-layer tab (every engine): whatever can evaluate code in the page. */
export type PageLike = Page | Pick<Tab, 'evaluate'>;

/** `fn()` evaluated in a `PageLike`. */
const inPage = <R>(page: PageLike, fn: () => R | Promise<R>): Promise<R> => (page as Pick<Tab, 'evaluate'>).evaluate(fn);

/**
 * Delays short enough for a test, long enough that a slow shared machine still sees the
 * behaviour they stand for: a request timeout well above a loopback round trip, a backoff
 * that stays under a second, a fail-back probe that does not interfere within one scenario.
 */
export const FAST_CONFIG = {
  batch_flush_interval_ms: 100,
  batch_request_timeout_ms: 1_000,
  retry_backoff_base_ms: 100,
  retry_backoff_max_ms: 1_000,
  failback_interval_ms: 30_000,
  storage_open_timeout_ms: 1_000,
  sender_lease_ms: 1_000,
};

export interface SdkPageOptions {
  /** Project token; use one per scenario so that outboxes and counts never mix. */
  token: string;
  /** Collector host names, primary first (default: every host of the collector). */
  hosts?: string[];
  /** More `init` options (JSON values only), over `FAST_CONFIG`. */
  config?: Record<string, unknown>;
  /** Page code run after `init`. */
  script?: string;
  /** The site to serve from (default: the harness's). */
  site?: Site;
  /** Record every `fetch` and `sendBeacon` the page starts in `window.__requests` (see `requestsOf`). */
  recordRequests?: boolean;
  /**
   * Page code run before the SDK loads, on every load of the page (a reload included): what an
   * init script does on an engine that has one, e.g. taking storage away or breaking an API.
   */
  initScript?: string;
  /** Record the page's uncaught errors and unhandled rejections in `window.__errors` (see `errorsOf`), from before the SDK loads. */
  recordErrors?: boolean;
  /** The library file the page loads (default `/dist/mixpanel.min.js`; the worker flavour is `/dist/outlast-with-sw.min.js`). */
  library?: string;
}

/** Page code that keeps uncaught errors and unhandled rejections: every engine's view, drivers' error events aside. */
const ERROR_RECORDER = `window.__errors = [];
addEventListener('error', function (e) { __errors.push(String(e.message)); });
addEventListener('unhandledrejection', function (e) { __errors.push('unhandled rejection: ' + String(e.reason)); });`;

/** What `recordErrors` saw on the page. */
export function errorsOf(page: PageLike): Promise<string[]> {
  return inPage(page, () => (window as unknown as { __errors: string[] }).__errors.slice());
}

/**
 * Page code, run before the SDK, that records the requests the page hands the browser: the
 * same view on every engine (Playwright's request events exist on Chromium only). The SDK
 * looks `fetch` and `sendBeacon` up at each send, so it goes through these wrappers.
 */
const REQUEST_RECORDER = `(function () {
  var w = window, log = w.__requests = [], realFetch = w.fetch, realBeacon = navigator.sendBeacon;
  w.fetch = function (url, init) {
    var headers = (init && init.headers) || {};
    log.push({ via: 'fetch', url: String(url), method: (init && init.method) || 'GET', body: init && typeof init.body == 'string' ? init.body : '', type: headers['Content-Type'] || headers['content-type'] || '' });
    return realFetch.apply(this, arguments);
  };
  if (realBeacon) navigator.sendBeacon = function (url, data) {
    var entry = { via: 'beacon', url: String(url), method: 'POST', body: typeof data == 'string' ? data : '', type: (data && data.type) || '' };
    log.push(entry);
    if (data && data.text) data.text().then(function (t) { entry.body = t; });
    return realBeacon.apply(navigator, arguments);
  };
})();`;

/** A request the page started, as `recordRequests` saw it. */
export interface PageRequest {
  via: 'fetch' | 'beacon';
  url: string;
  method: string;
  body: string;
  type: string;
}

/** The requests a page made with `recordRequests` on (since it loaded). */
export function requestsOf(page: PageLike): Promise<PageRequest[]> {
  return inPage(page, () => (window as unknown as { __requests: PageRequest[] }).__requests.slice());
}

/**
 * Registers a page at `path` that loads `/dist/mixpanel.min.js` (or `library`), inits it and then runs
 * `script`. Every report the SDK makes to `on_error` is kept in `window.__reports`.
 * Returns the page's URL.
 */
export function sdkPage(h: { collector: Collector; site: Site }, path: string, opts: SdkPageOptions): string {
  const hosts = (opts.hosts ?? Object.keys(h.collector.urls)).map((name) => {
    const url = h.collector.urls[name];
    if (!url) throw new Error(`the collector has no host named ${name}`);
    return url;
  });
  const config = { ...FAST_CONFIG, api_host: hosts, ...opts.config };
  const init = [
    'window.__reports = [];',
    `mixpanel.init(${JSON.stringify(opts.token)}, Object.assign(${JSON.stringify(config)}, {`,
    '  on_error: function (r) { window.__reports.push(r); },',
    '}));',
  ].join('\n');
  return (opts.site ?? h.site).page(
    path,
    pageHtml({
      head:
        (opts.recordErrors ? `<script>${ERROR_RECORDER}</script>` : '') +
        (opts.initScript ? `<script>${escapeScriptEnd(opts.initScript)}</script>` : '') +
        (opts.recordRequests ? `<script>${REQUEST_RECORDER}</script>` : '') +
        `<script src="${opts.library ?? '/dist/mixpanel.min.js'}"></script>`,
      script: `${init}\n${opts.script ?? ''}`,
    }),
  );
}

/** Script text that cannot end its `<script>` tag early. */
function escapeScriptEnd(code: string): string {
  return code.replace(/<\/(script)/gi, '<\\/$1');
}

/** Code for a page script: track `count` events named `name`, each with a `label` `name-<i>`. */
export function trackScript(name: string, count: number, extra: Record<string, unknown> = {}): string {
  return `for (var i = 0; i < ${count}; i++) mixpanel.track(${JSON.stringify(name)}, Object.assign({ label: ${JSON.stringify(name)} + '-' + i }, ${JSON.stringify(extra)}));`;
}

/** Tracks `count` events named `name` from the test, as `trackScript` does from the page. */
export async function trackIn(page: PageLike, name: string, count: number, extra: Record<string, unknown> = {}): Promise<void> {
  await (page as Pick<Tab, 'evaluate'>).evaluate(
    (a: { name: string; count: number; extra: Record<string, unknown> }) => {
      const mp = (window as unknown as { mixpanel: { track(name: string, props: object): void } }).mixpanel;
      for (let i = 0; i < a.count; i++) mp.track(a.name, Object.assign({ label: a.name + '-' + i }, a.extra));
    },
    { name, count, extra },
  );
}

/** The page's `mixpanel.get_delivery_state()`. */
export function deliveryState(page: PageLike): Promise<{
  queued: number;
  in_flight: number;
  delivered: number;
  retried: number;
  dropped: number;
  host: string;
  is_sender: boolean;
  offline: boolean;
  store: string;
}> {
  return inPage(page, () => (window as unknown as { mixpanel: { get_delivery_state(): Promise<never> } }).mixpanel.get_delivery_state());
}

/** What `on_error` received on the page. */
export function reportsOf(page: PageLike): Promise<Array<{ code: string; reason?: string; count?: number; message: string }>> {
  return inPage(page, () => (window as unknown as { __reports: never[] }).__reports);
}

/** What the collector accepted for one token's track events. */
export interface Arrived {
  /** Distinct `$insert_id`s. */
  unique: number;
  /** Every accepted copy. */
  raw: number;
  duplicates: number;
  /** Distinct `label` properties (what the test tracked), sorted. */
  labels: string[];
  /** Hosts that accepted them. */
  hosts: Set<string>;
}

/** Counts a token's track events at the collector (optionally only those named `name`). */
export function arrived(collector: Collector, token: string, name?: string): Arrived {
  const ids = new Set<string>();
  const labels = new Set<string>();
  const hosts = new Set<string>();
  let raw = 0;
  for (const e of collector.events({ endpoint: 'track', ...(name ? { event: name } : {}) })) {
    const props = (e.data.properties ?? {}) as Record<string, unknown>;
    if (props.token !== token) continue;
    raw++;
    ids.add(String(props.$insert_id));
    if (typeof props.label === 'string') labels.add(props.label);
    hosts.add(e.host);
  }
  return { unique: ids.size, raw, duplicates: raw - ids.size, labels: [...labels].sort(), hosts };
}

/** The labels `trackScript(name, count)` produces, sorted as `arrived` returns them. */
export function expectedLabels(name: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${name}-${i}`).sort();
}

/** Waits until `count` distinct events of `token` have arrived; on timeout says how many did. */
export async function waitArrived(collector: Collector, token: string, count: number, timeoutMs = 30_000): Promise<Arrived> {
  let last = arrived(collector, token);
  await waitFor(() => (last = arrived(collector, token)).unique >= count, timeoutMs).catch((e: Error) => {
    throw new Error(`${e.message}: ${last.unique} of ${count} events arrived`);
  });
  return last;
}

/** Waits until the page's delivery state satisfies `ok`, and returns it. */
export async function waitState(page: PageLike, ok: (s: Awaited<ReturnType<typeof deliveryState>>) => boolean, timeoutMs = 20_000) {
  let last: Awaited<ReturnType<typeof deliveryState>> | undefined;
  await waitFor(async () => ok((last = await deliveryState(page))), timeoutMs);
  return last!;
}
