import type { Config } from '../config';
import { DEFERRED_SEND_DELAY_MS, FETCH_LATER_BODY_BUDGET } from '../constants';
import type { Reporter } from '../utils/report';
import { planBeacons } from './beacon';
import type { Ledger } from './ledger';
import { endpointUrl, formPost } from './wire';

/** `fetchLater()` (Fetch standard, "deferred fetching"), as far as Outlast calls it. */
type FetchLater = (url: string, init: RequestInit) => unknown;

/** The deferred request kept armed with this page's unacknowledged records. */
export interface DeferredSend {
  /**
   * The unload beacon takes over: abort what is armed, and from now on arm only records enqueued
   * after those the beacon was given, so that no record goes out by both.
   */
  handOver(): void;
  /** Abort what is armed and arm again soon, if still active (a pause, a resume, a closed pipeline). */
  update(): void;
}

export interface DeferredSendOptions {
  ledger: Pick<Ledger, 'pending' | 'onChange'>;
  config: () => Config;
  reporter: Reporter;
  /** The host the unload beacon would use. */
  host: () => string;
  /** Whether the page may send at all now (not paused, not closed). */
  active: () => boolean;
}

/**
 * Keeps one set of `fetchLater()` requests armed with what the beacon ledger
 * holds unacknowledged (minus what is in keepalive requests), in the beacon's
 * wire format, oldest first within the origin's quota. The browser sends them
 * when the document is destroyed, even when no `pagehide` comes (a renderer
 * killed, a discarded tab). Whenever a record leaves that set (acknowledged,
 * dropped, put in a keepalive request) the armed requests are aborted at
 * once, so a host never gets a record twice this way; re-arming waits
 * `DEFERRED_SEND_DELAY_MS`, so a burst of `track()` calls shares one. The
 * records stay in the outbox: a later acknowledged send repeats them and the
 * server dedupes by `$insert_id`.
 *
 * Returns undefined where the browser has no `fetchLater()`: nothing is
 * subscribed, nothing runs.
 */
export function createDeferredSend({ ledger, config, reporter, host, active }: DeferredSendOptions): DeferredSend | undefined {
  const found = (globalThis as { fetchLater?: FetchLater }).fetchLater;
  if (typeof found !== 'function') return undefined;
  const fetchLater: FetchLater = found;
  let armed: AbortController | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Records up to this id went to the unload beacon; ids of this page's records grow with enqueue order. */
  let beaconedThrough = '';

  const disarm = (): void => {
    armed?.abort();
    armed = undefined;
  };
  /** Nothing armed, nothing scheduled. */
  const stop = (): void => {
    clearTimeout(timer);
    timer = undefined;
    disarm();
  };
  const soon = (): void => {
    if (!timer) timer = setTimeout(arm, DEFERRED_SEND_DELAY_MS);
  };

  function arm(): void {
    stop();
    const cfg = config();
    if (!cfg.unload_beacon || !active()) return;
    const records = ledger.pending().records.filter((r) => r.id > beaconedThrough);
    const signal = (armed = new AbortController()).signal;
    try {
      for (const c of planBeacons(records, FETCH_LATER_BODY_BUDGET, cfg.api_payload_format, Math.max(1, cfg.batch_size))) {
        fetchLater(endpointUrl(host(), cfg, c.ep), formPost(c.body, signal));
      }
    } catch (e) {
      // Past the origin's quota (other scripts on the page may defer requests there too), or
      // refused: the older records armed so far stay armed, the rest wait in the outbox.
      reporter.debug('fetchLater refused', e);
    }
  }

  /** Records joined: arm again soon. Records left (or anything else changed): abort what is armed at once, then the same. */
  const changed = (added: boolean): void => {
    if (!added) disarm();
    soon();
  };
  ledger.onChange(changed);

  return {
    handOver() {
      stop();
      const { records } = ledger.pending();
      if (records.length) beaconedThrough = records[records.length - 1]!.id;
    },
    update: () => changed(false),
  };
}
