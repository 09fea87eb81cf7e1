// Accepted items, their dedupe counts and the request log; optionally appended to a JSON-lines file.
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createProfiles } from './profiles.mjs';

/** @typedef {import('./types').Endpoint} Endpoint */
/** @typedef {import('./types').Counts} Counts */
/** @typedef {import('./types').EndpointStats} EndpointStats */
/** @typedef {import('./types').StoredEvent} StoredEvent */
/** @typedef {import('./types').EventFilter} EventFilter */
/** @typedef {import('./types').RequestLogEntry} RequestLogEntry */
/** @typedef {import('./types').DroppedItem} DroppedItem */

/** @type {Endpoint[]} */
export const ENDPOINTS = ['track', 'engage', 'groups'];

/** Requests kept in the log; older ones are forgotten so a long demo does not grow without end. */
const MAX_LOGGED_REQUESTS = 10_000;

/**
 * Items (and, apart, dropped items) kept in memory by default: far more than any test or demo
 * sends, few enough that a page flooding a collector left running cannot exhaust the machine.
 */
export const DEFAULT_MAX_STORED_ITEMS = 200_000;

/** Bytes of stored items' JSON kept in memory by default (and, apart, of dropped items). */
export const DEFAULT_MAX_STORED_BYTES = 256 * 1024 * 1024;

/**
 * A list that forgets its oldest entries beyond a count or a byte total. Entries are appended
 * and forgotten from the front; the array is compacted once half of it is forgotten, so that
 * forgetting costs O(1) on average.
 * @template T
 * @param {number} maxCount
 * @param {number} maxBytes
 */
function createBoundedList(maxCount, maxBytes) {
  /** @type {T[]} */
  let entries = [];
  /** @type {number[]} */
  let sizes = [];
  let start = 0;
  let bytes = 0;
  let evicted = 0;

  /** @param {T} entry @param {number} size */
  function push(entry, size) {
    entries.push(entry);
    sizes.push(size);
    bytes += size;
    while (entries.length - start > maxCount || (bytes > maxBytes && entries.length - start > 1)) {
      bytes -= sizes[start];
      start++;
      evicted++;
    }
    if (start > 1024 && start * 2 > entries.length) {
      entries = entries.slice(start);
      sizes = sizes.slice(start);
      start = 0;
    }
  }

  /** @param {(entry: T) => boolean} keep */
  const filter = (keep) => {
    /** @type {T[]} */
    const out = [];
    for (let i = start; i < entries.length; i++) if (keep(entries[i])) out.push(entries[i]);
    return out;
  };

  return { push, filter, size: () => entries.length - start, evicted: () => evicted };
}

/**
 * The key Mixpanel would dedupe an item by: `properties.$insert_id` for track,
 * `$insert_id` or else a hash of the item for engage and groups (a retried
 * profile update is byte-for-byte the same). Track events without an id are never
 * duplicates, as on Mixpanel.
 * @param {Endpoint} endpoint
 * @param {Record<string, unknown>} item
 * @param {() => string} fresh
 */
export function insertIdOf(endpoint, item, fresh) {
  const props = item.properties;
  const fromProps = typeof props === 'object' && props !== null ? /** @type {any} */ (props).$insert_id : undefined;
  const id = endpoint === 'track' ? fromProps : item.$insert_id;
  if (typeof id === 'string' || typeof id === 'number') return `${endpoint}:${id}`;
  if (endpoint === 'track') return `track:no-id:${fresh()}`;
  return `${endpoint}:hash:${createHash('sha1').update(stableJson(item)).digest('hex')}`;
}

/**
 * JSON with object keys sorted, so equal items hash equally whatever their key order.
 * @param {unknown} value
 * @returns {string}
 */
function stableJson(value) {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const obj = /** @type {Record<string, unknown>} */ (value);
    return `{${Object.keys(obj)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** @returns {EndpointStats} */
const emptyEndpointStats = () => ({ raw: 0, unique: 0, duplicates: 0, requests: 0 });

/** @returns {Record<Endpoint, EndpointStats>} */
const emptyByEndpoint = () => ({ track: emptyEndpointStats(), engage: emptyEndpointStats(), groups: emptyEndpointStats() });

/**
 * Creates the store. Counting is per host and overall: an item accepted by the
 * primary and again by the alternate is unique on each host but a duplicate overall.
 * Stored items beyond `maxItems` or `maxBytes` (of their JSON) are forgotten oldest first;
 * the counts and the dedupe by `$insert_id` go on over everything ever received.
 * @param {{ file?: string, maxItems?: number, maxBytes?: number }} [options]
 */
export function createStore(options = {}) {
  const maxItems = options.maxItems ?? DEFAULT_MAX_STORED_ITEMS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_STORED_BYTES;
  /** @returns {ReturnType<typeof createBoundedList<StoredEvent>>} */
  const newItems = () => createBoundedList(maxItems, maxBytes);
  /** @returns {ReturnType<typeof createBoundedList<DroppedItem>>} */
  const newDropped = () => createBoundedList(maxItems, maxBytes);
  let seq = 0;
  let requestSeq = 0;
  let noIdCounter = 0;
  let items = newItems();
  /** @type {RequestLogEntry[]} */
  let log = [];
  let droppedItems = newDropped();
  /** @type {Map<string, number>} */
  let droppedByHost = new Map();
  let dropSeq = 0;
  let droppedCount = 0;
  const profiles = createProfiles();
  /** @type {Set<string>} */
  let seenOverall = new Set();
  /** @type {Map<string, Set<string>>} */
  let seenByHost = new Map();
  /** @type {Map<string, { raw: number, unique: number, requests: number, accepted: number, byEndpoint: Record<Endpoint, EndpointStats>, statuses: Record<string, number> }>} */
  let hosts = new Map();
  let overall = { raw: 0, unique: 0, requests: 0, accepted: 0, byEndpoint: emptyByEndpoint() };

  /** @type {import('node:fs').WriteStream | null} */
  let out = null;
  if (options.file) {
    mkdirSync(dirname(options.file), { recursive: true });
    out = createWriteStream(options.file, { flags: 'a' });
    // A full disk must not take the collector down; the memory copy still works.
    out.on('error', () => {
      out = null;
    });
  }

  /** @param {string} host */
  function hostCounts(host) {
    let h = hosts.get(host);
    if (!h) {
      h = { raw: 0, unique: 0, requests: 0, accepted: 0, byEndpoint: emptyByEndpoint(), statuses: {} };
      hosts.set(host, h);
    }
    return h;
  }

  /**
   * Records items a host accepted; returns them as stored. Profile updates change the
   * profiles: every one of them with `applyEveryUpdate` (Mixpanel's way), else only those
   * not seen before (a duplicate is then absorbed as the default semantics promise).
   * @param {string} host
   * @param {Endpoint} endpoint
   * @param {Record<string, unknown>[]} accepted
   * @param {boolean} [applyEveryUpdate]
   */
  function add(host, endpoint, accepted, applyEveryUpdate = false) {
    const h = hostCounts(host);
    let seen = seenByHost.get(host);
    if (!seen) seenByHost.set(host, (seen = new Set()));
    h.accepted++;
    overall.accepted++;
    return accepted.map((data) => {
      const insertId = insertIdOf(endpoint, data, () => String(++noIdCounter));
      const newOnHost = !seen.has(insertId);
      const newOverall = !seenOverall.has(insertId);
      seen.add(insertId);
      seenOverall.add(insertId);
      h.raw++;
      h.byEndpoint[endpoint].raw++;
      overall.raw++;
      overall.byEndpoint[endpoint].raw++;
      if (newOnHost) {
        h.unique++;
        h.byEndpoint[endpoint].unique++;
      }
      if (newOverall) {
        overall.unique++;
        overall.byEndpoint[endpoint].unique++;
      }
      /** @type {StoredEvent} */
      const stored = { seq: ++seq, receivedAt: Date.now(), host, endpoint, insertId, duplicate: !newOverall, data };
      const json = JSON.stringify(stored);
      items.push(stored, json.length);
      if (endpoint !== 'track' && (applyEveryUpdate || newOverall)) profiles.apply(endpoint, data);
      if (out) out.write(`${json}\n`);
      return stored;
    });
  }

  /**
   * Records items a host dropped without saying so (the `mixpanel` semantics).
   * @param {string} host
   * @param {Endpoint} endpoint
   * @param {{ index: number, reason: string, data: Record<string, unknown> }[]} dropped
   */
  function drop(host, endpoint, dropped) {
    for (const { index, reason, data } of dropped) {
      const item = { seq: ++dropSeq, receivedAt: Date.now(), host, endpoint, index, reason, data };
      droppedItems.push(item, JSON.stringify(item).length);
      droppedByHost.set(host, (droppedByHost.get(host) ?? 0) + 1);
      droppedCount++;
    }
  }

  /** @param {number} [since] */
  const dropped = (since = 0) => droppedItems.filter((d) => d.seq > since);

  /**
   * Logs a request once its outcome is known.
   * @param {Omit<RequestLogEntry, 'seq'>} entry
   */
  function logRequest(entry) {
    const h = hostCounts(entry.host);
    h.requests++;
    overall.requests++;
    h.statuses[String(entry.status)] = (h.statuses[String(entry.status)] ?? 0) + 1;
    if (entry.endpoint) {
      h.byEndpoint[entry.endpoint].requests++;
      overall.byEndpoint[entry.endpoint].requests++;
    }
    log.push({ seq: ++requestSeq, ...entry });
    if (log.length > MAX_LOGGED_REQUESTS) log = log.slice(-MAX_LOGGED_REQUESTS / 2);
  }

  /**
   * Accepted items matching the filter, oldest first.
   * @param {EventFilter} [filter]
   */
  function events(filter = {}) {
    return items.filter(
      (e) =>
        (filter.host === undefined || e.host === filter.host) &&
        (filter.endpoint === undefined || e.endpoint === filter.endpoint) &&
        (filter.since === undefined || e.seq > filter.since) &&
        (filter.event === undefined || e.data.event === filter.event) &&
        (!filter.unique || !e.duplicate),
    );
  }

  /**
   * Counts per host (for the given host names, even those that saw nothing) and overall.
   * @param {string[]} hostNames
   */
  function counts(hostNames) {
    /** @param {EndpointStats} s */
    const withDup = (s) => ({ ...s, duplicates: s.raw - s.unique });
    /** @param {Record<Endpoint, EndpointStats>} by */
    const byEndpoint = (by) => ({ track: withDup(by.track), engage: withDup(by.engage), groups: withDup(by.groups) });
    const byHost = Object.fromEntries(
      hostNames.map((name) => {
        const h = hostCounts(name);
        return [
          name,
          {
            raw: h.raw,
            unique: h.unique,
            duplicates: h.raw - h.unique,
            requests: h.requests,
            accepted: h.accepted,
            byEndpoint: byEndpoint(h.byEndpoint),
            statuses: { ...h.statuses },
            dropped: droppedByHost.get(name) ?? 0,
          },
        ];
      }),
    );
    return {
      raw: overall.raw,
      unique: overall.unique,
      duplicates: overall.raw - overall.unique,
      requests: overall.requests,
      accepted: overall.accepted,
      byEndpoint: byEndpoint(overall.byEndpoint),
      dropped: droppedCount,
      evicted: items.evicted(),
      byHost,
    };
  }

  /** Forgets everything in memory; the file stays as it is (append-only). */
  function clear() {
    items = newItems();
    log = [];
    droppedItems = newDropped();
    droppedByHost = new Map();
    droppedCount = 0;
    profiles.clear();
    seenOverall = new Set();
    seenByHost = new Map();
    hosts = new Map();
    overall = { raw: 0, unique: 0, requests: 0, accepted: 0, byEndpoint: emptyByEndpoint() };
  }

  /** @param {number} [since] */
  const requests = (since = 0) => log.filter((r) => r.seq > since);

  /** Flushes and closes the file. */
  function close() {
    const stream = out;
    out = null;
    if (!stream) return Promise.resolve();
    return new Promise((resolve) => stream.end(() => resolve(undefined)));
  }

  return { add, drop, dropped, profiles: profiles.snapshot, logRequest, events, counts, clear, requests, close };
}
