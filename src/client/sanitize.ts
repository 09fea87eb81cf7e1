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
 * - Strings are cut to `MAX_STRING_LENGTH`; objects keep their first `MAX_PROPERTIES`
 *   keys and arrays their first `MAX_PROPERTIES` items.
 */
import { MAX_DEPTH, MAX_PROPERTIES, MAX_STRING_LENGTH } from '../constants';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type Props = Record<string, Json>;

/**
 * A JSON-safe copy of `input` as a properties object (`{}` for `null`/`undefined`),
 * written into `out` (a new object by default). Each change made on the way is
 * pushed to `notes` as a short sentence naming the property.
 */
export function cleanProperties(input: unknown, notes: string[], out: Props = {}): Props {
  if (input == null) return out;
  // the usual case, a plain object, is copied straight into `out` (a proxy that throws takes the long way)
  try {
    if (typeof input == 'object' && Object.getPrototypeOf(input) === Object.prototype && typeof (input as any).toJSON != 'function')
      return cleanKeys(input, out, 0, [input], notes, 'properties');
  } catch {
    // a proxy whose traps throw: the long way reads what it can
  }
  const c = clean({ properties: input }, 'properties', 0, [], notes, 'properties');
  if (c && typeof c === 'object' && !Array.isArray(c)) return Object.assign(out, c);
  notes.push('properties must be an object; ignored');
  return out;
}

/** The clean copies of `o`'s own keys (at most `MAX_PROPERTIES`), into `out`. */
function cleanKeys(o: any, out: Props, depth: number, stack: unknown[], notes: string[], path: string): Props {
  let kept = 0;
  for (const k of Object.keys(o)) {
    if (k === '__proto__') notes.push(`${path}.__proto__ dropped`);
    else if (k.length > MAX_STRING_LENGTH) notes.push(`${path}: a key of ${k.length} characters dropped`);
    else if (kept === MAX_PROPERTIES) {
      notes.push(`${path} cut to ${MAX_PROPERTIES} keys`);
      break;
    } else {
      const c = clean(o, k, depth + 1, stack, notes, depth ? `${path}.${k}` : k);
      if (c !== undefined) ((out[k] = c), kept++);
    }
  }
  return out;
}

/** Notes that `path` was dropped, and why; undefined, the value of a dropped property. */
const drop = (notes: string[], path: string, why: string): undefined => void notes.push(`${path} is ${why}, dropped`);

/** The clean copy of `holder[key]` (read here, so that a throwing getter costs only this value). */
function clean(holder: any, key: string | number, depth: number, stack: unknown[], notes: string[], path: string): Json | undefined {
  let v;
  try {
    v = holder[key];
  } catch {
    return drop(notes, path, 'unreadable');
  }
  // primitives first and without a try: nearly every value is one, and this runs per value of every call
  const t = typeof v;
  if (t === 'string')
    return v.length > MAX_STRING_LENGTH ? (notes.push(`${path} cut to ${MAX_STRING_LENGTH} characters`), v.slice(0, MAX_STRING_LENGTH)) : v;
  // -0 is sent as 0 by JSON anyway: the body kept is then exactly what goes on the wire
  if (t === 'number') return isFinite(v) ? v || 0 : (notes.push(`${path} was ${v}, sent as null`), null);
  if (t === 'boolean' || v == null) return v;
  if (t === 'bigint') return (notes.push(`${path} is a BigInt, sent as a string`), String(v));
  if (t !== 'object') return drop(notes, path, 'a ' + t);
  try {
    if (v instanceof Date)
      return isNaN(v as never) ? (notes.push(`${path} is an invalid Date, sent as null`), null) : v.toISOString().slice(0, 19);
    if (typeof v.nodeType === 'number' || v.window === v) return drop(notes, path, 'a DOM node or window');
    if (stack.indexOf(v) >= 0) return drop(notes, path, 'a circular reference');
    if (depth >= MAX_DEPTH) return drop(notes, path, `nested deeper than ${MAX_DEPTH} levels`);
    if (typeof v.toJSON === 'function') return clean([v.toJSON()], 0, depth + 1, stack, notes, path);
    stack.push(v);
    try {
      const o = v instanceof Map ? Object.fromEntries(v) : v instanceof Set ? Array.from(v) : v;
      if (Array.isArray(o) || ArrayBuffer.isView(o)) {
        const list = o as unknown as ArrayLike<unknown>;
        if (list.length > MAX_PROPERTIES) notes.push(`${path} cut to ${MAX_PROPERTIES} items`);
        // `slice` works on typed arrays too, and caps before any copying of a huge one
        const items: unknown[] = Array.prototype.slice.call(list, 0, MAX_PROPERTIES);
        const kept: Json[] = [];
        for (let i = 0; i < items.length; i++) {
          const c = clean(items, i, depth + 1, stack, notes, path + '[]');
          if (c !== undefined) kept.push(c);
        }
        return kept;
      }
      return cleanKeys(o, {}, depth, stack, notes, path);
    } finally {
      stack.pop();
    }
  } catch {
    return drop(notes, path, 'unreadable');
  }
}
