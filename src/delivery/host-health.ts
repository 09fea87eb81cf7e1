/**
 * What the pages of a site have learned about its ingest hosts, kept per
 * token in localStorage (`mp_hosts_<token>`), so that a new page starts with
 * the host that works instead of re-learning an outage, and a request that
 * outlives the page goes to a host that answered recently. It holds no
 * personal data: host names and times. It is written when something changes
 * (a host fails over, sends `Retry-After`, or answers after another one did),
 * never on `track()`, and read when a sender starts and when the page hides.
 * The until-times are the ones the rotation (`hosts.ts`) already keeps in a
 * page: this record only carries them to the next one.
 */
import { STORAGE_PREFIX } from '../constants';
import { RETRY_AFTER_MAX_MS } from './retry-policy';
import { storedJson } from './stored-json';

/** What is known of one host; times in ms since epoch, by the device clock. */
export interface HostState {
  /** When it last answered (any answer: the host is up, whatever it thought of the batch). */
  ok?: number;
  /** Until when it is passed over while another host works: the primary after a failover, until the fail-back probe. */
  skip?: number;
  /** Until when it gets no request at all: its `Retry-After`. */
  hold?: number;
  /** When it last failed (no answer, 5xx, 408, 429, a timeout); failing while this is later than `ok`. */
  fail?: number;
}

/** Host URL to what is known of it; as read, one entry for each host asked about. */
export type HostHealthRecord = Record<string, HostState>;

/** The stored record of one token. Storage that is missing, throws or holds garbage reads as empty and writes nothing. */
export interface HostHealth {
  /** What is stored for `hosts` (other hosts' entries are ignored). */
  read(hosts: string[]): HostHealthRecord;
  /**
   * Merges `state` into what is stored for `host` now (another tab may have
   * written other hosts since); a time of 0 clears that field. Entries of
   * hosts not in `hosts` are dropped, so the record never holds more than
   * the configured hosts.
   */
  write(host: string, state: HostState, hosts: string[]): void;
  /** Removes the record (opt-out). */
  forget(): void;
}

const FIELDS = ['ok', 'skip', 'hold', 'fail'] as const;

/**
 * The record in `stored` (as parsed from its JSON) for `hosts`, one entry for each, keeping only numbers
 * no further ahead of `now` than the longest `Retry-After` honoured (a clock
 * set back, or a value not ours, cannot park a host for longer). Anything else
 * (not an object, another type) is ignored; a time already past is
 * kept and means nothing.
 */
export function parseHostHealth(stored: unknown, hosts: string[], now: number): HostHealthRecord {
  const found: HostHealthRecord = {};
  const record = (stored || {}) as Record<string, Record<string, unknown> | undefined>; // property reads on a number or string read undefined
  for (const host of hosts) {
    const entry = record[host] || {};
    const state: HostState = (found[host] = {});
    for (const field of FIELDS) {
      const at = entry[field];
      if (typeof at === 'number' && at <= now + RETRY_AFTER_MAX_MS) state[field] = at;
    }
  }
  return found;
}

/** The record of `token` in `storage` (localStorage by default). */
export function hostHealth(token: string, storage: () => Storage = () => localStorage, now = Date.now): HostHealth {
  const stored = storedJson(STORAGE_PREFIX + 'hosts_' + token, storage);
  const read = (hosts: string[]): HostHealthRecord => parseHostHealth(stored.read(), hosts, now());
  return {
    read,
    write(host, state, hosts) {
      const record = read(hosts);
      record[host] = { ...record[host], ...state };
      stored.write(record);
    },
    forget: () => stored.write(null),
  };
}

/**
 * Whether some page of the token learned that a host fails: it is passed over now (after a
 * failover), held by a `Retry-After`, or the last thing known of it is a failure.
 */
export const isPassedOver = (state: HostState | undefined, now = Date.now()): boolean =>
  !!state && ((state.skip || 0) > now || (state.hold || 0) > now || (state.fail || 0) > (state.ok || 0));

/** A first-party proxy: a path on the page's own origin (`/mp`), not a `//host` or an absolute URL. */
const isFirstParty = (host: string): boolean => host[0] === '/' && host[1] !== '/';

/**
 * Where a request that outlives the page (the unload beacon) goes: a host
 * that answered within the record's horizon (the longest `Retry-After`
 * honoured: older news is no news) and is neither passed over nor held now,
 * the first-party proxy among them when one is configured, else the one that
 * answered last; when none did, `fallback` (the host the sender would use
 * next). The page's last chance to send is no probe of a host that may still
 * be down. The record is read as it is now, so a tab that does not send
 * learns what the sending tab did.
 */
export function beaconHost(hosts: string[], health: HostHealth, fallback: string, now = Date.now()): string {
  const known = health.read(hosts);
  const answeredAt = (host: string): number => (isPassedOver(known[host]!, now) ? 0 : known[host]!.ok || 0);
  const recent = hosts
    .filter((host) => answeredAt(host) > Math.max(0, now - RETRY_AFTER_MAX_MS))
    .sort((a, b) => answeredAt(b) - answeredAt(a));
  return recent.find(isFirstParty) || recent[0] || fallback;
}
