/**
 * How long to wait once every host has failed, and how to read a server's
 * own `Retry-After`.
 */

/**
 * The longest `Retry-After` we honour. Mixpanel's rate limits reset within
 * seconds to minutes; an hour covers any real maintenance window while a
 * misconfigured proxy (say, milliseconds sent as seconds) cannot park a
 * host for a day in a long-lived tab. Other hosts stay usable meanwhile.
 */
export const RETRY_AFTER_MAX_MS = 60 * 60 * 1000;

/**
 * Delay before retry round `round` (1 for the first all-hosts-failed round):
 * "full jitter", a uniform draw in [0, min(max, base * 2^(round-1))], so that
 * many tabs coming back after an outage do not retry in lockstep.
 */
export function backoffDelay(round: number, base: number, max: number, random: () => number = Math.random): number {
  const ceiling = Math.max(0, Math.min(max, base * Math.pow(2, Math.max(0, round - 1))));
  const r = Math.min(1, Math.max(0, random()));
  return Math.floor(r * ceiling) || 0;
}

/**
 * A `Retry-After` header as milliseconds from `now`: delay-seconds or an
 * HTTP date (which must start with a day name, so that "3.5" or "soon" are
 * not read as dates by the lenient `Date.parse`). A past date gives 0;
 * anything else unreadable gives null. Capped at `RETRY_AFTER_MAX_MS`.
 */
export function parseRetryAfter(header: string | null | undefined, now: number): number | null {
  if (header == null) return null;
  const text = String(header).trim();
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else if (/^(mon|tue|wed|thu|fri|sat|sun)/i.test(text)) {
    const at = Date.parse(text);
    if (!isFinite(at)) return null;
    ms = Math.max(0, at - now);
  } else return null;
  return Math.min(ms, RETRY_AFTER_MAX_MS);
}
