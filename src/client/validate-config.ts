/**
 * Checks options given to `init()`/`set_config()` against the type of their
 * default. A refused option keeps its current value and is explained in
 * `problems`; options Outlast does not know are kept as given (mixpanel-browser
 * has many more, and sites pass them) but nothing reads them. The
 * mixpanel-browser options Outlast accepts without doing anything
 * (`UNSUPPORTED_OPTIONS`: recording, flags, autocapture) are named in `notes`,
 * for debug mode.
 */
import { DEFAULT_CONFIG, UNSUPPORTED_OPTIONS, type Config } from '../config';
import { PAGEVIEW_OPTIONS } from './page-views';
import { isRecord, own } from './values';

/** Options that take one of a few strings. */
const CHOICES: Record<string, string[]> = {
  persistence: ['localStorage', 'cookie'],
  opt_out_tracking_persistence_type: ['localStorage', 'cookie'],
  api_payload_format: ['json', 'base64'],
};

/** String options where mixpanel-browser's default is null: null is taken as '' (the built-in value). */
const OPTIONAL_STRINGS = ['opt_out_tracking_cookie_prefix', 'service_worker'];

/** Most hosts in `api_host`; a list is bounded before it is walked: a sparse array of 2^32-1 slots must cost nothing. */
const MAX_HOSTS = 20;

/**
 * An ingest host: an absolute http(s) URL, a path on the page's origin
 * (`/mp`, a first-party proxy) or a protocol-relative URL (`//t.example.com`),
 * the forms mixpanel-browser's `api_host` takes.
 */
const isHost = (h: unknown): boolean => typeof h === 'string' && /^(https?:\/\/[^\s/?#]+|\/\/[^\s/?#]+|\/(?!\/)[^\s?#]*)/i.test(h);

/** What `v` must be for option `key` (default `d`), or '' when it is acceptable. */
function expectation(key: string, v: unknown, d: unknown): string {
  if (key === 'api_host') {
    const hosts = Array.isArray(v) ? v : [v];
    return hosts.length && hosts.length <= MAX_HOSTS && hosts.every(isHost) ? '' : 'an http(s) URL, a /path or a //host, or a list of them';
  }
  const choices = CHOICES[key];
  if (choices) return choices.indexOf(v as string) >= 0 ? '' : choices.join(' or ');
  if (OPTIONAL_STRINGS.indexOf(key) >= 0) return v === null || typeof v === 'string' ? '' : 'a string or null';
  if (typeof d === 'number') return typeof v === 'number' && v > 0 && v < Infinity ? '' : 'a number above 0';
  if (Array.isArray(d)) return Array.isArray(v) && v.length <= 1000 && v.every((x) => typeof x === 'string') ? '' : 'a list of strings';
  if (d === null) return v === null || typeof v === 'function' ? '' : 'a function or null';
  if (d === undefined) return '';
  // query parameters may be numbers or booleans too, as mixpanel-browser's HTTPBuildQuery takes them
  const isValue = key === 'api_extra_query_params' ? isParameter : (x: unknown) => typeof x === 'string';
  if (isRecord(d)) return isRecord(v) && Object.values(v).every(isValue) ? '' : 'an object of strings';
  return typeof v === typeof d ? '' : typeof d;
}

/** A value that can go into a header, a route or a query parameter as text. */
const isParameter = (x: unknown): boolean => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';

/** `record` with every value as a string. */
function asStrings(record: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(record)) out[k] = String(record[k]);
  return out;
}

/** Unsupported options already named, per live config (instance): each is said once. */
const noted = new WeakMap<object, Set<string>>();

/** The accepted options of `input`; each refusal is pushed to `problems`, each option accepted but not supported to `notes`. */
export function validateConfig(input: unknown, current: Config, problems: string[], notes: string[] = []): Partial<Config> {
  const out: Record<string, unknown> = {};
  if (!isRecord(input)) {
    if (input != null) problems.push('config must be an object; got ' + describe(input));
    return out;
  }
  for (const key of Object.keys(input)) {
    if (key === '__proto__') continue;
    let v = input[key];
    // true, false or one of three strings: the one option whose values are of two types
    if (key === 'track_pageview') {
      if (PAGEVIEW_OPTIONS.indexOf(v as never) >= 0) out[key] = v;
      else {
        const expected = PAGEVIEW_OPTIONS.map((o) => JSON.stringify(o)).join(', ');
        problems.push(`track_pageview: ${describe(v)} refused, expected one of ${expected}; kept ${describe(current.track_pageview)}`);
      }
      continue;
    }
    const d = own(DEFAULT_CONFIG, key);
    // mixpanel-browser accepts any case here
    if ((key === 'persistence' || key === 'opt_out_tracking_persistence_type') && /^localstorage$/i.test(v as string)) v = 'localStorage';
    const expected = expectation(key, v, d);
    if (expected) problems.push(`${key}: ${describe(v)} refused, expected ${expected}; kept ${describe(own(current, key))}`);
    else if (isRecord(d)) out[key] = { ...d, ...asStrings(v as Record<string, unknown>) };
    else if (v === null && OPTIONAL_STRINGS.indexOf(key) >= 0) out[key] = '';
    else out[key] = v;
    const said = noted.get(current) || new Set<string>();
    noted.set(current, said);
    if (UNSUPPORTED_OPTIONS.test(key) && !said.has(key) && said.add(key))
      notes.push(`${key}: not supported (no recording, flags or autocapture)`);
  }
  return out as Partial<Config>;
}

/** A short, never-throwing rendering of any value for messages; gives up after 50 values, so a huge (or sparse 2^32) array costs nothing. */
export function describe(v: unknown): string {
  if (typeof v === 'function') return 'a function';
  let n = 0;
  try {
    const json = JSON.stringify(v, (_, x) => {
      if (n++ > 50) throw new RangeError('too long to describe');
      return x;
    });
    return (json || String(v)).slice(0, 60);
  } catch {
    return 'a ' + typeof v;
  }
}
