/**
 * Checks options given to `init()`/`set_config()`. Each option is checked by one rule, found in
 * one place: `RULES` for the few options whose default does not say what they take, otherwise
 * the kind of their default in `DEFAULT_CONFIG` (a number, a boolean, a string, a list of
 * strings, an object of strings, a callback where the default is null). A refused option keeps
 * its current value and is explained in `problems`; options Outlast does not know are kept as
 * given (mixpanel-browser has many more, and sites pass them) but nothing reads them. The
 * mixpanel-browser options Outlast accepts without doing anything (`UNSUPPORTED_OPTIONS`:
 * recording, flags, autocapture) are named once per instance in `notes`, for debug mode.
 */
import { DEFAULT_CONFIG, UNSUPPORTED_OPTIONS, type Config } from '../config';
import { describe, mustBe } from './call-reports';
import { PAGEVIEW_OPTIONS } from './page-views';
import { isRecord, own } from './values';

// existing importers take it from here
export { describe };

/**
 * How one kind of option is checked: whether a value is acceptable, what the message says it
 * must be instead, and (optionally) the value kept for an acceptable one, given the default.
 */
type Rule = readonly [accepts: (v: unknown) => boolean, expected: string, keep?: (v: any, d: any) => unknown, refusedAs?: string];

/** Most hosts in `api_host`; a list is bounded before it is walked: a sparse array of 2^32-1 slots must cost nothing. */
const MAX_HOSTS = 20;

/** Most names in `property_blacklist`, for the same reason; far more than a site lists. */
const MAX_NAMES = 1000;

/** A list of at most `max` values, each passing `test`. */
const listOf =
  (test: (x: unknown) => boolean, max: number) =>
  (v: unknown): boolean =>
    Array.isArray(v) && v.length <= max && v.every(test);

const isString = (x: unknown): x is string => typeof x === 'string';

/**
 * An ingest host: an absolute http(s) URL, a path on the page's origin
 * (`/mp`, a first-party proxy) or a protocol-relative URL (`//t.example.com`),
 * the forms mixpanel-browser's `api_host` takes.
 */
const isHost = (h: unknown): boolean => isString(h) && /^(https?:\/\/[^\s/?#]+|\/\/[^\s/?#]+|\/(?!\/)[^\s?#]*)/i.test(h);

const areHosts = listOf(isHost, MAX_HOSTS);

/** One host or a non-empty list of them. */
function isHostList(v: unknown): boolean {
  const hosts = Array.isArray(v) ? v : [v];
  return hosts.length > 0 && areHosts(hosts);
}

/** A query parameter: numbers and booleans too, as mixpanel-browser's `HTTPBuildQuery` takes them. */
const isParameter = (x: unknown): boolean => isString(x) || typeof x === 'number' || typeof x === 'boolean';

/**
 * An object whose values pass `test`, kept as the default with those values as strings, so that
 * `api_routes: { track: 'collect/' }` keeps the other routes.
 */
const recordOf = (test: (x: unknown) => boolean, expected: string): Rule => [
  (v) => isRecord(v) && Object.values(v).every(test),
  expected,
  asStrings,
];

/** An option that takes one of `values`, kept as given; any other value means `refusedAs` where that is given. */
const oneOf = (values: readonly unknown[], refusedAs?: string): Rule => [
  (v) => values.indexOf(v) >= 0,
  'one of ' + values.map((x) => JSON.stringify(x)).join(', '),
  undefined,
  refusedAs,
];

/**
 * `persistence` and `opt_out_tracking_persistence_type`, spelled exactly: mixpanel-browser 2.83
 * compares them with `===` (`MixpanelPersistence`, gdpr-utils.js `_getStorage`), so `'localstorage'`
 * is no storage type there, and it uses the cookie instead: so does Outlast, or a site migrating
 * with that typo would lose its visitors' opt-outs (kept in the cookie) and track who said no.
 */
const STORAGE_TYPES = oneOf(['cookie', 'localStorage'], 'cookie');

/** Options whose default does not say what they take. */
const RULES: { [K in keyof Config]?: Rule } = {
  api_host: [isHostList, 'an http(s) URL, a /path or a //host, or a list of them'],
  persistence: STORAGE_TYPES,
  opt_out_tracking_persistence_type: STORAGE_TYPES,
  api_payload_format: oneOf(['json', 'base64']),
  track_pageview: oneOf(PAGEVIEW_OPTIONS),
  api_extra_query_params: recordOf(isParameter, 'an object of strings, numbers or booleans'),
};

/** The rule of every other option, by the type of its default (`null`: a callback; an array: a list of names). */
const BY_DEFAULT: Record<string, Rule> = {
  number: [(v) => typeof v === 'number' && v > 0 && v < Infinity, 'a number above 0'],
  boolean: [(v) => typeof v === 'boolean', 'true or false'],
  // mixpanel-browser's default is null for some of them (`opt_out_tracking_cookie_prefix`): null means the built-in value
  string: [(v) => v === null || isString(v), 'a string', (v) => v || ''],
  callback: [(v) => v === null || typeof v === 'function', 'a function or null'],
  list: [listOf(isString, MAX_NAMES), 'a list of strings'],
  object: recordOf(isString, 'an object of strings'),
};

/** The rule of option `key`, or undefined for an option Outlast does not know. */
function ruleOf(key: string): Rule | undefined {
  const d = own(DEFAULT_CONFIG, key);
  if (own(RULES, key)) return own(RULES, key);
  if (d === null) return BY_DEFAULT.callback;
  if (Array.isArray(d)) return BY_DEFAULT.list;
  return BY_DEFAULT[typeof d];
}

/** `defaults` with every value of `record` as a string. */
function asStrings(record: Record<string, unknown>, defaults: object): Record<string, string> {
  const out: Record<string, string> = { ...defaults };
  for (const k of Object.keys(record)) out[k] = String(record[k]);
  return out;
}

/** The accepted options of `input`; each refusal is pushed to `problems`, each option accepted but not supported to `notes`. */
export function validateConfig(input: unknown, current: Config, problems: string[], notes: string[] = []): Partial<Config> {
  const out: Record<string, unknown> = {};
  if (!isRecord(input)) {
    if (input != null) problems.push(mustBe('config', 'an object', input));
    return out;
  }
  for (const key of Object.keys(input)) {
    if (key === '__proto__') continue;
    const v = input[key];
    const rule = ruleOf(key);
    if (!rule) {
      // named the first time it is set on this instance: an option once set stays in the config
      if (UNSUPPORTED_OPTIONS.test(key) && !(key in current)) notes.push(key + ' is not part of Outlast; ignored');
      out[key] = v;
    } else if (!rule[0](v)) {
      problems.push(mustBe(key, rule[1], v, rule[3] ? 'the ' + rule[3] + ' is used' : undefined));
      if (rule[3]) out[key] = rule[3];
    } else out[key] = rule[2] ? rule[2](v, own(DEFAULT_CONFIG, key)) : v;
  }
  return out as Partial<Config>;
}
