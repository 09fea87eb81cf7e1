/**
 * Which ingest host the next request goes to. Hosts are tried in the
 * configured order; a failing one is skipped at once for the next, and the
 * sender waits (backs off) only once every host has failed in the round.
 * After moving off the primary, the primary is probed again every
 * `failbackMs()`. A host that sent `Retry-After` gets no request before then.
 * A host that refuses a batch for good (401, 403, 404, ...) is failed over
 * like a failing one; the batch is given up only once every host has refused it.
 * With a `HostHealth`, a rotation starts from what earlier pages learned (a
 * primary passed over until its fail-back probe, `Retry-After` holds) and
 * stores what it learns for the next ones.
 */
import type { HostHealth, HostState } from './host-health';
import type { Verdict } from './retry-policy';

/**
 * Batches whose refusals are remembered at once. A batch is refused by each
 * host within one round of a few requests, so a handful is plenty; past this
 * the oldest is forgotten (its next refusal starts a new count).
 */
const REMEMBERED_REFUSALS = 20;

export interface HostRotation {
  /** The host to try and the earliest time (ms since epoch) a request may go to it. */
  next(): { host: string; at: number };
  /**
   * Record a failure of `host` (optionally with a server-given hold). Returns
   * how long until any request may go: 0 when another host is ready now.
   * `storeAfterMs`: the failure may not be one (see the sender), so the shared
   * health learns of it only if this page lives that long.
   */
  fail(host: string, retryAfterMs?: number | null, storeAfterMs?: number): number;
  /** Record an answer from `host`: the round of failures is over. */
  succeed(host: string): void;
  /**
   * What `verdict` from `host` for the batch `batch` (a stable key, e.g. its
   * first record's id) means for delivery: a `refused` stays `refused` only
   * once every host has refused that batch, and is a host failure (`retry`,
   * so the next host gets it) until then. Other verdicts pass through.
   */
  judge(verdict: Verdict, host: string, batch: string): Verdict;
}

/**
 * A rotation over `hosts` (primary first); `backoff(n)` is the wait once
 * round `n` (1-based) has failed everywhere. `health`, when given, is read
 * once here and written when a host fails over, is held, or answers.
 */
export function createHostRotation(
  hosts: string[],
  failbackMs: () => number,
  backoff: (round: number) => number,
  now = Date.now,
  health?: HostHealth,
): HostRotation {
  const list = hosts.length ? hosts : [''];
  const failed = new Set<string>(); // failed in the current round
  const heldUntil = new Map<string, number>(); // Retry-After
  let active = 0;
  let round = 0;
  let roundStartsAt = 0;
  let failbackAt = 0;

  const refusals = new Map<string, Set<string>>(); // batch -> hosts that refused it for good

  const usable = (h: string, t: number) => !failed.has(h) && (heldUntil.get(h) || 0) <= t;

  let answered = ''; // the host whose answer was stored last, and when
  let answeredAt = 0;
  const remember = (host: string, state: HostState, afterMs = 0): void => {
    if (host === answered && !state.ok) answered = ''; // failing now: its next answer must be stored
    if (!health) return;
    if (afterMs) setTimeout(() => health.write(host, state, list), afterMs);
    else health.write(host, state, list);
  };

  // Start where earlier pages left off: their holds stand, and a primary they passed over stays
  // passed over until its fail-back probe is due, for the alternate that answered last.
  if (health) {
    const known = health.read(list);
    const start = now();
    for (const host of list) if ((known[host]!.hold || 0) > start) heldUntil.set(host, known[host]!.hold!);
    const skip = known[list[0]!]!.skip || 0;
    const lastOk = (i: number): number => known[list[i]!]!.ok || 0;
    if (skip > start)
      for (let i = 1; i < list.length; i++) if (usable(list[i]!, start) && (!active || lastOk(i) > lastOk(active))) active = i;
    if (active) failbackAt = skip;
  }

  function next() {
    const t = Math.max(now(), roundStartsAt);
    if (active && t >= failbackAt && usable(list[0]!, t)) return { host: list[0]!, at: t };
    for (let i = 0; i < list.length; i++) {
      const host = list[(active + i) % list.length]!;
      if (usable(host, t)) return { host, at: t };
    }
    // every host not failed this round is held by Retry-After: wait for the first released
    let best = { host: list[active]!, at: Infinity };
    for (const host of list) {
      const at = heldUntil.get(host) || 0;
      if (!failed.has(host) && at < best.at) best = { host, at };
    }
    return best.at < Infinity ? best : { host: list[active]!, at: t };
  }

  return {
    next,
    fail(host, retryAfterMs, storeAfterMs) {
      const t = now();
      if (retryAfterMs) {
        heldUntil.set(host, t + retryAfterMs);
        remember(host, { hold: t + retryAfterMs }, storeAfterMs);
      }
      failed.add(host);
      // every failure, so that no page hands records to this host as if it were up (a hand-off
      // then trusted on its next 2xx would lose them); failures are spaced by the backoff
      remember(host, { fail: t }, storeAfterMs);
      const i = list.indexOf(host);
      const probeAt = failbackAt;
      if (!i && active)
        failbackAt = t + failbackMs(); // the fail-back probe failed: stay on the alternate
      else if (i === active) {
        for (let k = 1; k < list.length; k++) {
          const j = (active + k) % list.length;
          if (!failed.has(list[j]!)) {
            if (!active) failbackAt = t + failbackMs();
            active = j;
            break;
          }
        }
      }
      if (failbackAt !== probeAt) remember(list[0]!, { skip: failbackAt }, storeAfterMs);
      if (list.some((h) => usable(h, t))) return 0;
      // round over: the next one starts from the primary after the backoff
      failed.clear();
      active = 0;
      roundStartsAt = t + Math.max(0, backoff(++round) || 0);
      return Math.max(0, next().at - t);
    },
    succeed(host) {
      round = roundStartsAt = 0;
      failed.clear();
      const i = list.indexOf(host);
      if (!i || (i > 0 && active)) active = i; // a late answer from an alternate never moves us off the primary
      // Stored when another host answered last (or this one failed since), and again half a
      // fail-back interval later while it keeps answering, so that the stored time stays about as
      // fresh as this page's own knowledge; not on every request (a write costs tens of µs).
      const t = now();
      if (host !== answered || t - answeredAt > failbackMs() / 2) {
        answered = host;
        answeredAt = t;
        remember(host, { ok: t, skip: 0, hold: 0 });
      }
    },
    judge(verdict, host, batch) {
      if (verdict !== 'refused') return verdict;
      const refusedBy = refusals.get(batch) || new Set<string>();
      refusedBy.add(host);
      refusals.delete(batch); // re-inserted last: the Map's order is the age order
      if (list.every((h) => refusedBy.has(h))) return 'refused';
      refusals.set(batch, refusedBy);
      if (refusals.size > REMEMBERED_REFUSALS) refusals.delete(refusals.keys().next().value!);
      return 'retry';
    },
  };
}
