import { RECORD_VERSION } from '../constants';
import type { Outbox, OutboxRecord } from '../outbox/types';
import type { Ledger } from './ledger';

/**
 * Profile operations Mixpanel applies once per request received (its /engage reference:
 * `$add` adds, `$append` appends, `$remove` takes out, each time). `$set`, `$set_once`,
 * `$unset` and `$union` leave a profile as one copy left it; events are deduplicated by
 * `$insert_id`.
 */
const NOT_IDEMPOTENT = /"\$(add|append|remove)":/;

/** Keys of the probes made here: never in the outbox, so never removed from it. */
const PROBE_ID = 'handoff-probe-';

/** What the sender reads through: the outbox, with handed-off records held back. */
export type HoldingOutbox = Pick<Outbox, 'oldest' | 'remove' | 'drop'>;

/**
 * The outbox as the sender sees it while hand-offs are held (`ledger.ts`):
 * `oldest` passes over every held record, so no sender sends one again while
 * its hand-off may have arrived.
 *
 * When held records are all that is left, no request would come to tell
 * whether they arrived, and they would be sent again once the window ends.
 * So `oldest` gives the sender one probe for the hand-offs to the current
 * host, once per hand-off, whose 2xx confirms them:
 * - for a held `$add`, `$append` or `$remove`: a profile update that changes
 *   nothing, `$set` of no property with `$ignore_time` (Mixpanel then leaves
 *   "Last Seen" as it is), for the same profile, which exists once the held
 *   update is applied either way;
 * - else one held record that a second copy leaves as it was: an event
 *   (`$insert_id`) or an idempotent profile update, sent again.
 * A profile that a held `$delete` may have removed gets no probe.
 */
export function holdHandedOff(outbox: HoldingOutbox, handoff: Pick<Ledger, 'held' | 'heldIds'>, host: () => string): HoldingOutbox {
  const probed = new Set<string>();
  const real = (id: string): boolean => id.indexOf(PROBE_ID) !== 0;

  async function oldest(limit: number, skip?: ReadonlySet<string>): Promise<OutboxRecord[]> {
    const held = handoff.heldIds();
    if (!held.size) return outbox.oldest(limit, skip);
    const passed = new Set(skip);
    held.forEach((id) => passed.add(id));
    const found = await outbox.oldest(limit, passed);
    if (found.length || (skip && skip.size)) return found; // requests are under way: their answers will tell
    const to = host();
    const waiting = handoff.held().filter((e) => e.host === to && !probed.has(e.at + ' ' + e.host));
    // Nothing to probe here (hand-offs to a host this sender has moved off, or probed already with
    // no answer that settled them): send the held records rather than leave them until their
    // window ends, when nothing would wake the sender.
    if (!waiting.length) return outbox.oldest(limit, skip);
    waiting.forEach((e) => probed.add(e.at + ' ' + e.host));
    const ids = new Set(waiting.flatMap((e) => e.ids));
    const probe = probeFor((await outbox.oldest(limit, skip)).filter((r) => ids.has(r.id)));
    return probe ? [probe] : [];
  }

  return {
    oldest,
    remove: (ids) => outbox.remove(ids.filter(real)),
    async drop(records, reason) {
      const kept = records.filter((r) => real(r.id));
      if (kept.length) await outbox.drop(kept, reason);
    },
  };
}

/** The probe for these held records (see `holdHandedOff`), or null when none is safe. */
export function probeFor(records: OutboxRecord[]): OutboxRecord | null {
  const deleted = new Set<unknown>();
  const profiles: Array<Record<string, unknown>> = [];
  for (const r of records) {
    if (r.ep !== 'engage') continue;
    const body = parse(r.json);
    if (body && '$delete' in body) deleted.add(body.$distinct_id);
    else if (body && NOT_IDEMPOTENT.test(r.json)) profiles.push(body);
  }
  const target = profiles.find((b) => b.$distinct_id != null && typeof b.$token === 'string' && !deleted.has(b.$distinct_id));
  if (target) {
    const json = JSON.stringify({ $token: target.$token, $distinct_id: target.$distinct_id, $ignore_time: true, $set: {} });
    const at = Date.now();
    return { v: RECORD_VERSION, id: PROBE_ID + at, at, ep: 'engage', json, size: json.length };
  }
  return records.find((r) => r.ep === 'track' || !(NOT_IDEMPOTENT.test(r.json) || r.json.indexOf('"$delete"') >= 0)) || null;
}

const parse = (json: string): Record<string, unknown> | null => {
  try {
    const v: unknown = JSON.parse(json);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};
