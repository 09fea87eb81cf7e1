// Types shared by the collector's modules (referenced from their JSDoc) and by TypeScript callers.

/** Ingestion endpoints the collector answers, as Mixpanel's. */
export type Endpoint = 'track' | 'engage' | 'groups';

/**
 * How a host misbehaves. `ok` answers as Mixpanel does; the HTTP ones answer with that status;
 * `413` only above `maxEvents` events per request; `400` only when an item carries
 * `properties.poison === true` (or `poison: true` at the top level for engage/groups);
 * `notfound` answers 404; `hang` reads the request and never answers; `refuse` stops listening;
 * `reset` destroys the connection without an answer.
 */
export type FaultMode = 'ok' | '500' | '503' | '429' | '413' | '400' | 'notfound' | 'hang' | 'refuse' | 'reset';

/**
 * How the collector treats what it accepts, for every host at once (a fault mode is per host).
 * - `dedupe` (the default): a profile update received twice (same `$insert_id`, else the same
 *   content) changes the profile once, and a `/track` request with one malformed event is
 *   refused whole with 400. Counts by `$insert_id` show what a client re-sent.
 * - `mixpanel`: what Mixpanel's ingestion does. Every `/engage` and `/groups` update received is
 *   applied, so a `$add` or `$append` sent twice counts twice (`profiles()`; `updates` per
 *   profile says how many were applied). `/track` (and `/engage`, `/groups`) answer 200 as soon
 *   as one item of the request is valid and silently drop the others, which `dropped()` lists:
 *   events without `event`, `properties` or `properties.token`, with a `time` more than 5 days
 *   before the collector's clock (`now`), with 255 properties or more, an object of 255 keys or
 *   more, a list of 255 items or more anywhere, or 1 MB of JSON or more; profile updates
 *   without `$token` or the profile's id. A request with no valid item gets 400.
 * Events are counted by `$insert_id` the same way in both.
 */
export type Semantics = 'dedupe' | 'mixpanel';

/** A profile operation of Mixpanel's `/engage` and `/groups` APIs. */
export type ProfileOperation = '$set' | '$set_once' | '$add' | '$append' | '$union' | '$remove' | '$unset' | '$delete';

/** A user or group profile as the updates the collector applied left it. */
export interface Profile {
  /**
   * Its properties: `$set` overwrites, `$set_once` sets missing ones, `$add` adds to a number
   * (missing = 0), `$append` puts one item at the end of a list, `$union` adds the items not in
   * the list, `$remove` takes every equal item out of a list, `$unset` deletes names, `$delete`
   * empties the profile.
   */
  properties: Record<string, unknown>;
  /** Update items applied to this profile (with `dedupe`, duplicates are not applied). */
  updates: number;
  /** Applied operations by name, e.g. `{ $add: 1 }` after one `people.increment`. */
  operations: Partial<Record<ProfileOperation, number>>;
  /** The last operation was `$delete`. */
  deleted: boolean;
}

/** Every profile the collector built, keyed by `$distinct_id` (people) and `<$group_key>/<$group_id>` (groups). */
export interface Profiles {
  people: Record<string, Profile>;
  groups: Record<string, Profile>;
}

/** An item the `mixpanel` semantics dropped while answering 200 for its request. */
export interface DroppedItem {
  seq: number;
  receivedAt: number;
  host: string;
  endpoint: Endpoint;
  /** Its position in the request's `data`. */
  index: number;
  /** Why Mixpanel would drop it, e.g. `'properties.time' is more than 5 days old (…)`. */
  reason: string;
  data: Record<string, unknown>;
}

/** Options of a fault mode; each `setMode` call replaces the previous ones. */
export interface FaultOptions {
  /** `Retry-After` sent with 429 (default 1) and 503 (none unless given): seconds or an HTTP date. */
  retryAfter?: number | string;
  /** Largest request the `413` mode accepts, in events (default 10). */
  maxEvents?: number;
  /** Answer this many milliseconds late. Events are recorded before the wait, as a slow server would. */
  delay?: number;
}

/** A host's current fault mode and its options. */
export interface FaultState extends FaultOptions {
  mode: FaultMode;
}

/** Event counts: `duplicates` is `raw - unique`. */
export interface Counts {
  raw: number;
  unique: number;
  duplicates: number;
}

/** Counts of one endpoint, with the requests that reached it. */
export interface EndpointStats extends Counts {
  requests: number;
}

/** Everything one host has seen. */
export interface HostStats extends Counts {
  /** Every request, answered or not (including preflights and static files). */
  requests: number;
  /** Requests whose events were accepted. */
  accepted: number;
  byEndpoint: Record<Endpoint, EndpointStats>;
  /** Answers sent, by status code; `hang` and `reset` count under those names. */
  statuses: Record<string, number>;
  /** Items dropped silently by this host (`mixpanel` semantics). */
  dropped: number;
  fault: FaultState;
  url: string;
}

/** Totals over every host: an event accepted by two hosts counts once in `unique`. */
export interface Stats extends Counts {
  requests: number;
  accepted: number;
  byEndpoint: Record<Endpoint, EndpointStats>;
  /** Items dropped silently (`mixpanel` semantics); they are not in `raw`. */
  dropped: number;
  /** Stored items forgotten (oldest first) to stay within `maxStoredItems` / `maxStoredBytes`; still counted. */
  evicted: number;
  byHost: Record<string, HostStats>;
}

/** One accepted item, as stored in memory and in the JSON-lines file. */
export interface StoredEvent {
  /** Increasing number over the collector's life; use with `events({ since })`. */
  seq: number;
  /** When it was received, in ms since the epoch. */
  receivedAt: number;
  host: string;
  endpoint: Endpoint;
  /** `properties.$insert_id` (track), `$insert_id` or a content hash (engage/groups). */
  insertId: string;
  /** Already accepted before, by this host or another. */
  duplicate: boolean;
  /** The item exactly as decoded from `data=`. */
  data: Record<string, unknown>;
}

/** Which accepted items `events()` returns. */
export interface EventFilter {
  host?: string;
  endpoint?: Endpoint;
  /** Only items with `seq` greater than this. */
  since?: number;
  /** Only track events with this name. */
  event?: string;
  /** Leave out duplicates. */
  unique?: boolean;
}

/** One line of the request log. */
export interface RequestLogEntry {
  seq: number;
  time: number;
  host: string;
  method: string;
  path: string;
  /** The query string with its `?` (empty when there is none), e.g. `?verbose=1&ip=1&_=1700000000000`. */
  query: string;
  /** The request's `Content-Type` header as sent (empty when missing). */
  contentType: string;
  endpoint: Endpoint | null;
  /** Items decoded from the request (0 when it could not be decoded or was not an endpoint). */
  count: number;
  /** HTTP status sent, or `hang` / `reset` / `aborted`. */
  status: number | 'hang' | 'reset' | 'aborted';
  /**
   * `beacon` when the body came as `text/plain` (what `sendBeacon` sends for a string) or the
   * request is `Sec-Fetch-Mode: no-cors` (a cross-origin `sendBeacon` of a form Blob).
   */
  transport: 'beacon' | 'fetch';
  error: string | null;
  bytes: number;
}

/** Options of `startCollector`. */
export interface CollectorOptions {
  /** Names of the ingest hosts, each on its own port (default `['primary', 'alternate']`). */
  hosts?: string[];
  /** Port per host name (default 0: ephemeral). */
  ports?: Record<string, number>;
  /** Port of the control API (default 0: ephemeral). */
  controlPort?: number;
  /** Interface to listen on (default `127.0.0.1`). */
  host?: string;
  /** Append every accepted item to this JSON-lines file (default: memory only). */
  storeFile?: string;
  /** Add a host named `script` serving static files from `dir`, e.g. the built `mixpanel.min.js`. */
  scriptHost?: { dir: string; port?: number };
  /**
   * Keep connections open between requests (default false: every answer closes its
   * connection, so a switch to `refuse` is seen at once even by clients that would not
   * retry a request that failed on a stale pooled connection).
   */
  keepAlive?: boolean;
  /** Largest request body read, in bytes; larger ones get 413 (default 10 MB, Mixpanel's /import limit). */
  maxBodyBytes?: number;
  /** How items are counted and profiles applied (default `dedupe`); `setSemantics` switches it later. */
  semantics?: Semantics;
  /** The collector's clock in ms since the epoch (default `Date.now`): `mixpanel` semantics drop events 5 days older than it. */
  now?: () => number;
  /**
   * Origins whose pages may use the collector (CORS answers, credentials, private-network
   * preflights; a request from any other origin gets 403). Exact origins such as
   * `'https://demo.test'`, and `'loopback'` for every origin served from this machine
   * (127.0.0.0/8, `[::1]`, `localhost` and `*.localhost`, any port). Default `['loopback']`:
   * the demo's and the tests' pages, never another website. Requests without an `Origin`
   * (Node, curl, a `<script>` tag) are not affected.
   */
  allowedOrigins?: string[];
  /**
   * Host names, besides the built-in ones, that requests may carry in `Host`. Built in: IP
   * addresses, `localhost` and `*.localhost`, and names without a dot (an nginx upstream).
   * Any other name gets 403: a website can point its own name at 127.0.0.1 (DNS rebinding).
   */
  allowedHosts?: string[];
  /** Stored items kept in memory (default 200,000); the oldest are forgotten, the counts go on. Dropped items are capped apart. */
  maxStoredItems?: number;
  /** Bytes of stored items' JSON kept in memory (default 256 MiB); the oldest are forgotten beyond it. */
  maxStoredBytes?: number;
}

/** A running collector. */
export interface Collector {
  /** Base URL per host name, e.g. `{ primary: 'http://127.0.0.1:40123' }`. */
  urls: Record<string, string>;
  controlUrl: string;
  /** Switch a host's fault mode; resolves once it is in effect (for `refuse`, once the port is closed). */
  setMode(host: string, mode: FaultMode, opts?: FaultOptions): Promise<void>;
  /** Accepted items still stored (see `maxStoredItems`), oldest first. */
  events(filter?: EventFilter): StoredEvent[];
  stats(): Stats;
  requests(since?: number): RequestLogEntry[];
  /** Profiles built from `/engage` and `/groups` updates (a copy). */
  profiles(): Profiles;
  /** Items dropped silently under `mixpanel` semantics, oldest first. */
  dropped(since?: number): DroppedItem[];
  /** The semantics in force. */
  semantics(): Semantics;
  /** Switch semantics for later requests (what was stored stays; `reset` keeps the semantics). */
  setSemantics(semantics: Semantics): void;
  /** Forget every count, item, profile, dropped item and logged request; also puts every host back to `ok` unless `keepModes`. */
  reset(opts?: { keepModes?: boolean }): Promise<void>;
  /** Close every port and connection (hanging ones included) and the store file. */
  close(): Promise<void>;
}
