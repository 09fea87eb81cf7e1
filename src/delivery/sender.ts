import { apiHosts, type Config } from '../config';
import type { Outbox, OutboxRecord } from '../outbox/types';
import { isOffline } from '../utils/env';
import type { Reporter } from '../utils/report';
import { backoffDelay, parseRetryAfter } from './backoff';
import { createHostRotation, type HostRotation } from './hosts';
import { encodeBody, endpointUrl } from './payload';
import { classify, honoursRetryAfter, type Verdict } from './retry-policy';
import { deliverSplitting } from './split';
import { fetchTransport, type Transport } from './transport';

/**
 * Largest body sent with `keepalive`, summed over the keepalive requests in
 * flight: Chromium refuses keepalive bodies past 64 KiB pending per page, and
 * the rest of that budget is left to the unload beacon.
 */
export const KEEPALIVE_BODY_LIMIT = 60 * 1024;

/** Passes `flush()` waits for at most (each pass is up to `max_in_flight` batches). */
const MAX_FLUSH_PASSES = 100;

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
}

/** The sender's part of `DeliveryState`. */
export interface SenderState {
  in_flight: number;
  delivered: number;
  retried: number;
  dropped: number;
  host: string;
  next_attempt_at: number | null;
}

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
  /** Records in `keepalive` requests in flight and their body bytes: they survive navigation, so unload skips them. */
  keepalive(): { ids: ReadonlySet<string>; bytes: number };
}

/**
 * Build a sender. It keeps one timer at a time: the flush interval while
 * idle, or the backoff/`Retry-After` wait once every host has failed. After
 * an acknowledged batch it goes on at once while records wait.
 */
export function createSender(options: SenderOptions): Sender {
  const { outbox, config, reporter } = options;
  const transport = options.transport || fetchTransport;
  const online = options.online || (() => !isOffline());
  const random = options.random || Math.random;
  const log = (...args: unknown[]) => reporter.debug(...args);

  let running = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let timerAt: number | null = null;
  let pumping: Promise<void> | null = null;
  let again = false;
  let slots = 0;
  let fresh = 0; // enqueued since a batch was last taken
  const inFlight = new Set<string>();
  const keepIds = new Set<string>();
  let keepBytes = 0;
  const requests = new Set<Promise<void>>();
  const controllers = new Set<AbortController>();
  const counts = { delivered: 0, retried: 0, dropped: 0 };
  let rotation: HostRotation | null = null;
  let rotationKey = '';

  /** The rotation for the configured hosts, rebuilt when `set_config` changes them. */
  function hosts(): HostRotation {
    const list = apiHosts(config());
    const key = list.join(' ');
    if (!rotation || key !== rotationKey) {
      rotationKey = key;
      rotation = createHostRotation(list, {
        failbackMs: () => config().failback_interval_ms,
        backoff: (round) => backoffDelay(round, config().retry_backoff_base_ms, config().retry_backoff_max_ms, random),
      });
    }
    return rotation;
  }

  function clearTimer(): void {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    timerAt = null;
  }

  function schedule(ms: number): void {
    clearTimer();
    const delay = Math.max(0, ms || 0);
    timerAt = Date.now() + delay;
    timer = setTimeout(() => {
      timer = null;
      timerAt = null;
      void pump();
    }, delay);
  }

  /** Run `fill` until no trigger came in meanwhile; one pass at a time. */
  function pump(): Promise<void> {
    if (pumping) {
      again = true;
      return pumping;
    }
    pumping = (async () => {
      try {
        do {
          again = false;
          await fill();
        } while (again && running);
      } catch (e) {
        log('sender: outbox read failed, will retry', e);
      } finally {
        pumping = null;
      }
      if (running && timer === null) schedule(config().batch_flush_interval_ms);
    })();
    return pumping;
  }

  /** Start requests until the slots are full, the outbox is empty, or every host must wait. */
  async function fill(): Promise<void> {
    while (running && online() && slots < Math.max(1, config().max_in_flight)) {
      const { at } = hosts().next();
      const now = Date.now();
      if (at > now) {
        schedule(at - now);
        return;
      }
      const found = await outbox.oldest(Math.max(1, config().batch_size), new Set(inFlight));
      const first = found.find((r) => !inFlight.has(r.id));
      if (!running || !first) return; // nothing new (an outbox that ignored `skip` must not spin us)
      fresh = 0;
      clearTimer(); // sending now; the next timer is set once this pass ends
      launch(found.filter((r) => r.ep === first.ep && !inFlight.has(r.id)));
    }
  }

  function launch(batch: OutboxRecord[]): void {
    slots++;
    for (const r of batch) inFlight.add(r.id);
    let broke = false;
    const done: Promise<void> = deliverSplitting(batch, attempt, giveUp)
      .then(
        () => undefined,
        (e) => {
          broke = true;
          log('sender: batch failed, records stay queued', e);
        },
      )
      .then(() => {
        slots--;
        for (const r of batch) inFlight.delete(r.id);
        requests.delete(done);
        // After a store error, wait for the flush interval: an outbox that cannot delete must not make us resend in a loop.
        if (running && !broke) void pump();
      });
    requests.add(done);
  }

  /** One request for `records` (one endpoint); the verdict drives splitting, failover and backoff. */
  async function attempt(records: readonly OutboxRecord[]): Promise<Verdict> {
    const rot = hosts();
    const { host, at } = rot.next();
    if (!running || !online() || at > Date.now()) return 'retry'; // stop here; the records go back to the queue
    const cfg = config();
    const first = records[0]!;
    const body = encodeBody(records, cfg.api_payload_format);
    const url = endpointUrl(host, cfg.api_routes[first.ep] || first.ep + '/');
    const keep = keepBytes + body.length <= KEEPALIVE_BODY_LIMIT;
    if (keep) {
      keepBytes += body.length;
      for (const r of records) keepIds.add(r.id);
    }
    const ctl = typeof AbortController === 'function' ? new AbortController() : null;
    if (ctl) controllers.add(ctl);
    let res;
    try {
      res = await transport(url, body, cfg.batch_request_timeout_ms, keep, ctl ? ctl.signal : undefined);
    } finally {
      if (ctl) controllers.delete(ctl);
      if (keep) {
        keepBytes -= body.length;
        for (const r of records) keepIds.delete(r.id);
      }
    }
    if (ctl && ctl.signal.aborted) return 'retry';
    const verdict = classify(res.status, res.body);
    const n = records.length;
    if (verdict === 'ok') {
      rot.succeed(host);
      await outbox.remove(records.map((r) => r.id));
      counts.delivered += n;
      log(`delivered ${n} ${first.ep} record(s) to ${host}`);
      return 'ok';
    }
    if (verdict !== 'retry') {
      rot.succeed(host); // it answered: the host is up, the batch is the problem
      log(`host ${host} refused ${n} record(s) (${res.status}), splitting`);
      return verdict;
    }
    if (res.status === 0 && !online()) {
      log('offline: waiting for the online event');
      return 'retry';
    }
    counts.retried++;
    const why = res.status ? String(res.status) : res.error || 'network';
    const hold = honoursRetryAfter(res.status) ? parseRetryAfter(res.retryAfter, Date.now()) : null;
    if (hold !== null) log(`Retry-After ${Math.round(hold / 1000)} s on host ${host}`);
    const wait = rot.fail(host, hold);
    if (wait > 0) {
      log(`host ${host} failed (${why}); all hosts failed, retry in ${wait} ms`);
      reporter.report({
        code: 'delivery',
        message: `every ingest host failed; retrying in ${wait} ms`,
        detail: { host, status: res.status, retry_in_ms: wait },
      });
    } else {
      log(`host ${host} failed (${why}), failing over to ${rot.next().host}`);
    }
    return 'retry';
  }

  /** A lone record the host still refuses: drop it (the outbox reports it). */
  async function giveUp(records: readonly OutboxRecord[], verdict: 'split' | 'reject'): Promise<void> {
    const reason = verdict === 'split' ? 'too_large' : 'rejected';
    log(`dropping ${records.length} record(s): ${reason}`);
    await outbox.drop(records.slice(), reason);
    counts.dropped += records.length;
  }

  return {
    start() {
      if (running) return;
      running = true;
      void pump();
    },
    stop() {
      running = false;
      clearTimer();
    },
    async flush() {
      // Until quiet: each answered request may start the next pass. Bounded so a page that never stops enqueuing still gets an answer.
      for (let i = 0; i < MAX_FLUSH_PASSES && running; i++) {
        await pump();
        if (!requests.size) break;
        await Promise.all(Array.from(requests));
      }
    },
    notify() {
      fresh++;
      if (running && fresh >= Math.max(1, config().batch_size)) void pump();
    },
    abort() {
      controllers.forEach((c) => c.abort());
    },
    state() {
      return {
        in_flight: inFlight.size,
        delivered: counts.delivered,
        retried: counts.retried,
        dropped: counts.dropped,
        host: hosts().next().host,
        next_attempt_at: !running ? null : pumping || slots ? Date.now() : timerAt,
      };
    },
    keepalive: () => ({ ids: keepIds, bytes: keepBytes }),
  };
}
