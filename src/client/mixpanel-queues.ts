/**
 * Requests mixpanel-browser had queued but not sent when the site switched
 * to Outlast. mixpanel-browser's batcher keeps them in localStorage under
 * `__mpq_<token>_ev` (events), `_pp` (people) and `_gr` (groups)
 * (`get_batcher_configs` in its mixpanel-core.js), each a JSON array of
 * `{ id, flushAfter, payload }` (`RequestQueue.enqueue` in request-queue.js),
 * where `payload` is the request body Outlast's outbox stores too. They are
 * taken over once: the keys are removed as they are read, so a second tab
 * starting at the same time finds nothing, and written back only if the
 * outbox could not keep them. Events keep their `$insert_id`, so Mixpanel
 * deduplicates any the old library did send after all.
 */
import type { Endpoint } from '../config';
import type { Pipeline } from '../delivery/types';
import { guard } from '../utils/env';
import { isRecord } from './values';
import { localKV } from './storage';

/** mixpanel-browser's queue key suffixes, by the endpoint they are sent to. */
const QUEUES: Array<[suffix: string, ep: Endpoint]> = [
  ['_ev', 'track'],
  ['_pp', 'engage'],
  ['_gr', 'groups'],
];

/** The payloads stored in one queue's text; anything else in it is skipped. */
function payloads(raw: string): string[] {
  const entries = guard(() => JSON.parse(raw) as unknown, null);
  if (!Array.isArray(entries)) return [];
  const out: string[] = [];
  for (const entry of entries) if (isRecord(entry) && isRecord(entry.payload)) out.push(JSON.stringify(entry.payload));
  return out;
}

/**
 * Moves mixpanel-browser's queued requests for `token` into `pipeline`.
 * Returns how many were taken over; never throws.
 */
export function adoptMixpanelQueues(token: string, pipeline: Pipeline): number {
  const kv = localKV();
  if (!kv) return 0;
  let count = 0;
  const taken: Array<[key: string, raw: string]> = [];
  for (const [suffix, ep] of QUEUES) {
    const key = '__mpq_' + token + suffix;
    const raw = kv.get(key);
    if (!raw) continue;
    kv.remove(key);
    taken.push([key, raw]);
    for (const json of payloads(raw)) {
      pipeline.enqueue(ep, json);
      count++;
    }
  }
  if (taken.length)
    pipeline.settle().catch(() => {
      // the outbox could not keep them: leave them where they were for the next page
      for (const [key, raw] of taken) if (!kv.get(key)) kv.set(key, raw);
    });
  return count;
}
