/**
 * What an ingest answer means for the records in the batch, how long to
 * wait, and how a refused batch is split. The rule that matters most:
 * nothing here ever says "give up because it failed again"; only a host that
 * has read the batch and refused it (400, 413, verbose `status: 0`), or every
 * host refusing it for good (401, 403, 404, ...), can make a record leave the
 * outbox undelivered.
 */

/**
 * `ok`: acknowledged, remove the records. `retry`: the host failed (network
 * error, timeout, 408, 429, 5xx or any answer we cannot act on), fail over or
 * back off. `split`: 413, halve the batch. `reject`: 400 or a verbose
 * `{"status":0}`, halve the batch to isolate the bad record. `refused`: a
 * 4xx that no retry will change (401, 403, 404, 405, ...): fail over to the
 * next host, and drop the batch once every host has refused it
 * (`HostRotation.judge`).
 */
export type Verdict = 'ok' | 'retry' | 'split' | 'reject' | 'refused';

/** The verdicts that make records leave the outbox undelivered. */
export type Refusal = 'split' | 'reject' | 'refused';

/**
 * 4xx statuses that say "not now" rather than "never": 408 Request Timeout
 * and 429 Too Many Requests are retried, and 413 is split (RFC 9110 15.5).
 */
const TRANSIENT_4XX = [408, 413, 429];

/**
 * Classify an answer. A 2xx whose body is not JSON (empty, opaque, a proxy's
 * page) is a success: the host took the request. 3xx and anything else we
 * cannot act on are host failures. A 4xx other than 400, 408, 413 and 429 is
 * `refused`: another host (a proxy that is not misrouted) may still take the
 * batch, so it is never dropped on one host's word.
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
  if (status === 413) return 'split';
  if (status === 400) return 'reject';
  if (status > 399 && status < 500 && TRANSIENT_4XX.indexOf(status) < 0) return 'refused';
  return 'retry';
}

/** The reason a dropped record is reported with, by the verdict that dropped it. */
const DROP_REASONS: Record<Refusal, string> = { split: 'too_large', reject: 'rejected', refused: 'refused_by_every_host' };

export const dropReason = (verdict: Refusal): string => DROP_REASONS[verdict];

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
  if (status !== 429 && status !== 503) return null;
  const text = String(header).trim();
  let ms = NaN;
  if (/^\d+$/.test(text)) ms = +text * 1000;
  else if (/^(mon|tue|wed|thu|fri|sat|sun)/i.test(text)) ms = Math.max(0, Date.parse(text) - now);
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
 * record among n, and every good record is still delivered. `refused` (every
 * host refused the batch for good) gives up the whole batch at once: such a
 * refusal is about the request (token, route, proxy), not one record. Resolves
 * false as soon as an attempt says `retry` (the host failed): the items not
 * yet delivered stay in the outbox for the next round.
 */
export async function deliverSplitting<T>(
  items: T[],
  attempt: (items: T[]) => Promise<Verdict>,
  giveUp: (items: T[], verdict: Refusal) => Promise<void>,
): Promise<boolean> {
  const verdict = await attempt(items);
  if (verdict === 'retry') return false;
  if (verdict === 'ok') return true;
  if (items.length < 2 || verdict === 'refused') return giveUp(items, verdict).then(() => true);
  const mid = Math.ceil(items.length / 2);
  return (await deliverSplitting(items.slice(0, mid), attempt, giveUp)) && deliverSplitting(items.slice(mid), attempt, giveUp);
}
