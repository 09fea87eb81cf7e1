/**
 * What an ingest answer means for the records in the batch. The rule that
 * matters most: nothing here ever says "give up because it failed again";
 * only a host that has read the batch and refused it (400, 413, verbose
 * `status: 0`) can make a record leave the outbox undelivered.
 */

/**
 * `ok`: acknowledged, remove the records. `retry`: the host failed (network
 * error, timeout, 408, 429, 5xx or any answer we cannot act on), fail over or
 * back off. `split`: 413, halve the batch. `reject`: 400 or a verbose
 * `{"status":0}`, halve the batch to isolate the bad record.
 */
export type Verdict = 'ok' | 'retry' | 'split' | 'reject';

/**
 * Classify an answer. A 2xx whose body cannot be read (empty, opaque, not
 * JSON) is a success: the host took the request. Statuses with no defined
 * meaning here (401, 404 from a misrouted proxy, 3xx) are host failures,
 * not rejections, because dropping on them would lose every event for as
 * long as a proxy is misconfigured.
 */
export function classify(status: number, bodyText = ''): Verdict {
  if (status >= 200 && status < 300) return rejectedByBody(bodyText) ? 'reject' : 'ok';
  if (status === 413) return 'split';
  if (status === 400) return 'reject';
  return 'retry';
}

/** Whether a `Retry-After` header on this status must be honoured (rate limit and maintenance). */
export function honoursRetryAfter(status: number): boolean {
  return status === 429 || status === 503;
}

/** Verbose `{"status":0,...}` or the terse `0`: the host read the batch and refused it. */
function rejectedByBody(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed === 0 || (typeof parsed === 'object' && parsed !== null && (parsed as { status?: unknown }).status === 0);
  } catch {
    return false;
  }
}
