import type { Config } from '../config';
import { WORKER_LOCK_WAIT_MS, WORKER_POLL_MS } from '../constants';
import { senderLockName } from '../delivery/leader';
import { createSender } from '../delivery/sender';
import { serverClock } from '../delivery/server-clock';
import { createIdbStore, idbName } from '../outbox/idb-store';
import { createOutbox } from '../outbox/outbox';
import type { Reporter } from '../utils/report';

/**
 * How a drain ended: `empty` (nothing left in the outbox), `handed-over` (a page held the
 * sender lock, or asked for it: the page sends), `timed-out` (records are left and the time is
 * up: ingest still fails).
 */
export type DrainOutcome = 'empty' | 'handed-over' | 'timed-out';

/** The part of `LockManager` the worker uses (a fake one in tests). */
export interface WorkerLocks {
  request<T>(name: string, options: { ifAvailable: true }, callback: (lock: unknown) => Promise<T>): Promise<T>;
  query(): Promise<{ pending?: Array<{ name?: string }> }>;
}

export interface DrainOptions {
  token: string;
  config: Config;
  reporter: Reporter;
  /** When to stop (ms since epoch): the end of the event's time. */
  deadline: number;
  /** Web Locks of the worker's origin; null where the browser has none. */
  locks: WorkerLocks | null;
  /** Whether to stop at once (the token opted out meanwhile). */
  cancelled?: () => boolean;
  /** How long to wait for the sender lock while a page holds it; `WORKER_LOCK_WAIT_MS` by default. */
  lockWaitMs?: number;
  now?: () => number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends what the outbox of `token` holds, from the service worker, with the page's own code:
 * the same outbox over the same IndexedDB database, the same sender (batching, retries with the
 * configured backoff, failover, `Retry-After`, splitting), under the same sender lock as the
 * pages. The lock is asked `ifAvailable`, so the worker never sends while a page does; while a
 * page holds it, the worker asks again every `WORKER_POLL_MS` for `WORKER_LOCK_WAIT_MS` (a
 * closing page releases it at `pagehide`, and a page that keeps it sends itself), and it hands
 * the lock back as soon as a page waits for it, once its requests in flight have ended. Without Web Locks the worker cannot see the pages' sender (a localStorage
 * lease, which workers cannot read), so it sends nothing.
 *
 * Records the pages keep only in localStorage (IndexedDB unusable, or writes copied there as a
 * page left) are out of the worker's reach: they wait for the next page. The hosts' clock
 * offset is the worker's own (it starts at 0), since the pages keep theirs in localStorage.
 */
export async function drainOutbox(o: DrainOptions): Promise<DrainOutcome> {
  const { token, config, reporter, locks } = o;
  const now = o.now || Date.now;
  const cancelled = o.cancelled || (() => false);
  const lock = senderLockName(token);
  if (!locks) return 'handed-over';
  const outbox = createOutbox({ token, config: () => config, reporter, now, openStore: () => createIdbStore(idbName(token)) });
  const isEmpty = async (): Promise<boolean> => !(await outbox.stats()).queued;
  const pageWaits = async (): Promise<boolean> => ((await locks.query()).pending || []).some((l) => l.name === lock);
  const over = (): boolean => cancelled() || now() >= o.deadline;

  async function sendHoldingLock(): Promise<DrainOutcome> {
    const sender = createSender({
      outbox,
      config: () => config,
      reporter,
      clock: serverClock(),
      // no keepalive: a worker's request outlives no document, and keepalive's budget is a page's
      ledger: { keepaliveStarted: () => () => undefined, keepaliveBytes: () => Infinity },
    });
    sender.start();
    try {
      for (;;) {
        await sleep(WORKER_POLL_MS);
        if (!sender.state().in_flight && (await isEmpty())) return 'empty';
        if (over()) return 'timed-out';
        if (await pageWaits()) return 'handed-over';
      }
    } finally {
      sender.stop();
      // what is in flight is acknowledged before a page may send it again (bounded by the request timeout)
      while (sender.state().in_flight) await sleep(WORKER_POLL_MS);
    }
  }

  const lockWaitEnds = Math.min(o.deadline, now() + (o.lockWaitMs == null ? WORKER_LOCK_WAIT_MS : o.lockWaitMs));
  try {
    for (;;) {
      if (cancelled() || (await isEmpty())) return 'empty';
      if (cancelled() || now() >= lockWaitEnds) return 'handed-over'; // a page holds the lock: it sends, and wakes the worker again as it leaves
      const outcome = await locks.request(lock, { ifAvailable: true }, (held) => (held ? sendHoldingLock() : Promise.resolve(null)));
      if (outcome) return outcome;
      await sleep(WORKER_POLL_MS);
    }
  } finally {
    outbox.close();
  }
}
