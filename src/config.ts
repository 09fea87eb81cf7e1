import { HANDOFF_TRUST_MS, RETENTION_MS } from './constants';
import type { ErrorReport } from './utils/report';

/** Endpoints of Mixpanel's ingestion API that Outlast writes to. */
export type Endpoint = 'track' | 'engage' | 'groups';

/**
 * Options accepted by `init()` and `set_config()`. Names follow
 * mixpanel-browser where it has the same option; the rest are Outlast's.
 * Every delay is configurable so that tests and demos can run with short ones.
 */
export interface Config {
  /**
   * One ingest host, or an ordered list to fail over through (primary first, e.g. a first-party proxy last).
   * An absolute http(s) URL, a path on the page's own origin (`'/mp'`) or a protocol-relative URL (`'//t.example.com'`).
   */
  api_host: string | string[];
  /** `false` sends `ip=0`: Mixpanel then does not geolocate from the request's address (mixpanel-browser's `ip`). */
  ip: boolean;
  /** Headers added to every `fetch` request (not to unload beacons, which cannot carry any), as mixpanel-browser's `xhr_headers`. */
  xhr_headers: Record<string, string>;
  /** Query parameters added to every request URL, as mixpanel-browser's `api_extra_query_params`. */
  api_extra_query_params: Record<string, string>;
  /** `json` sends `data=<JSON>`; `base64` sends `data=<base64 JSON>` as older Mixpanel libraries do. */
  api_payload_format: 'json' | 'base64';
  /** Path per endpoint, as mixpanel-browser's `api_routes`. */
  api_routes: Record<Endpoint, string>;
  /** Most events in one request. */
  batch_size: number;
  /** How often the sender flushes when no batch is full. */
  batch_flush_interval_ms: number;
  /** A request that has not answered by then is aborted and counts as a host failure. */
  batch_request_timeout_ms: number;
  /** Requests in flight at once from the sending tab. */
  max_in_flight: number;
  /** First retry delay once every host has failed; doubles each round, with jitter. */
  retry_backoff_base_ms: number;
  /** Longest delay between retry rounds. */
  retry_backoff_max_ms: number;
  /** After failing over, how long before the primary host is tried again. */
  failback_interval_ms: number;
  /** Events older than this are dropped (and reported): Mixpanel discards them anyway. */
  retention_ms: number;
  /** Outbox caps; past them new events are dropped and reported. */
  outbox_max_events: number;
  outbox_max_bytes: number;
  /** How long IndexedDB may take to open before the outbox writes to localStorage; it goes back to IndexedDB if the open completes later. */
  storage_open_timeout_ms: number;
  /** Lease length when Web Locks are missing and tabs elect a sender through storage. */
  sender_lease_ms: number;
  /** Log every decision to the console. */
  debug: boolean;
  /** Called for every rejected call, dropped event and delivery problem. Never throws into the page. */
  on_error: ((report: ErrorReport) => void) | null;
  /** Called once the instance is ready, as mixpanel-browser's `loaded`. */
  loaded: ((instance: unknown) => void) | null;
  /**
   * Where identity and super properties persist: a cookie on the registrable domain by default, as
   * mixpanel-browser, so that `www.` and `app.` share one visitor.
   */
  persistence: 'localStorage' | 'cookie';
  /** Storage key after `mp_`; empty: `<token>_mixpanel`. */
  persistence_name: string;
  /** mixpanel-browser's older name for `persistence_name`, used when that is empty. */
  cookie_name: string;
  disable_persistence: boolean;
  /** mixpanel-browser's older name for `disable_persistence`. */
  disable_cookie: boolean;
  cookie_domain: string;
  cross_subdomain_cookie: boolean;
  secure_cookie: boolean;
  /** `SameSite=None; Secure` cookies, for pages embedded in another site. */
  cross_site_cookie: boolean;
  /** Days a cookie lasts. */
  cookie_expiration: number;
  /**
   * Track a page view at `init`; with `'full-url'`, `'url-with-path-and-query-string'`
   * or `'url-with-path'`, also on each single-page-app URL change in that part of the URL.
   */
  track_pageview: boolean | 'full-url' | 'url-with-path-and-query-string' | 'url-with-path';
  /** Add the page URL's `utm_*` parameters and click ids to every event. */
  track_marketing: boolean;
  /** Keep `utm_*` parameters only on the events of the page whose URL has them, not as persisted super properties. */
  stop_utm_persistence: boolean;
  /** Persist the visitor's first referrer as `$initial_referrer` / `$initial_referring_domain`. */
  save_referrer: boolean;
  /** Do not set `initial_utm_*` on the profile from the landing page. */
  skip_first_touch_marketing: boolean;
  /** Where the opt-in/out choice is kept; falls back to a cookie without localStorage. */
  opt_out_tracking_persistence_type: 'localStorage' | 'cookie';
  /** Key prefix of the opt-in/out choice; empty: `__mp_opt_in_out_`. */
  opt_out_tracking_cookie_prefix: string;
  /** With `opt_out_tracking_by_default`, also clear and stop persistence until the user opts in. */
  opt_out_persistence_by_default: boolean;
  /** `false` honours the browser's Do Not Track setting as mixpanel-browser does. */
  ignore_dnt: boolean;
  opt_out_tracking_by_default: boolean;
  /** Property names never sent. */
  property_blacklist: string[];
  /** Send with `sendBeacon`/keepalive on `pagehide` what is not yet acknowledged. */
  unload_beacon: boolean;
  /** How long other senders hold back what a hide handed the browser, waiting for its host to confirm it (`HANDOFF_TRUST_MS`). */
  handoff_trust_ms: number;
  /** `false`: events are kept in the outbox and nothing is sent until `start_batch_senders()`, as in mixpanel-browser. */
  batch_autostart: boolean;
  /**
   * URL of `dist/outlast-sw.js` as the site serves it from its own origin (e.g. `'/outlast-sw.js'`);
   * empty: none. The library registers it with its own URL as scope (it controls no page and handles
   * no `fetch`), and it sends what the outbox holds once the site's last tab is gone. A page
   * without it unregisters the worker an earlier page registered for the token. Read at `init`.
   */
  service_worker: string;
}

/** The defaults, in one place. */
export const DEFAULT_CONFIG: Config = {
  api_host: ['https://api-js.mixpanel.com', 'https://api.mixpanel.com'],
  ip: true,
  xhr_headers: {},
  api_extra_query_params: {},
  api_payload_format: 'json',
  api_routes: { track: 'track/', engage: 'engage/', groups: 'groups/' },
  batch_size: 50, // Mixpanel's own batch size; keeps a batch well under its request limits
  batch_flush_interval_ms: 5_000, // mixpanel-browser's default
  batch_request_timeout_ms: 10_000, // far below Mixpanel's 90 s: a hanging host must not hold the queue
  max_in_flight: 2,
  retry_backoff_base_ms: 1_000,
  retry_backoff_max_ms: 5 * 60_000,
  failback_interval_ms: 60_000,
  retention_ms: RETENTION_MS,
  outbox_max_events: 100_000,
  outbox_max_bytes: 100 * 1024 * 1024, // 100,000 events of 0.5-1 KB, Mixpanel's usual size; IndexedDB allows far more
  storage_open_timeout_ms: 1_000,
  sender_lease_ms: 5_000,
  debug: false,
  on_error: null,
  loaded: null,
  // identity and persistence: mixpanel-browser's defaults (DEFAULT_CONFIG in its mixpanel-core.js)
  persistence: 'cookie',
  persistence_name: '',
  cookie_name: '',
  disable_persistence: false,
  disable_cookie: false,
  cookie_domain: '',
  cross_subdomain_cookie: true,
  secure_cookie: false,
  cross_site_cookie: false,
  cookie_expiration: 365,
  opt_out_tracking_persistence_type: 'localStorage',
  opt_out_tracking_cookie_prefix: '', // mixpanel-browser's null; null is accepted and means the same
  opt_out_persistence_by_default: false,
  track_pageview: false,
  // the four marketing options: mixpanel-browser 2.83's defaults
  track_marketing: true,
  stop_utm_persistence: false,
  save_referrer: true,
  skip_first_touch_marketing: false,
  ignore_dnt: false,
  opt_out_tracking_by_default: false,
  property_blacklist: [],
  unload_beacon: true,
  handoff_trust_ms: HANDOFF_TRUST_MS,
  batch_autostart: true, // mixpanel-browser's default
  service_worker: '',
};

/**
 * The hosts as an ordered list without trailing slashes. A relative host
 * (`'/mp'`, `'//t.example.com'`) stays relative: `fetch` and `sendBeacon`
 * resolve it against the page, as mixpanel-browser's XHR does.
 */
export function apiHosts(config: Pick<Config, 'api_host'>): string[] {
  const list = Array.isArray(config.api_host) ? config.api_host : [config.api_host];
  return list.map((h) => String(h).replace(/(.)\/+$/, '$1'));
}

/**
 * mixpanel-browser options Outlast accepts and does nothing with: session
 * recording (every `record_`, `recorder_` and `recording_` option), feature
 * flags, autocapture, and transport choices that its delivery replaces. Each
 * is said once in debug mode.
 */
export const UNSUPPORTED_OPTIONS =
  /^(record(er|ing)?_|(targeting_src|remote_settings_mode|flags|autocapture|api_transport|api_method|api_hosts|batch_requests|img|test|verbose)$)/;
