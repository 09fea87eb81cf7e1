// Which items of a request Mixpanel would keep, for the `mixpanel` semantics: its /track
// answers 200 as soon as one event of the batch is well formed and silently drops the rest.
import { isObject } from './payload.mjs';

/** @typedef {import('./types').Endpoint} Endpoint */

/** /track keeps events of the last 5 days only, by Mixpanel's clock (its /track reference, "Ingesting historical events"). */
export const TRACK_MAX_AGE_MS = 5 * 24 * 60 * 60 * 1000;

/**
 * Mixpanel's event limits (its /track and /import references): fewer than 255 properties,
 * nested objects with fewer than 255 keys, lists with fewer than 255 items.
 */
export const MIXPANEL_MAX_KEYS = 254;

/** An event must be smaller than 1 MB of uncompressed JSON (same references). */
export const MIXPANEL_MAX_EVENT_BYTES = 1024 * 1024;

/**
 * `time` of an event in ms: Mixpanel takes seconds or milliseconds since the epoch; a value
 * above 1e11 cannot be seconds (that is the year 5138), so it is milliseconds.
 * @param {number} time
 */
const timeMs = (time) => (time > 1e11 ? time : time * 1000);

/**
 * Why an object or list (at any depth) breaks the key and item limits, or null.
 * @param {unknown} value
 * @param {string} path
 * @returns {string | null}
 */
function sizeProblem(value, path) {
  if (Array.isArray(value)) {
    if (value.length > MIXPANEL_MAX_KEYS) return `${path} has ${value.length} items (fewer than 255 allowed)`;
    for (let i = 0; i < value.length; i++) {
      const problem = sizeProblem(value[i], `${path}[${i}]`);
      if (problem) return problem;
    }
  } else if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length > MIXPANEL_MAX_KEYS) return `${path} has ${keys.length} keys (fewer than 255 allowed)`;
    for (const key of keys) {
      const problem = sizeProblem(value[key], `${path}.${key}`);
      if (problem) return problem;
    }
  }
  return null;
}

/**
 * Why Mixpanel would drop this /track event, or null when it keeps it.
 * @param {Record<string, unknown>} item
 * @param {number} nowMs  the collector's clock
 * @returns {string | null}
 */
export function trackDropReason(item, nowMs) {
  if (typeof item.event !== 'string' || item.event === '') return "'event' must be a non-empty string";
  const props = item.properties;
  if (!isObject(props)) return "'properties' must be an object";
  if (typeof props.token !== 'string' || props.token === '') return "'properties.token' is missing";
  if (typeof props.time === 'number' && Number.isFinite(props.time) && timeMs(props.time) < nowMs - TRACK_MAX_AGE_MS) {
    return `'properties.time' is more than 5 days old (${new Date(timeMs(props.time)).toISOString()})`;
  }
  const count = Object.keys(props).length;
  if (count > MIXPANEL_MAX_KEYS) return `'properties' has ${count} properties (fewer than 255 allowed)`;
  const problem = sizeProblem(props, 'properties');
  if (problem) return problem;
  const bytes = Buffer.byteLength(JSON.stringify(item));
  if (bytes >= MIXPANEL_MAX_EVENT_BYTES) return `event is ${bytes} bytes of JSON (under 1 MB allowed)`;
  return null;
}

/**
 * Why Mixpanel would drop this /engage or /groups update, or null: it needs the project
 * token and the profile it updates.
 * @param {'engage' | 'groups'} endpoint
 * @param {Record<string, unknown>} item
 * @returns {string | null}
 */
export function profileDropReason(endpoint, item) {
  if (typeof item.$token !== 'string' || item.$token === '') return "'$token' is missing";
  if (endpoint === 'engage') {
    if (item.$distinct_id === undefined || item.$distinct_id === null || item.$distinct_id === '') return "'$distinct_id' is missing";
  } else if (item.$group_key === undefined || item.$group_id === undefined) {
    return "'$group_key' and '$group_id' are needed";
  }
  return null;
}

/**
 * Splits a request's items into those Mixpanel keeps and those it drops, with the reason.
 * @param {Endpoint} endpoint
 * @param {Record<string, unknown>[]} items
 * @param {number} nowMs
 */
export function triage(endpoint, items, nowMs) {
  /** @type {Record<string, unknown>[]} */
  const kept = [];
  /** @type {{ index: number, reason: string, data: Record<string, unknown> }[]} */
  const dropped = [];
  items.forEach((data, index) => {
    const reason = endpoint === 'track' ? trackDropReason(data, nowMs) : profileDropReason(endpoint, data);
    if (reason === null) kept.push(data);
    else dropped.push({ index, reason, data });
  });
  return { kept, dropped };
}
