/**
 * Turns whatever a page passes as properties into a JSON-safe copy that
 * Mixpanel accepts. Pages pass Dates, DOM nodes, circular structures, class
 * instances with throwing getters, even proxies; none of that may throw here
 * or reach the outbox as something `JSON.stringify` chokes on.
 *
 * Choices where JSON has no answer:
 * - `Date` becomes Mixpanel's date format `YYYY-MM-DDTHH:MM:SS` (UTC), silently as
 *   mixpanel-browser does; an invalid date becomes `null`.
 * - `BigInt` becomes its decimal string; `NaN` and `±Infinity` become `null`.
 * - Typed arrays and `Set` become arrays; `Map` becomes an object keyed by `String(key)`.
 * - An object with `toJSON` (moment, Luxon, dayjs...) is replaced by what `toJSON` returns.
 * - Functions, symbols, DOM nodes, windows, circular references, containers nested deeper
 *   than `MAX_DEPTH`, unreadable values, keys named `__proto__` and keys longer than
 *   `MAX_STRING_LENGTH` (Mixpanel's limit on names too) are dropped (from arrays
 *   too). `undefined` is dropped silently, as `JSON.stringify` does; every other change is noted.
 * - Strings are cut to `MAX_STRING_BYTES` of UTF-8, between characters (see `cutString`);
 *   objects keep their first `MAX_PROPERTIES` keys and arrays their first `MAX_PROPERTIES` items.
 */
import { MAX_DEPTH, MAX_PROPERTIES, MAX_STRING_BYTES, MAX_STRING_LENGTH } from '../constants';
import { mustBe } from './call-reports';
import { isRecord } from './values';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type Props = Record<string, Json>;

/**
 * A JSON-safe copy of `input` as a properties object (`{}` for `null`/`undefined`),
 * written into `out` (a new object by default). Each change made on the way is
 * pushed to `notes` as a short sentence naming the property.
 */
export function cleanProperties(input: unknown, notes: string[], out: Props = {}): Props {
  // a plain object is cleaned straight into `out`; one replaced by its toJSON() comes back as another
  const c = clean({ properties: input }, 'properties', 0, [], notes, 'properties', out);
  if (c === out) return out;
  if (isRecord(c)) return Object.assign(out, c);
  // null and undefined are no properties; a value dropped or nulled is noted already
  if (c != null) notes.push(mustBe('properties', 'an object', input));
  return out;
}

/** Made on the first long string: most pages never need them. */
let encoder: TextEncoder | undefined;
let scratch: Uint8Array | undefined;

/**
 * `s` cut to at most `MAX_STRING_BYTES` bytes of UTF-8, never inside a character.
 * `encodeInto` writes whole characters only and says how many UTF-16 units it read, so a
 * surrogate pair (4 bytes) is kept or cut whole, and a lone surrogate counts as the 3 bytes
 * of the U+FFFD it becomes. It is native and stops at the buffer's end, so a long string costs
 * no more than a short one; a string of at most a third of the limit in UTF-16 units is
 * returned at once, since no unit takes more than 3 bytes.
 */
export function cutString(s: string): string {
  if (s.length * 3 <= MAX_STRING_BYTES) return s;
  encoder ||= new TextEncoder();
  scratch ||= new Uint8Array(MAX_STRING_BYTES);
  return s.slice(0, encoder.encodeInto(s, scratch).read);
}

/**
 * The one sentence of every change: `<path> <what is wrong>, <outcome>`. Gives back `sent`, what
 * goes out instead (undefined: nothing), so that a branch can return it.
 */
function changed<T = undefined>(notes: string[], path: string, wrong: string, outcome: string, sent?: T): T {
  notes.push(`${path} ${wrong}, ${outcome}`);
  return sent as T;
}

/** Notes that `path` was dropped, and why; undefined, the value of a dropped property. */
const drop = (notes: string[], path: string, why: string): undefined => changed(notes, path, 'is ' + why, 'dropped');

/**
 * The clean copy of `holder[key]` (read here, so that a throwing getter costs only this value).
 * `stack` holds the containers this value is inside, one per level: `stack[d]` is the container
 * at depth `d`; entries past `depth` belong to siblings already done and are overwritten.
 * An object's clean keys are written into `into` when given.
 */
function clean(
  holder: any,
  key: string | number,
  depth: number,
  stack: unknown[],
  notes: string[],
  path: string,
  into?: Props,
): Json | undefined {
  try {
    const v = holder[key];
    // primitives first: nearly every value is one, and this runs per value of every call
    const t = typeof v;
    // most strings are short enough to need no counting: the length test stays inline
    if (t === 'string') {
      if (v.length * 3 <= MAX_STRING_BYTES) return v;
      const cut = cutString(v);
      return cut === v ? v : changed(notes, path, `is over ${MAX_STRING_BYTES} bytes`, 'cut', cut);
    }
    // -0 is sent as 0 by JSON anyway: the body kept is then exactly what goes on the wire
    if (t === 'number') return isFinite(v) ? v || 0 : changed(notes, path, 'is ' + v, 'sent as null', null);
    if (t === 'boolean' || v == null) return v;
    if (t === 'bigint') return changed(notes, path, 'is a BigInt', 'sent as a string', String(v));
    if (t !== 'object') return drop(notes, path, 'a ' + t);
    if (v instanceof Date)
      return isNaN(v as never) ? changed(notes, path, 'is an invalid Date', 'sent as null', null) : v.toISOString().slice(0, 19);
    if (typeof v.nodeType === 'number' || v.window === v) return drop(notes, path, 'a DOM node or window');
    // only the first `depth` entries are this value's containers (none at depth 0, the first object seen)
    if (depth && stack.lastIndexOf(v, depth - 1) >= 0) return drop(notes, path, 'a circular reference');
    if (depth >= MAX_DEPTH) return drop(notes, path, `nested deeper than ${MAX_DEPTH} levels`);
    stack[depth] = v;
    if (typeof v.toJSON === 'function') return clean([v.toJSON()], 0, depth + 1, stack, notes, path);
    let o = v;
    if (v instanceof Map) o = Object.fromEntries(v);
    else if (v instanceof Set) o = Array.from(v);
    if (Array.isArray(o) || ArrayBuffer.isView(o)) {
      const list = o as unknown as ArrayLike<unknown>;
      if (list.length > MAX_PROPERTIES) changed(notes, path, `has over ${MAX_PROPERTIES} items`, 'cut');
      // `slice` works on typed arrays too, and caps before any copying of a huge one
      const items: unknown[] = Array.prototype.slice.call(list, 0, MAX_PROPERTIES);
      const kept: Json[] = [];
      for (let i = 0; i < items.length; i++) {
        const c = clean(items, i, depth + 1, stack, notes, path + '[]');
        if (c !== undefined) kept.push(c);
      }
      return kept;
    }
    const out: Props = into || {};
    let kept = 0;
    for (const k of Object.keys(o)) {
      const at = depth ? `${path}.${k}` : k;
      if (k === '__proto__') drop(notes, at, 'a reserved name');
      else if (k.length > MAX_STRING_LENGTH) drop(notes, at.slice(0, 40) + '...', `a name over ${MAX_STRING_LENGTH} characters`);
      else if (kept === MAX_PROPERTIES) return changed(notes, path, `has over ${MAX_PROPERTIES} keys`, 'cut', out);
      else {
        const c = clean(o, k, depth + 1, stack, notes, at);
        if (c !== undefined) {
          out[k] = c;
          kept++;
        }
      }
    }
    return out;
  } catch {
    return drop(notes, path, 'unreadable');
  }
}
