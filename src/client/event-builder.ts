/**
 * The request bodies of one instance: `{ event, properties }` for `/track`
 * and the profile updates for `/engage`. A call that cannot be sent gives
 * null, reported; properties are made JSON-safe and each change is reported.
 */
import { MAX_EVENT_BYTES, MAX_PROPERTIES, MAX_STRING_BYTES, MAX_STRING_LENGTH } from '../constants';
import { insertId } from '../utils/insert-id';
import { refuse, reportNotes } from './call-reports';
import type { InstanceState } from './instance-state';
import type { PeopleStubMethod } from './method-names';
import { isRecord, own } from './values';
import { browserProperties } from './environment';
import { cleanProperties, cutString, type Json, type Props } from './sanitize';
import { sharedProperties } from './shared-properties';
import { describe } from './validate-config';

/** `people` method name → Mixpanel's update action: one for each stub method (a missing one does not compile). */
export const PEOPLE_ACTIONS: Record<PeopleStubMethod, string> = {
  set: '$set',
  set_once: '$set_once',
  unset: '$unset',
  increment: '$add',
  append: '$append',
  union: '$union',
  remove: '$remove',
  delete_user: '$delete',
};

/** A request body as the JSON text the outbox stores and the sender joins into batches: stringified once, here. */
export type BodyJson = string;

/** Group profile method name → Mixpanel's update action (mixpanel-browser's `MixpanelGroup`). */
export const GROUP_ACTIONS: Record<string, string> = {
  set: '$set',
  set_once: '$set_once',
  unset: '$unset',
  union: '$union',
  remove: '$remove',
  delete: '$delete',
};

/**
 * The value of a profile update action for `op(a, b)` (callback already
 * removed), as mixpanel-browser's `api-actions.js` builds it for people and
 * groups alike, or null (reported) when the arguments cannot be used.
 */
function actionValue(core: InstanceState, method: string, op: string, a: unknown, b: unknown): Json | null {
  const notes: string[] = [];
  if (op === 'unset') {
    // sliced, not concatenated: a sparse array of 2^32-1 slots must cost nothing
    const names = (Array.isArray(a) ? a.slice(0, MAX_PROPERTIES) : [a]).filter(
      (x): x is string => typeof x === 'string' && x !== '' && x.length <= MAX_STRING_LENGTH,
    );
    return names.length ? names : refuse(core.reporter, method, 'needs a property name or a list; got ' + describe(a));
  }
  if (typeof a === 'string' && a) a = { [a]: op === 'increment' && b === undefined ? 1 : b };
  else if (!isRecord(a)) return refuse(core.reporter, method, 'needs a property name or an object; got ' + describe(a));
  const data: Props = cleanProperties(a, notes);
  for (const k in data)
    if (op === 'increment' && typeof data[k] !== 'number') {
      notes.push(k + ' is not a number, dropped');
      delete data[k];
    } else if (op === 'union' && !Array.isArray(data[k])) data[k] = [data[k]!];
  reportNotes(core, method, notes);
  return data;
}

/** The body for `people[op](a, b)` (callback already removed), or null (reported) when the arguments cannot be used. */
export function buildEngage(core: InstanceState, op: string, a: unknown, b: unknown): BodyJson | null {
  const method = 'people.' + op;
  const s = core.store.props;
  // mixpanel-browser's delete_user() names the profile it deletes
  const value = op === 'delete_user' ? (s.distinct_id as Json) : actionValue(core, method, op, a, b);
  if (value === null) return null;
  // mixpanel-browser records the browser on every $set; the page's own values win, within the cap
  if (op === 'set' && isRecord(value))
    for (const [k, v] of Object.entries(browserProperties())) if (Object.keys(value).length < MAX_PROPERTIES && !(k in value)) value[k] = v;
  return sized(
    core,
    method,
    () => 'the update',
    JSON.stringify({
      $token: core.token,
      $distinct_id: s.distinct_id,
      $device_id: s.$device_id,
      $time: core.now(),
      [PEOPLE_ACTIONS[op as PeopleStubMethod]]: value,
      ...(s.$user_id ? { $user_id: s.$user_id } : {}),
    }),
  );
}

/**
 * The `/groups` body for `get_group(key, id)[op](a, b)`: the action, then
 * `$group_key`, `$group_id` and `$token`, as mixpanel-browser's
 * `MixpanelGroup._send_request` sends it (no time, no identity).
 */
export function buildGroupUpdate(core: InstanceState, key: string, id: Json, op: string, a: unknown, b: unknown): BodyJson | null {
  const method = 'group.' + op;
  let value = op === 'delete' ? '' : actionValue(core, method, op, a, b);
  if (value === null) return null;
  // the group's own key and id cannot be set as its properties (mixpanel-browser's _is_reserved_property)
  if (isRecord(value)) {
    delete value.$group_key;
    delete value.$group_id;
  } else if (Array.isArray(value)) {
    value = value.filter((name) => name !== '$group_key' && name !== '$group_id');
    if (!value.length) return refuse(core.reporter, method, 'cannot unset the group key or id');
  }
  return sized(
    core,
    method,
    () => 'the update',
    JSON.stringify({ [GROUP_ACTIONS[op]!]: value, $group_key: key, $group_id: id, $token: core.token }),
  );
}

/**
 * The body for `track(name, properties)`, or null (reported) when the call
 * cannot be sent. `base` holds properties the method adds under the call's
 * own (`track_pageview()`'s page fields). Precedence is mixpanel-browser's:
 * automatic properties < persisted super properties (identity included) <
 * `{ persistent: false }` super properties < the call's own, except `token`,
 * which is always the instance's.
 *
 * This runs on every `track()`, mostly in a page's first busy seconds, before
 * the engine has optimised it: it allocates little and calls little.
 */
export function buildEvent(core: InstanceState, name: unknown, properties: unknown, base?: Props): BodyJson | null {
  const { store, token } = core;
  if (typeof name !== 'string' || !/\S/.test(name))
    return refuse(core.reporter, 'track', 'event name must be a non-empty string; got ' + describe(name));
  const notes: string[] = [];
  // Mixpanel's limit is in UTF-8 bytes, as for every other string of the event
  const event = cutString(name);
  if (event !== name) notes.push(`event name cut to ${MAX_STRING_BYTES} bytes`);
  const now = core.now();
  const id = insertId();
  const shared = sharedProperties(core);
  // the call's own part: what differs from one event to the next
  const p: Props = cleanProperties(properties, notes, Object.assign({}, base));
  const started = own(store.timers, name);
  if (typeof started === 'number') {
    p.$duration = Math.round(now - started) / 1000;
    store.update((_, timers) => delete timers[name]);
  }
  const blacklist = core.config.property_blacklist;
  for (const b of blacklist) if (b !== 'token') delete p[b];
  let count = shared.count + 2;
  let plain = shared.plain;
  for (const k in p) {
    count++;
    if (k === 'time' || k === '$insert_id' || own(shared.props, k) !== undefined) plain = false;
  }

  let json: string;
  if (plain && count <= MAX_PROPERTIES) {
    // the usual call: shared part, time and id, the call's own, none of them overlapping
    json = JSON.stringify(p);
    json = `${shared.head},"time":${JSON.stringify(now / 1000)},"$insert_id":"${id}"${json.length > 2 ? ',' + json.slice(1) : '}'}`;
  } else {
    // the call overrides what every event carries, or has too many properties: merged in
    // mixpanel-browser's order of precedence (time and id are automatic, so first)
    const m: Props = Object.assign({ time: now / 1000, $insert_id: id }, shared.props, p, { token });
    for (const b of blacklist) if (b !== 'token') delete m[b];
    // a caller's time in ms (above 1e11 s, the year 5138) becomes seconds
    if ('time' in m && typeof m.time !== 'number') {
      notes.push('time is not a number, replaced');
      m.time = now / 1000;
    } else if ((m.time as number) > 1e11) (m.time as number) /= 1000;
    // what Mixpanel accepts as $insert_id: up to 36 letters, digits and dashes
    if ('$insert_id' in m && m.$insert_id !== id && (typeof m.$insert_id !== 'string' || !/^[A-Za-z0-9-]{1,36}$/.test(m.$insert_id))) {
      notes.push('$insert_id is not 1-36 letters, digits or dashes, replaced');
      m.$insert_id = id;
    }
    // every source is cut to Mixpanel's string length already; the count is checked here
    const keys = Object.keys(m);
    if (keys.length > MAX_PROPERTIES) {
      for (const k of keys.slice(MAX_PROPERTIES)) delete m[k];
      notes.push(`${keys.length} properties, cut to ${MAX_PROPERTIES}`);
    }
    json = JSON.stringify(m);
  }
  // the name is rendered for messages only when there is one to send: describe() costs on every call
  if (notes.length) reportNotes(core, `track(${describe(event)})`, notes);
  return sized(core, 'track', () => describe(event), '{"event":' + JSON.stringify(event) + ',"properties":' + json + '}');
}

/** `json`, or null (reported as `<method>: <what> is N bytes...`) when it is over `MAX_EVENT_BYTES`. */
function sized(core: InstanceState, method: string, what: () => string, json: string): BodyJson | null {
  // UTF-8 length, counted only when it could matter, to keep track() cheap
  const bytes = json.length * 3 > MAX_EVENT_BYTES ? new TextEncoder().encode(json).length : json.length;
  return bytes > MAX_EVENT_BYTES
    ? refuse(core.reporter, method, `${what()} is ${bytes} bytes, over the ${MAX_EVENT_BYTES}-byte limit`)
    : json;
}
