/**
 * The request bodies of one instance: `{ event, properties }` for `/track`
 * and the profile updates for `/engage`. A call that cannot be sent gives
 * null, reported; properties are made JSON-safe and each change is reported.
 */
import { LIB_NAME, LIB_VERSION, MAX_EVENT_BYTES, MAX_PROPERTIES, MAX_STRING_LENGTH } from '../constants';
import { insertId } from '../utils/insert-id';
import { isRecord, own, refuse, reportNotes, type Core } from './core';
import { browserProperties, pageProperties } from './environment';
import { cleanProperties, type Json, type Props } from './sanitize';
import { describe } from './validate-config';

/** `people` method name → Mixpanel's update action. */
export const PEOPLE_ACTIONS: Record<string, string> = {
  set: '$set',
  set_once: '$set_once',
  unset: '$unset',
  increment: '$add',
  append: '$append',
  union: '$union',
  remove: '$remove',
  delete_user: '$delete',
};

/** A request body and the length of its JSON, measured once here so the outbox need not stringify it again. */
export type Built = [body: Record<string, unknown>, size: number];

/** The body for `people[op](a, b)` (callback already removed), or null (reported) when the arguments cannot be used. */
export function buildEngage(core: Core, op: string, a: unknown, b: unknown): Built | null {
  const notes: string[] = [];
  const method = 'people.' + op;
  let value: Json = '';
  if (op === 'unset') {
    // sliced, not concatenated: a sparse array of 2^32-1 slots must cost nothing
    value = (Array.isArray(a) ? a.slice(0, MAX_PROPERTIES) : [a]).filter((x): x is string => typeof x === 'string' && x !== '' && x.length <= MAX_STRING_LENGTH);
    if (!value.length) return refuse(core.reporter, method, 'needs a property name or a list of them; got ' + describe(a));
  } else if (op !== 'delete_user') {
    if (typeof a === 'string' && a) a = { [a]: op === 'increment' && b === undefined ? 1 : b };
    else if (!isRecord(a)) return refuse(core.reporter, method, 'needs a property name or an object of properties; got ' + describe(a));
    const data: Props = cleanProperties(a, notes);
    for (const k in data)
      if (op === 'increment' && typeof data[k] !== 'number') notes.push(k + ' is not a number, dropped'), delete data[k];
      else if (op === 'union' && !Array.isArray(data[k])) data[k] = [data[k]!];
    // mixpanel-browser records the browser on every $set; the page's own values win, within the cap
    if (op === 'set') for (const [k, v] of Object.entries(browserProperties())) if (Object.keys(data).length < MAX_PROPERTIES && !(k in data)) data[k] = v;
    value = data;
  }
  reportNotes(core, method, notes);
  const s = core.store.props;
  return sized(core, method, () => 'the update', {
    $token: core.token,
    $distinct_id: s.distinct_id,
    $device_id: s.$device_id,
    $time: core.now(),
    [PEOPLE_ACTIONS[op]!]: value,
    ...(s.$user_id ? { $user_id: s.$user_id } : {}),
  });
}

/**
 * `/track` bodies follow mixpanel-browser's precedence: automatic properties <
 * persisted super properties (identity included) < `{ persistent: false }`
 * super properties < the call's own, except `token`, which is always the instance's.
 */
/**
 * The body for `track(name, properties)`, or null (reported) when the call
 * cannot be sent. `base` holds properties the method adds under the call's
 * own (`track_pageview()`'s page fields).
 */
export function buildEvent(core: Core, name: unknown, properties: unknown, base?: Props): Built | null {
  const { store, token } = core;
  if (typeof name !== 'string' || !name.trim()) return refuse(core.reporter, 'track', 'event name must be a non-empty string; got ' + describe(name));
  const notes: string[] = [];
  const event = name.slice(0, MAX_STRING_LENGTH);
  if (event !== name) notes.push(`event name cut to ${MAX_STRING_LENGTH} characters`);
  const now = core.now();
  const p: Props = { token, ...pageProperties(), mp_lib: LIB_NAME, $lib_version: LIB_VERSION, time: now / 1000, $insert_id: insertId() };
  for (const k in store.props) if (k.slice(0, 2) !== '__') p[k] = store.props[k]!;
  Object.assign(p, core.extra, base, cleanProperties(properties, notes), { token });

  const started = own(store.timers, name);
  if (typeof started === 'number') {
    p.$duration = Math.round(now - started) / 1000;
    delete store.timers[name];
    store.save();
  }
  // a caller's time in ms (above 1e11 s, the year 5138) becomes seconds
  if (typeof p.time !== 'number') notes.push('time is not a number, replaced'), (p.time = now / 1000);
  else if (p.time > 1e11) p.time /= 1000;
  // what Mixpanel accepts as $insert_id: up to 36 letters, digits and dashes
  if (typeof p.$insert_id !== 'string' || !/^[A-Za-z0-9-]{1,36}$/.test(p.$insert_id)) notes.push('$insert_id is not 1-36 letters, digits or dashes, replaced'), (p.$insert_id = insertId());
  for (const b of core.config.property_blacklist) if (b !== 'token') delete p[b];
  const keys = Object.keys(p);
  // automatic ones too (a long URL), as mixpanel-browser cuts them
  for (const k of keys) if (typeof p[k] == 'string' && (p[k] as string).length > MAX_STRING_LENGTH) p[k] = (p[k] as string).slice(0, MAX_STRING_LENGTH);
  if (keys.length > MAX_PROPERTIES) {
    for (const k of keys.slice(MAX_PROPERTIES)) delete p[k];
    notes.push(`${keys.length} properties, cut to ${MAX_PROPERTIES}`);
  }
  // the name is rendered for messages only when there is one to send: describe() costs on every call
  if (notes.length) reportNotes(core, `track(${describe(event)})`, notes);

  return sized(core, 'track', () => describe(event), { event, properties: p });
}

/** `body` with its JSON length, or null (reported as `<method>: <what> is N bytes...`) when its JSON is over `MAX_EVENT_BYTES`. */
function sized(core: Core, method: string, what: () => string, body: Record<string, unknown>): Built | null {
  const json = JSON.stringify(body);
  // UTF-8 length, counted only when it could matter, to keep track() cheap
  const bytes = json.length * 3 > MAX_EVENT_BYTES ? new TextEncoder().encode(json).length : json.length;
  return bytes > MAX_EVENT_BYTES ? refuse(core.reporter, method, `${what()} is ${bytes} bytes, over the ${MAX_EVENT_BYTES}-byte limit`) : [body, json.length];
}
