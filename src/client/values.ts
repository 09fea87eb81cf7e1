/** Checks on values that come from the page, where anything may arrive. */

/** `o[k]` when it is an own property: names like `constructor` must not reach the prototype. */
export const own = (o: object, k: string): any =>
  Object.prototype.hasOwnProperty.call(o, k) ? (o as Record<string, unknown>)[k] : undefined;

/** A plain object (not null, not an array). */
export const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** A non-empty string: what an event name, an id or a property name must be. */
export const isName = (v: unknown): v is string => typeof v === 'string' && v !== '';
