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
import { guard, safeLocalStorage } from '../utils/env';
import { isRecord } from './values';

/** mixpanel-browser's queue key suffixes, by the endpoint they are sent to. */
const QUEUES: Array<[suffix: string, ep: Endpoint]> = [
  ['_ev', 'track'],
  ['_pp', 'engage'],
  ['_gr', 'groups'],
];

/**
 * Moves mixpanel-browser's queued requests for `token` into `pipeline`; an
 * entry that is not `{ payload: {...} }` is skipped. Returns how many were
 * taken over; never throws.
 */
export function adoptMixpanelQueues(token: string, pipeline: Pipeline): number {
  const storage = safeLocalStorage();
  if (!storage) return 0;
  const taken: Array<[key: string, raw: string]> = [];
  let count = 0;
  guard(() => {
    for (const [suffix, ep] of QUEUES) {
      const key = '__mpq_' + token + suffix;
      const raw = storage.getItem(key);
      if (!raw) continue;
      storage.removeItem(key);
      taken.push([key, raw]);
      const entries = guard(() => JSON.parse(raw) as unknown, null);
      if (Array.isArray(entries))
        for (const entry of entries)
          if (isRecord(entry) && isRecord(entry.payload)) {
            pipeline.enqueue(ep, JSON.stringify(entry.payload));
            count++;
          }
    }
  }, undefined);
  if (taken.length)
    pipeline.settle().catch(() =>
      // the outbox could not keep them: leave them where they were for the next page
      guard(() => {
        for (const [key, raw] of taken) if (!storage.getItem(key)) storage.setItem(key, raw);
      }, undefined),
    );
  return count;
}
