import { apiHosts, type Config } from '../config';
import { KEEPALIVE_BODY_LIMIT, KEEPALIVE_UNKNOWN_MS, RETENTION_MS } from '../constants';
import type { Outbox, OutboxRecord } from '../outbox/types';
import { isOffline } from '../utils/env';
import type { Reporter } from '../utils/report';
import type { HostHealth } from './host-health';
import { createHostRotation, type HostRotation } from './hosts';
import type { Ledger } from './ledger';
import { backoffDelay, classify, deliverSplitting, dropReason, retryAfterMs, type Refusal, type Verdict } from './retry-policy';
import { serverClock, shiftTimes, type ServerClock } from './server-clock';
import type { DeliveryState } from './types';
import { encodeBody, endpointUrl, fetchTransport, type Transport } from './wire';

export interface SenderOptions {
  outbox: Outbox;
  config: () => Config;
  reporter: Reporter;
  /** How a batch goes out; `fetch` by default. */
  transport?: Transport;
  /** Whether the browser is online; `navigator.onLine` (unknown counts as online) by default. */
  online?: () => boolean;
  /** Jitter source, for tests. */
  random?: () => number;
  /**
   * Where `keepalive` requests are recorded for the unload beacon (and their bytes read against the
   * browser's budget); without one no request is `keepalive` (a sender outside a page: the service worker's).
   */
  ledger?: Pick<Ledger, 'keepaliveStarted' | 'keepaliveBytes'>;
  /** The hosts' clock, learned from their `Date` headers and used to correct event times; one of its own, not persisted, by default. */
  clock?: ServerClock;
  /** Told of every answer that says how `host` is: `ok` for a 2xx, false for a failure (no answer, 5xx, timeout); `startedAt` is when the request left. */
  answered?: (host: string, startedAt: number, ok: boolean) => void;
  /** What pages of this token learned about the hosts, to start from and to add to; none (this page learns alone) by default. */
  health?: HostHealth;
}

/** The sender's part of `DeliveryState`. */
export type SenderState = Pick<DeliveryState, 'in_flight' | 'delivered' | 'retried' | 'dropped' | 'host' | 'next_attempt_at'>;

/** The loop that moves records from the outbox to the ingest hosts. Only the sending tab starts one. */
export interface Sender {
  /** Begin sending (flushes at once). */
  start(): void;
  /** Stop starting requests; those in flight finish and are acknowledged. */
  stop(): void;
  /** Send what is waiting now (within backoff and `max_in_flight`); resolves when those requests are answered. */
  flush(): Promise<void>;
  /** A record was enqueued: flush at once when a full batch is waiting. */
  notify(): void;
  /** Abort the requests in flight; their records stay in the outbox. */
  abort(): void;
  state(): SenderState;
}

/**
 * Build a sender. It keeps one timer at a time: the flush interval while
 * idle, or the backoff/`Retry-After` wait once every host has failed. After
 * an acknowledged batch it goes on at once while records wait. A request
 * that has not answered within `batch_request_timeout_ms` is aborted and
 * counts as a host failure.
 */
export function createSender({
  outbox,
  config,
  reporter,
  transport = fetchTransport,
  online = () => !isOffline(),
  random = Math.random,
  ledger = { keepaliveStarted: () => () => undefined, keepaliveBytes: () => Infinity },
  clock = serverClock(),
  answered = () => undefined,
  health,
}: SenderOptions): Sender {
  let running = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timerAt: number | null = null;
  let pumping: Promise<void> | null = null;
  let again = false;
  let fresh = 0; // enqueued since a batch was last taken
  let delivered = 0;
  let retried = 0;
  let dropped = 0;
  const inFlight = new Set<string>();
  const requests = new Set<Promise<void>>();
  const controllers = new Set<AbortController>();
  let rotation: HostRotation;
  let rotationKey: string;

  /** The rotation for the configured hosts, rebuilt when `set_config` changes them. */
  function hosts(): HostRotation {
    const list = apiHosts(config());
    if (list.join(' ') !== rotationKey) {
      rotationKey = list.join(' ');
      rotation = createHostRotation(
        list,
        () => config().failback_interval_ms,
        (round) => backoffDelay(round, config().retry_backoff_base_ms, config().retry_backoff_max_ms, random),
        Date.now,
        health,
      );
    }
    return rotation;
  }

  function schedule(ms: number | null): void {
    clearTimeout(timer);
    timerAt = ms == null ? null : Date.now() + ms;
    if (ms != null)
      timer = setTimeout(() => {
        timerAt = null;
        void pump();
      }, ms);
  }

  /** Run `fill` until no trigger came in meanwhile; one pass at a time. */
  function pump(): Promise<void> {
    if (pumping) {
      again = true;
      return pumping;
    }
    return (pumping = (async () => {
      try {
        do {
          again = false;
          await fill();
        } while (again && running);
      } catch (e) {
        reporter.debug('outbox read failed', e);
      }
      pumping = null;
      if (running && timerAt == null) schedule(config().batch_flush_interval_ms);
    })());
  }

  /** When the next attempt is due: now while a pass or a request is under way, else when the timer fires; null once stopped. */
  function nextAttemptAt(): number | null {
    if (!running) return null;
    if (pumping || requests.size) return Date.now();
    return timerAt;
  }

  /** Start requests until the slots are full, the outbox is empty, or every host must wait. */
  async function fill(): Promise<void> {
    while (running && online() && requests.size < Math.max(1, config().max_in_flight)) {
      const wait = hosts().next().at - Date.now();
      if (wait > 0) return schedule(wait);
      // the outbox passes over what is in flight (a copy: requests end while it reads)
      const found = await outbox.oldest(Math.max(1, config().batch_size), new Set(inFlight));
      const first = found[0];
      if (!running || !first) return;
      fresh = 0;
      schedule(null); // sending now; the next timer is set once this pass ends
      const batch = found.filter((r) => r.ep === first.ep);
      batch.forEach((r) => inFlight.add(r.id));
      const done: Promise<void> = deliverSplitting(batch, attempt, giveUp)
        .then(
          () => true,
          (e) => reporter.debug('batch failed, records stay queued', e),
        )
        .then((ok) => {
          batch.forEach((r) => inFlight.delete(r.id));
          requests.delete(done);
          // after a store error, wait for the flush interval: an outbox that cannot delete must not make us resend in a loop
          if (running && ok) void pump();
        });
      requests.add(done);
    }
  }

  /**
   * One request for `records` (one endpoint); the verdict drives splitting, failover and backoff.
   * Event times are corrected by the hosts' clock as far as it is known (`server-clock.ts`).
   */
  async function attempt(records: OutboxRecord[], resent = false): Promise<Verdict> {
    const rot = hosts();
    const { host, at } = rot.next();
    if (!running || !online() || at > Date.now()) return 'retry'; // stop here; the records go back to the queue
    const cfg = config();
    const ctl = new AbortController();
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      ctl.abort();
    }, cfg.batch_request_timeout_ms);
    controllers.add(ctl);
    const shift = clock.correction();
    const body = encodeBody(shiftTimes(records, shift), cfg.api_payload_format);
    // keepalive while the bodies in keepalive requests fit the browser's budget, so that the request outlives a navigation
    const keep = ledger.keepaliveBytes() + body.length <= KEEPALIVE_BODY_LIMIT;
    const ended = keep
      ? ledger.keepaliveStarted(
          records.map((r) => r.id),
          body.length,
          host,
        )
      : () => undefined;
    const sentAt = Date.now();
    const res = await transport(endpointUrl(host, cfg, records[0]!.ep), body, ctl.signal, keep, cfg.xhr_headers); // never throws
    clearTimeout(deadline);
    controllers.delete(ctl);
    // without an answer, and not aborted by us, the browser may still be sending it
    ended(ctl.signal.aborted || res.status !== 0);
    if (ctl.signal.aborted && !timedOut) return 'retry'; // abort(): not the host's fault
    if (res.status) clock.observe(res.date, sentAt, Date.now());
    const verdict = rot.judge(classify(res.status, res.body), host, records[0]!.id);
    if (verdict !== 'retry' && !resent && clock.correction() !== shift && judgedStale(records, shift)) {
      // The host answered (a failed host is retried below anyway), its answer first told how far
      // off the device clock is, and by its clock some of these events went out more than 5 days
      // old: Mixpanel dropped them, whatever it answered. Once more with corrected times (copies
      // it kept are absorbed by `$insert_id`).
      reporter.debug(`${host}: device clock is ${Math.round(clock.offset() / 1000)} s off; sending again with corrected times`);
      return attempt(records, true);
    }
    const n = records.length;
    if (verdict !== 'retry') {
      rot.succeed(host); // it answered: the host is up, whatever it thinks of the batch
      if (verdict === 'ok') {
        await outbox.remove(records.map((r) => r.id));
        delivered += n;
        answered(host, sentAt, true);
      }
      reporter.debug(`${host}: ${verdict} for ${n} record(s) (${res.status})`);
      return verdict;
    }
    if (!res.status && !online()) return 'retry'; // offline: the online event flushes
    // Chromium fails the page's side of a keepalive request just before a navigation commits, yet
    // sends it: such a failure is told to the hand-offs and to other pages (the hosts' shared
    // health) only once the page has outlived that gap; this page fails over at once.
    const unsure = keep && !res.status && !ctl.signal.aborted ? KEEPALIVE_UNKNOWN_MS : 0;
    if (unsure) setTimeout(() => answered(host, sentAt, false), unsure);
    else answered(host, sentAt, false);
    retried++;
    const hold = retryAfterMs(res.status, res.retryAfter, Date.now());
    const wait = rot.fail(host, hold, unsure);
    reporter.debug(
      `${host} failed (${res.status || (timedOut ? 'timeout' : 'network')}${hold == null ? '' : `, Retry-After ${hold / 1000} s`})` +
        (wait ? `; all hosts failed, retry in ${wait} ms` : ''),
    );
    if (wait)
      reporter.report({
        code: 'delivery',
        message: `every ingest host failed; retrying in ${wait} ms`,
        detail: { host, status: res.status },
      });
    return 'retry';
  }

  /** Whether Mixpanel, by the clock a host just gave, would have dropped some of these `/track` events sent with times shifted by `shift`. */
  function judgedStale(records: OutboxRecord[], shift: number): boolean {
    const cutoff = Date.now() + clock.offset() - RETENTION_MS;
    return records[0]!.ep === 'track' && records.some((r) => r.at + shift < cutoff);
  }

  /** A lone record the host still refuses: drop it (the outbox reports it). */
  async function giveUp(records: OutboxRecord[], verdict: Refusal): Promise<void> {
    await outbox.drop(records, dropReason(verdict));
    dropped += records.length;
  }

  return {
    start() {
      if (!running) {
        running = true;
        rotationKey = ''; // a sender (re)starting begins from what every page has learned meanwhile
        void pump();
      }
    },
    stop() {
      running = false;
      schedule(null);
    },
    async flush() {
      // until quiet: each answered request may start the next pass; bounded so that a page that never stops enqueuing still gets an answer
      for (let i = 0; i < 100 && running; i++) {
        await pump();
        if (!requests.size) break;
        await Promise.all(requests);
      }
    },
    notify() {
      if (running && ++fresh >= Math.max(1, config().batch_size)) void pump();
    },
    abort() {
      controllers.forEach((c) => c.abort());
    },
    state: () => ({
      in_flight: inFlight.size,
      delivered,
      retried,
      dropped,
      host: hosts().next().host,
      next_attempt_at: nextAttemptAt(),
    }),
  };
}
