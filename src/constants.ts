/**
 * Every number Outlast relies on, with where it comes from. Options that a
 * user may change have their defaults in `config.ts`; these are the fixed
 * limits of the protocol and the browser.
 */

/** Outlast's own version, sent in `mp_loader`; replaced at build time from package.json. */
export const LIB_VERSION: string = typeof __OUTLAST_VERSION__ === 'string' ? __OUTLAST_VERSION__ : '0.0.0-dev';

/** Sent as `mp_lib`: mixpanel-browser's value, so a report's "Mixpanel Library = web" filter still means "from a browser". */
export const LIB_NAME = 'web';

/** Sent as `$lib_version`: the mixpanel-browser release whose events Outlast's match, so version filters and breakdowns keep their meaning. */
export const COMPATIBLE_LIB_VERSION = '2.83.0';

/** Sent as `mp_loader` unless the site sets its own: how reports tell Outlast's events from mixpanel-browser's. */
export const LOADER_NAME = 'outlast';

/** Names (event names, property keys, ids, the token): Mixpanel allows property names of 255 characters. */
export const MAX_STRING_LENGTH = 255;

/**
 * String property values: Mixpanel stores at most 255 bytes of one ("Supported Properties Data
 * Type"). mixpanel-browser cuts 255 UTF-16 units (`_.truncate(data, 255)`), the same for ASCII
 * but up to 765 bytes for other text, which Mixpanel then cuts where it likes; Outlast cuts to
 * 255 bytes of UTF-8 itself, between characters, so the value stored is the value sent.
 */
export const MAX_STRING_BYTES = 255;

/**
 * Mixpanel's /track reference: an event has fewer than 255 properties, a nested object fewer
 * than 255 keys, a list fewer than 255 items; the collector's `mixpanel` semantics drops events past them.
 */
export const MAX_PROPERTIES = 254;

/** Nested objects deeper than this are cut: Mixpanel flattens little beyond a few levels. */
export const MAX_DEPTH = 5;

/** Mixpanel rejects a single event over 1 MB; we stay far under it so a batch of 50 fits too. */
export const MAX_EVENT_BYTES = 64 * 1024;

/** Mixpanel drops `/track` events older than 5 days, so holding them longer is pointless. */
export const RETENTION_MS = 5 * 24 * 60 * 60 * 1000;

/**
 * How far the device clock may be from an ingest host's before event times are corrected at
 * send. An HTTP `Date` header has a resolution of one second (RFC 9110, section 5.6.7) and the
 * estimate is off by at most half the round trip, so a few seconds is noise; a clock synced by
 * NTP is within a second. A minute is far above both and far below Mixpanel's 5-day window.
 */
export const CLOCK_SKEW_CORRECTION_MS = 60 * 1000;

/** Chromium and Firefox refuse `sendBeacon`/keepalive bodies once 64 KiB are pending per page. */
export const BEACON_BUDGET_BYTES = 64 * 1024;

/**
 * Most body bytes Outlast keeps in `keepalive` requests at once: under the
 * 64 KiB above, so that the unload beacon always has room for something.
 */
export const KEEPALIVE_BODY_LIMIT = 48 * 1024;

/**
 * How long a `keepalive` request that failed without an answer may still be
 * on its way. Chromium fails the page's side of its keepalive requests once a
 * navigation is about to commit, shortly before `pagehide`, yet sends them.
 * Within this window the unload beacon leaves those records out rather than
 * send them twice; a second is far longer than that gap.
 */
export const KEEPALIVE_UNKNOWN_MS = 1000;

/**
 * How long after a hide what it handed the browser (the unload beacon, keepalive requests on
 * their way) is held back by every sender, waiting for its host to say whether it was up: a 2xx
 * to a later request within this window confirms the hand-off, a failure or the window's end
 * releases it. It covers a page change plus one request to a slow host (`batch_request_timeout_ms`
 * defaults to 10 s: a host slower than that counts as failing), and is short enough that a host
 * up at its end was, with every likelihood, up at the hide too.
 */
export const HANDOFF_TRUST_MS = 10_000;

/**
 * Body bytes Outlast defers with `fetchLater()` at once. Its quota is 64 KiB per origin in a
 * top-level document (Fetch standard, "deferred fetching"), counting each request's URL and
 * headers with its body (Chromium: under 65,536 bytes in all); 1 KiB is left for the URLs and
 * the form header of the few requests that carry it (about 150 bytes each). A request past the
 * quota is refused, and the records it would have carried wait in the outbox.
 */
export const FETCH_LATER_BODY_BUDGET = 63 * 1024;

/**
 * How long after a record is enqueued the deferred request is armed again with it. Re-arming
 * encodes what is unacknowledged (up to the quota above) and hands it to the browser, so a burst
 * of `track()` calls shares one; a renderer killed within this time after a call leaves that call's
 * event in the outbox only, for the visitor's next page.
 */
export const DEFERRED_SEND_DELAY_MS = 100;

/**
 * How long an event's automatic properties other than the URL are reused: the
 * user agent, referrer and screen size are read again after this, or at once
 * on a new URL. Each read is a call into the browser costing microseconds on
 * every `track()`; none of them changes within a second but a screen rotating.
 */
export const PAGE_PROPERTIES_MS = 1000;

/**
 * Records one outbox write takes. IndexedDB copies every record of a `put` in
 * the task that calls it, so the size of a write is the length it adds to a
 * task; this many keeps each well under a long task in Chromium after a burst
 * of 1,000 `track()` calls (the bench measures it). A longer burst is written
 * in the following tasks, this many at a time.
 */
export const OUTBOX_WRITE_CHUNK = 100;

/**
 * Records the first write takes, the one at the end of the calling task: a
 * single call (the usual case) is stored at once, and a burst adds little to
 * its own task, which already holds the page's own work (the bench compares
 * sizes). Once the page is leaving, everything is written at once.
 */
export const OUTBOX_FIRST_WRITE = 20;

/**
 * How often the outbox reads the store's count again to follow what other tabs wrote, at most.
 * IndexedDB's `count()` walks the whole store in some engines (Firefox), slowly on a large one,
 * holding up other transactions meanwhile, so it is not asked on every batch; between reads the
 * outbox follows its own writes and deletes.
 */
export const OUTBOX_RECOUNT_MS = 10_000;

/** Key under which the paste-in stub leaves calls the library had no time to take (per token-less origin). */
export const STUB_STORAGE_KEY = '__outlast_stub_queue';

/** Prefix of everything Outlast writes to localStorage and cookies. */
export const STORAGE_PREFIX = 'mp_';

/**
 * Schema version of outbox records; bump it, and teach `readRecord` the version before it,
 * when the record shape changes. Version 2 keeps the body as its JSON text; version 1 kept
 * the object, and is still read.
 */
export const RECORD_VERSION = 2;

declare const __OUTLAST_VERSION__: string | undefined;

/**
 * How long the service worker drains within one event. Chromium fails a Background Sync event
 * still running after 3 minutes (`max_sync_event_duration` in its background_sync_parameters.cc)
 * and counts it as a failed attempt; 2.5 minutes leaves room for the requests in flight to end.
 * Firefox and Safari stop a worker that no page uses sooner, whatever it waits for.
 */
export const WORKER_DRAIN_MS = 150_000;

/**
 * How often the service worker looks again: whether the sender lock is free (a page holds it
 * until its `pagehide`), whether the outbox is empty, whether a page waits for the lock.
 */
export const WORKER_POLL_MS = 250;

/**
 * How long the service worker waits for the sender lock within one event. A closing page lets
 * it go at `pagehide`, within milliseconds of the hide that woke the worker; a page that keeps it
 * longer is alive and sending, and wakes the worker again when it leaves.
 */
export const WORKER_LOCK_WAIT_MS = 10_000;
