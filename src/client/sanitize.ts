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
 *   than `MAX_DEPTH` and keys named `__proto__` are dropped (from arrays too).
 *   `undefined` is dropped silently, as `JSON.stringify` does; every other change is noted.
 * - Strings are cut to `MAX_STRING_LENGTH`; objects keep their first `MAX_PROPERTIES`
 *   keys and arrays their first `MAX_PROPERTIES` items.
 */
import { MAX_DEPTH, MAX_PROPERTIES, MAX_STRING_LENGTH } from '../constants';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type Props = Record<string, Json>;

/**
 * A JSON-safe copy of `input` as a properties object (`{}` for `null`/`undefined`).
 * Each change made on the way is pushed to `notes` as a short sentence naming the property.
 */
export function cleanProperties(input: unknown, notes: string[]): Props {
  if (input == null) return {};
  const out = clean(input, 0, [], notes, 'properties');
  if (out && typeof out === 'object' && !Array.isArray(out)) return out;
  notes.push('properties must be an object; ignored');
  return {};
}

/** Mixpanel's date format: ISO 8601 in UTC without milliseconds or zone. */
export const formatDate = (d: Date): string | null => (isNaN(d.getTime()) ? null : d.toISOString().slice(0, 19));

function clean(v: unknown, depth: number, stack: unknown[], notes: string[], path: string): Json | undefined {
  try {
    switch (typeof v) {
      case 'string':
        if (v.length <= MAX_STRING_LENGTH) return v;
        notes.push(`${path} cut to ${MAX_STRING_LENGTH} characters`);
        return v.slice(0, MAX_STRING_LENGTH);
      case 'number':
        if (isFinite(v)) return v;
        notes.push(`${path} was ${v}, sent as null`);
        return null;
      case 'boolean':
        return v;
      case 'bigint':
        notes.push(`${path} is a BigInt, sent as a string`);
        return String(v);
      case 'undefined':
        return undefined;
      case 'object':
        break;
      default:
        notes.push(`${path} is a ${typeof v}, dropped`);
        return undefined;
    }
    if (v === null) return null;
    if (v instanceof Date) return formatDate(v) || (notes.push(`${path} is an invalid Date, sent as null`), null);
    const o = v as Record<string, unknown> & { nodeType?: unknown; window?: unknown; toJSON?: unknown };
    if (typeof o.nodeType === 'number' || o.window === o) return drop(notes, path, 'a DOM node or window');
    if (stack.indexOf(o) >= 0) return drop(notes, path, 'a circular reference');
    if (depth >= MAX_DEPTH) return drop(notes, path, `nested deeper than ${MAX_DEPTH} levels`);
    if (typeof o.toJSON === 'function') return clean(o.toJSON(), depth + 1, stack, notes, path);
    stack.push(o);
    try {
      const list = Array.isArray(o) || ArrayBuffer.isView(o) ? o : o instanceof Set ? Array.from(o) : null;
      if (list) {
        const n = (list as unknown[]).length;
        if (n > MAX_PROPERTIES) notes.push(`${path} cut to ${MAX_PROPERTIES} items`);
        const arr: Json[] = [];
        // `slice` works on typed arrays too, and caps before any copying of a huge one
        for (const item of Array.prototype.slice.call(list, 0, MAX_PROPERTIES)) {
          const c = clean(item, depth + 1, stack, notes, path + '[]');
          if (c !== undefined) arr.push(c);
        }
        return arr;
      }
      const entries: [string, unknown][] =
        o instanceof Map ? Array.from(o, ([k, x]) => [String(k), x]) : Object.keys(o).map((k) => [k, undefined]);
      const out: Props = {};
      let kept = 0;
      for (const [k, x] of entries) {
        if (k === '__proto__') {
          notes.push(`${path}.__proto__ dropped`);
          continue;
        }
        if (kept === MAX_PROPERTIES) {
          notes.push(`${path} cut to ${MAX_PROPERTIES} keys`);
          break;
        }
        let value = x;
        if (!(o instanceof Map)) {
          try {
            value = o[k];
          } catch {
            notes.push(`${path}.${k} could not be read, dropped`);
            continue;
          }
        }
        const c = clean(value, depth + 1, stack, notes, depth ? `${path}.${k}` : k);
        if (c !== undefined) {
          out[k] = c;
          kept++;
        }
      }
      return out;
    } finally {
      stack.pop();
    }
  } catch {
    return drop(notes, path, 'unreadable');
  }
}

function drop(notes: string[], path: string, why: string): undefined {
  notes.push(`${path} is ${why}, dropped`);
  return undefined;
}
