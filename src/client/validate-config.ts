/**
 * Checks options given to `init()`/`set_config()` against the type of their
 * default. A refused option keeps its current value and is explained in
 * `problems`; options Outlast does not know are kept as given (mixpanel-browser
 * has many more, and sites pass them) but nothing reads them.
 */
import { DEFAULT_CONFIG, type Config } from '../config';
import { PAGEVIEW_OPTIONS } from './page-views';
import { isRecord, own } from './values';

/** Options that take one of a few strings. */
const CHOICES: Record<string, string[]> = { persistence: ['localStorage', 'cookie'], api_payload_format: ['json', 'base64'] };

/** The accepted options of `input`; each refusal is pushed to `problems`. */
export function validateConfig(input: unknown, current: Config, problems: string[]): Partial<Config> {
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
    const choices = CHOICES[key];
    // mixpanel-browser accepts any case here
    if (key === 'persistence' && /^localstorage$/i.test(v as string)) v = 'localStorage';
    // lists are bounded before they are walked: a sparse array of 2^32-1 slots must cost nothing
    const hosts = Array.isArray(v) ? (v.length <= 20 ? v : [0]) : [v];
    const expected =
      key === 'api_host'
        ? hosts.length && hosts.every((h) => /^https?:\/\/[^\s/?#]+/i.test(h as string))
          ? ''
          : 'an http(s) URL or a list of them'
        : choices
          ? choices.indexOf(v as string) >= 0
            ? ''
            : choices.join(' or ')
          : typeof d === 'number'
            ? typeof v === 'number' && v > 0 && v < Infinity
              ? ''
              : 'a number above 0'
            : Array.isArray(d)
              ? Array.isArray(v) && v.length <= 1000 && v.every((x) => typeof x === 'string')
                ? ''
                : 'a list of strings'
              : d === null
                ? v === null || typeof v === 'function'
                  ? ''
                  : 'a function or null'
                : d === undefined ||
                    (isRecord(d) ? isRecord(v) && Object.values(v).every((x) => typeof x === 'string') : typeof v === typeof d)
                  ? ''
                  : typeof d;
    if (expected) problems.push(`${key}: ${describe(v)} refused, expected ${expected}; kept ${describe(own(current, key))}`);
    else out[key] = isRecord(d) ? { ...d, ...(v as object) } : v;
  }
  return out as Partial<Config>;
}

/** A short, never-throwing rendering of any value for messages; gives up after 50 values, so a huge (or sparse 2^32) array costs nothing. */
export function describe(v: unknown): string {
  let n = 0;
  try {
    return (
      typeof v === 'function'
        ? 'a function'
        : JSON.stringify(v, (_, x) => {
            if (n++ > 50) throw 0;
            return x;
          }) || String(v)
    ).slice(0, 60);
  } catch {
    return 'a ' + typeof v;
  }
}
