/**
 * What an ingest answer means for the records in the batch, how long to
 * wait, and how a refused batch is split. The rule that matters most:
 * nothing here ever says "give up because it failed again"; only a host that
 * has read the batch and refused it (400, 413, verbose `status: 0`) can make
 * a record leave the outbox undelivered.
 */

/**
 * `ok`: acknowledged, remove the records. `retry`: the host failed (network
 * error, timeout, 408, 429, 5xx or any answer we cannot act on), fail over or
 * back off. `split`: 413, halve the batch. `reject`: 400 or a verbose
 * `{"status":0}`, halve the batch to isolate the bad record.
 */
export type Verdict = 'ok' | 'retry' | 'split' | 'reject';

/**
 * Classify an answer. A 2xx whose body is not JSON (empty, opaque, a proxy's
 * page) is a success: the host took the request. Statuses with no defined
 * meaning here (401, 404 from a misrouted proxy, 3xx) are host failures, not
 * rejections: dropping on them would lose every event for as long as a proxy
 * is misconfigured.
 */
export function classify(status: number, body = ''): Verdict {
  if (status > 199 && status < 300) {
    try {
      const answer = JSON.parse(body);
      if (answer === 0 || (answer && answer.status === 0)) return 'reject'; // verbose `{"status":0}` or terse `0`
    } catch {
      /* not JSON: taken */
    }
    return 'ok';
  }
  return status == 413 ? 'split' : status == 400 ? 'reject' : 'retry';
}

/**
 * The longest `Retry-After` we honour. Mixpanel's rate limits reset within
 * seconds to minutes; an hour covers any real maintenance window while a
 * misconfigured proxy (say, milliseconds sent as seconds) cannot park a host
 * for a day in a long-lived tab. Other hosts stay usable meanwhile.
 */
export const RETRY_AFTER_MAX_MS = 60 * 60 * 1000;

/**
 * The `Retry-After` of a 429 or 503 (other statuses' is ignored) as ms from
 * `now`: delay-seconds, or an HTTP date, which must start with a day name so
 * that "3.5" or "soon" are not read as dates by the lenient `Date.parse`. A
 * past date gives 0; anything else, null. Capped at `RETRY_AFTER_MAX_MS`.
 */
export function retryAfterMs(status: number, header: string | null | undefined, now: number): number | null {
  const text = String(header).trim();
  const ms =
    status != 429 && status != 503
      ? NaN
      : /^\d+$/.test(text)
        ? +text * 1000
        : /^(mon|tue|wed|thu|fri|sat|sun)/i.test(text)
          ? Math.max(0, Date.parse(text) - now)
          : NaN;
  return ms >= 0 ? Math.min(ms, RETRY_AFTER_MAX_MS) : null;
}

/**
 * Delay before retry round `round` (1 for the first all-hosts-failed round):
 * "full jitter", a uniform draw in [0, min(max, base * 2^(round-1))], so that
 * many tabs coming back after an outage do not retry in lockstep.
 */
export function backoffDelay(round: number, base: number, max: number, random: () => number = Math.random): number {
  return Math.floor(Math.min(1, Math.max(0, random())) * Math.max(0, Math.min(max, base * 2 ** (round - 1)))) || 0;
}

/**
 * Deliver `items` with `attempt`, halving on `split` (413) and `reject`
 * (400) until each refused item stands alone; `giveUp` then gets it with the
 * verdict. A `reject` thus costs about 2·log2(n) requests to find one bad
 * record among n, and every good record is still delivered. Resolves false
 * as soon as an attempt says `retry` (the host failed): the items not yet
 * delivered stay in the outbox for the next round.
 */
export async function deliverSplitting<T>(
  items: T[],
  attempt: (items: T[]) => Promise<Verdict>,
  giveUp: (items: T[], verdict: 'split' | 'reject') => Promise<void>,
): Promise<boolean> {
  const verdict = await attempt(items);
  if (verdict == 'retry') return false;
  if (verdict == 'ok') return true;
  if (items.length < 2) return giveUp(items, verdict).then(() => true);
  const mid = Math.ceil(items.length / 2);
  return (await deliverSplitting(items.slice(0, mid), attempt, giveUp)) && deliverSplitting(items.slice(mid), attempt, giveUp);
}
