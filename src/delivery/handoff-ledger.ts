import { STORAGE_PREFIX } from '../constants';
import { safeLocalStorage } from '../utils/env';

/**
 * Ids one hand-off may keep held in all, summed over its entries. A hide hands the browser at
 * most 64 KiB of bodies (a few hundred records); past this the oldest entries are released,
 * which costs a duplicate, never a record.
 */
const HANDOFF_MAX_IDS = 2_000;

/** Records the page handed the browser as it was hidden: `ids`, going to `host`, at `at` (ms since epoch). */
export interface Handoff {
  ids: string[];
  host: string;
  at: number;
}

/**
 * What was handed to the browser on the way out and may have arrived: the
 * unload beacon's records once the browser accepted them, and those of
 * `keepalive` requests still on their way at that moment. Kept in
 * localStorage (written synchronously, so a hide handler can write it; read
 * by every tab and the next page), one entry per hide, for the trust window.
 *
 * Every sender holds these records back instead of sending them, until the
 * host says which way it went:
 * - a 2xx from that host to a request started at or after `at`, within the
 *   window: the host was up when it got the hand-off, so the records arrived
 *   and are acknowledged without being sent again;
 * - a failure of any host (no answer, 5xx, timeout) answered after `at`, or
 *   the window ending without an answer: they are released and sent as any
 *   other record (a duplicate only if the hand-off did arrive after all).
 * A host that hangs never answers 2xx, so it never makes a record trusted.
 */
export interface HandoffLedger {
  /** `ids` were handed to the browser for `host` at `at` (now by default). Synchronous. */
  handedOff(ids: readonly string[], host: string, at?: number): void;
  /** The hand-offs still held, every tab's, oldest first. */
  held(): Handoff[];
  /** Ids of every record still held. */
  heldIds(): Set<string>;
  /**
   * A request to `host` started at `startedAt` was answered: `ok` for a 2xx, false for a host
   * failure. Returns the ids this acknowledges (delivered by a hand-off); a failure releases
   * every hand-off instead.
   */
  answered(host: string, startedAt: number, ok: boolean): string[];
  /** Forget everything (opt-out). */
  clear(): void;
}

/** A hand-off as stored: `[at, host, ids]`, short since every tab parses it on every batch. */
type StoredHandoff = [number, string, string[]];

const isStored = (x: unknown): x is StoredHandoff =>
  Array.isArray(x) &&
  typeof x[0] === 'number' &&
  typeof x[1] === 'string' &&
  Array.isArray(x[2]) &&
  x[2].every((id) => typeof id === 'string');

/**
 * The ledger for `token`, trusting a hand-off for `trustMs()` after it was
 * made. Without localStorage it lives in memory: a tab switch still finds it,
 * the next page cannot (it then sends again what was handed off: a duplicate).
 */
export function createHandoffLedger(
  token: string,
  trustMs: () => number,
  now: () => number = Date.now,
  storage: () => Storage | null = safeLocalStorage,
): HandoffLedger {
  const key = `${STORAGE_PREFIX}handoff_${token}`;
  let memory: StoredHandoff[] = [];

  /** The entries within their window; a broken value counts as none (its records are then simply sent). */
  const read = (): StoredHandoff[] => {
    const ls = storage();
    let entries = memory;
    if (ls) {
      try {
        const parsed: unknown = JSON.parse(ls.getItem(key) || '[]');
        entries = Array.isArray(parsed) ? parsed.filter(isStored) : [];
      } catch {
        entries = [];
      }
    }
    const t = now();
    return entries.filter(([at]) => at <= t && t - at <= trustMs());
  };
  const write = (entries: StoredHandoff[]): void => {
    let ids = entries.reduce((n, e) => n + e[2].length, 0);
    while (ids > HANDOFF_MAX_IDS) ids -= entries.shift()![2].length;
    memory = entries;
    const ls = storage();
    try {
      if (!ls) return;
      if (entries.length) ls.setItem(key, JSON.stringify(entries));
      else ls.removeItem(key);
    } catch {
      // storage full: an entry not written is a hand-off not held, sent again (a duplicate, nothing lost)
    }
  };

  return {
    handedOff(ids, host, at = now()) {
      if (ids.length) write([...read(), [at, host, ids.slice()]]);
    },
    held: () => read().map(([at, host, ids]) => ({ at, host, ids })),
    heldIds() {
      const out = new Set<string>();
      for (const e of read()) e[2].forEach((id) => out.add(id));
      return out;
    },
    answered(host, startedAt, ok) {
      const entries = read();
      const trusted: string[] = [];
      const kept = entries.filter(([at, to, ids]) => {
        // A failure of any host answered after a hand-off releases it: an outage may have begun
        // before it (a hand-off to a host that then failed may not have arrived) and end within
        // the window, when a 2xx from its host would otherwise vouch for what it never got.
        if (!ok) return false;
        if (to !== host) return true;
        if (startedAt < at) return true; // started before the hand-off: says nothing of it
        trusted.push(...ids);
        return false;
      });
      if (kept.length !== entries.length) write(kept);
      return trusted;
    },
    clear: () => write([]),
  };
}
