/**
 * Which ingest host the next request goes to. Hosts are tried in the
 * configured order; a failing one is skipped at once for the next, and the
 * sender waits (backs off) only once every host has failed in the round.
 * After moving off the primary, the primary is probed again every
 * `failbackMs`. A host that sent `Retry-After` gets no request before then.
 */

/** The host to try and the earliest time (ms since epoch) a request may go to it. */
export interface NextHost {
  host: string;
  at: number;
}

export interface HostRotation {
  /** Where and when the next request may go. */
  next(): NextHost;
  /**
   * Record a failure of `host` (optionally with a server-given hold). Returns
   * how long until any request may go: 0 when another host is ready now.
   */
  fail(host: string, retryAfterMs?: number | null): number;
  /** Record an answer from `host`: the round of failures is over. */
  succeed(host: string): void;
  /** Failed rounds in a row (0 while some host answers). */
  rounds(): number;
}

export interface HostRotationOptions {
  /** After leaving the primary, how long before probing it again. */
  failbackMs: number | (() => number);
  /** Wait before the next round once round `n` (1-based) has failed everywhere. */
  backoff: (round: number) => number;
  now?: () => number;
}

/** A rotation over `hosts` (primary first). */
export function createHostRotation(hosts: readonly string[], options: HostRotationOptions): HostRotation {
  const list = hosts.length ? hosts.slice() : [''];
  const now = options.now || Date.now;
  const failbackMs = () => Math.max(0, Number(typeof options.failbackMs === 'function' ? options.failbackMs() : options.failbackMs) || 0);
  const failed = new Set<string>(); // failed in the current round
  const heldUntil = new Map<string, number>(); // Retry-After
  let active = 0;
  let round = 0;
  let roundStartsAt = 0;
  let failbackAt = 0;

  const usable = (h: string, t: number) => !failed.has(h) && (heldUntil.get(h) || 0) <= t;

  function next(): NextHost {
    const t = Math.max(now(), roundStartsAt);
    const primary = list[0]!;
    if (active !== 0 && t >= failbackAt && usable(primary, t)) return { host: primary, at: t };
    for (let i = 0; i < list.length; i++) {
      const h = list[(active + i) % list.length]!;
      if (usable(h, t)) return { host: h, at: t };
    }
    // Every host not failed this round is held by Retry-After: wait for the first released.
    let best: NextHost = { host: list[active]!, at: Infinity };
    for (const h of list) {
      const until = heldUntil.get(h) || 0;
      if (!failed.has(h) && until < best.at) best = { host: h, at: until };
    }
    return best.at === Infinity ? { host: list[active]!, at: t } : best;
  }

  function fail(host: string, retryAfterMs?: number | null): number {
    const t = now();
    if (retryAfterMs != null && retryAfterMs > 0) heldUntil.set(host, t + retryAfterMs);
    failed.add(host);
    const i = list.indexOf(host);
    if (i === 0 && active !== 0) {
      failbackAt = t + failbackMs(); // the fail-back probe failed: stay on the alternate
    } else if (i === active) {
      for (let k = 1; k < list.length; k++) {
        const j = (active + k) % list.length;
        if (!failed.has(list[j]!)) {
          if (active === 0) failbackAt = t + failbackMs();
          active = j;
          break;
        }
      }
    }
    if (list.some((h) => usable(h, t))) return 0;
    // Round over: start the next from the primary after the backoff.
    round++;
    failed.clear();
    active = 0;
    roundStartsAt = t + Math.max(0, options.backoff(round) || 0);
    return Math.max(0, next().at - t);
  }

  function succeed(host: string): void {
    round = 0;
    roundStartsAt = 0;
    failed.clear();
    const i = list.indexOf(host);
    if (i === 0) active = 0;
    else if (i > 0 && active !== 0) active = i; // a late answer from an alternate never moves us off the primary
  }

  return { next, fail, succeed, rounds: () => round };
}
