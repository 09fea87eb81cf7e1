/**
 * Builds the `/track` body `{ event, properties }` for one `track()` call,
 * with mixpanel-browser's precedence: automatic properties < persisted super
 * properties (identity included) < `{ persistent: false }` super properties <
 * the call's own, except `token`, which is always the instance's.
 */
import { LIB_NAME, LIB_VERSION, MAX_EVENT_BYTES, MAX_PROPERTIES, MAX_STRING_LENGTH } from '../constants';
import { insertId } from '../utils/uuid';
import { own, reportNotes, type Core } from './core';
import { pageProperties } from './environment';
import { cleanProperties, type Props } from './sanitize';
import { describe } from './validate-config';

/** What Mixpanel accepts as `$insert_id`: up to 36 letters, digits and dashes. */
const INSERT_ID = /^[A-Za-z0-9-]{1,36}$/;

/** A `time` above this is in milliseconds (in seconds it would be the year 5138). */
const MS_THRESHOLD = 1e11;

/**
 * The body for `track(name, properties)`, or null (reported) when the call
 * cannot be sent. `base` holds properties the method adds under the call's
 * own (`track_pageview()`'s page fields).
 */
export function buildEvent(core: Core, name: unknown, properties: unknown, base?: Props): Record<string, unknown> | null {
  const { reporter, store, token } = core;
  if (typeof name !== 'string' || !name.trim()) {
    reporter.report({ code: 'invalid_call', message: `track() needs an event name (a non-empty string); got ${describe(name)}`, detail: { method: 'track' } });
    return null;
  }
  const notes: string[] = [];
  const event = name.slice(0, MAX_STRING_LENGTH);
  if (event !== name) notes.push(`event name cut to ${MAX_STRING_LENGTH} characters`);
  const now = core.now();
  const p: Props = { token, ...pageProperties(), mp_lib: LIB_NAME, $lib_version: LIB_VERSION, time: now / 1000, $insert_id: insertId() };
  for (const k in store.props) if (k.slice(0, 2) !== '__') p[k] = store.props[k]!;
  Object.assign(p, core.extra, base, cleanProperties(properties, notes));
  p.token = token;

  const started = own(store.timers, name);
  if (typeof started === 'number') {
    p.$duration = Math.round(now - started) / 1000;
    delete store.timers[name];
    store.save();
  }
  if (typeof p.time !== 'number') {
    notes.push(`time ${describe(p.time)} is not a number, replaced`);
    p.time = now / 1000;
  } else if (p.time > MS_THRESHOLD) p.time /= 1000;
  if (typeof p.$insert_id !== 'string' || !INSERT_ID.test(p.$insert_id)) {
    notes.push(`$insert_id ${describe(p.$insert_id)} is not 1-36 letters, digits or dashes, replaced`);
    p.$insert_id = insertId();
  }
  for (const b of core.config.property_blacklist) if (b !== 'token') delete p[b];
  const keys = Object.keys(p);
  if (keys.length > MAX_PROPERTIES) {
    for (const k of keys.slice(MAX_PROPERTIES)) delete p[k];
    notes.push(`${keys.length} properties, cut to ${MAX_PROPERTIES}`);
  }
  reportNotes(core, `track(${describe(event)})`, notes);

  const body = { event, properties: p };
  const bytes = utf8Length(JSON.stringify(body));
  if (bytes > MAX_EVENT_BYTES) {
    reporter.report({
      code: 'invalid_call',
      message: `track(${describe(event)}) rejected: ${bytes} bytes, over the ${MAX_EVENT_BYTES}-byte limit`,
      detail: { method: 'track', event, bytes },
    });
    return null;
  }
  return body;
}

/** UTF-8 length of `s`; counting only when it could matter keeps `track()` cheap. */
function utf8Length(s: string): number {
  return s.length * 3 <= MAX_EVENT_BYTES || typeof TextEncoder === 'undefined' ? s.length : new TextEncoder().encode(s).length;
}
