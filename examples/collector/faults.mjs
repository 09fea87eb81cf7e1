// Fault modes a host can be switched to, and the answers they produce.
import { isObject } from './payload.mjs';

/** @typedef {import('./types').FaultMode} FaultMode */
/** @typedef {import('./types').FaultOptions} FaultOptions */
/** @typedef {import('./types').FaultState} FaultState */

/** @type {readonly FaultMode[]} */
export const FAULT_MODES = ['ok', '500', '503', '429', '413', '400', 'notfound', 'hang', 'refuse', 'reset'];

/** `Retry-After` sent with 429 when none is configured: short, so tests stay fast. */
const DEFAULT_RETRY_AFTER_S = 1;

/** Events the `413` mode accepts per request when none is configured. */
const DEFAULT_MAX_EVENTS = 10;

/**
 * Checks a mode and its options (as they may come from the control API) and
 * returns the host's new fault state.
 * @param {unknown} mode
 * @param {unknown} [opts]
 * @returns {FaultState}
 */
export function parseFault(mode, opts = {}) {
  const m = String(mode);
  if (!FAULT_MODES.includes(/** @type {FaultMode} */ (m))) {
    throw new Error(`unknown mode ${JSON.stringify(mode)}; expected one of ${FAULT_MODES.join(', ')}`);
  }
  const o = isObject(opts) ? opts : {};
  /** @type {FaultState} */
  const state = { mode: /** @type {FaultMode} */ (m) };
  if (o.retryAfter !== undefined && o.retryAfter !== null) {
    if (typeof o.retryAfter !== 'number' && typeof o.retryAfter !== 'string') throw new Error('retryAfter must be seconds or an HTTP date');
    state.retryAfter = o.retryAfter;
  } else if (m === '429') {
    state.retryAfter = DEFAULT_RETRY_AFTER_S;
  }
  if (o.maxEvents !== undefined && o.maxEvents !== null) {
    const n = Number(o.maxEvents);
    if (!Number.isInteger(n) || n < 0) throw new Error('maxEvents must be a non-negative integer');
    state.maxEvents = n;
  } else if (m === '413') {
    state.maxEvents = DEFAULT_MAX_EVENTS;
  }
  if (o.delay !== undefined && o.delay !== null) {
    const d = Number(o.delay);
    if (!Number.isFinite(d) || d < 0) throw new Error('delay must be milliseconds >= 0');
    state.delay = d;
  }
  return state;
}

/**
 * The answer a mode gives to every request regardless of content, or null when
 * the mode looks at the content (or lets it through).
 * @param {FaultState} state
 * @returns {{ status: number, error: string, headers: Record<string, string> } | null}
 */
export function blanketAnswer(state) {
  /** @type {Record<string, string>} */
  const headers = state.retryAfter !== undefined ? { 'Retry-After': String(state.retryAfter) } : {};
  switch (state.mode) {
    case '500':
      return { status: 500, error: 'internal server error (fault mode 500)', headers: {} };
    case '503':
      return { status: 503, error: 'service unavailable (fault mode 503)', headers };
    case '429':
      return { status: 429, error: 'rate limited (fault mode 429)', headers };
    case 'notfound':
      return { status: 404, error: 'not found (fault mode notfound)', headers: {} };
    default:
      return null;
  }
}

/**
 * The answer a mode gives once the items are known, or null to accept them.
 * @param {FaultState} state
 * @param {Record<string, unknown>[]} items
 * @returns {{ status: number, error: string } | null}
 */
export function contentAnswer(state, items) {
  if (state.mode === '413' && items.length > (state.maxEvents ?? DEFAULT_MAX_EVENTS)) {
    return { status: 413, error: `request has ${items.length} items; at most ${state.maxEvents} accepted (fault mode 413)` };
  }
  if (state.mode === '400') {
    const bad = items.findIndex(isPoisoned);
    if (bad >= 0) return { status: 400, error: `item ${bad} is poisoned (fault mode 400)` };
  }
  return null;
}

/**
 * An item marked to be rejected: `properties.poison === true`, or `poison: true`
 * at the top level (engage and groups items have no `properties`).
 * @param {Record<string, unknown>} item
 */
export function isPoisoned(item) {
  return item.poison === true || (isObject(item.properties) && item.properties.poison === true);
}
