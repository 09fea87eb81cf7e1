import { apiHosts, type Config } from '../config';
import { createOutbox } from '../outbox/outbox';
import { isOffline } from '../utils/env';
import type { Reporter } from '../utils/report';
import { beaconUnacknowledged } from './beacon';
import { holdHandedOff } from './handoff-hold';
import { beaconHost, hostHealth, isPassedOver } from './host-health';
import { createDeferredSend } from './deferred-send';
import { electSender, type Election } from './leader';
import { createLedger } from './ledger';
import { watchPageLifecycle } from './page-lifecycle';
import { createSender } from './sender';
import { serverClock } from './server-clock';
import { linkServiceWorker } from './service-worker-registration';
import type { Pipeline } from './types';

export interface PipelineOptions {
  token: string;
  config: () => Config;
  reporter: Reporter;
}

/**
 * Everything behind `track()` for one token: the outbox, the sender (running
 * only in the elected tab, and only while not paused), the nudges from other
 * tabs, and the page lifecycle (`page-lifecycle.ts`: the unload sequence, the
 * beacon, the `online` flush). Built only in a browser (the client builds
 * none under Node). `enqueue` and the controls never throw; the promises may
 * reject on a store error, for the client to report.
 */
export function createPipeline({ token, config, reporter }: PipelineOptions): Pipeline {
  const done = async (): Promise<void> => undefined;
  const outbox = createOutbox({ token, config, reporter });
  // what a hide handed the browser is held back from every sender until its host confirms it
  // (a 2xx to a later request: acknowledged unsent) or fails (released: sent as usual)
  const ledger = createLedger(token, () => config().handoff_trust_ms);
  outbox.onEnqueue(ledger.enqueued);
  outbox.onDrop(ledger.dropped);
  // What this tab's sender gets acknowledged leaves the ledger at once, before the store has
  // deleted it: its keepalive request has ended, so from here only the ledger keeps it out of a
  // beacon. Once deleted, the other tabs are told to stop carrying it for theirs.
  const remove = async (ids: string[]): Promise<void> => {
    ledger.acknowledged(ids);
    await outbox.remove(ids);
    election.announce(ids);
  };
  // when this page last heard each host answer 2xx, and when it last saw any host fail
  const heardOk: Record<string, number> = {};
  let failedAt = 0;
  const answered = (host: string, startedAt: number, ok: boolean): void => {
    if (ok) heardOk[host] = Date.now();
    else failedAt = Date.now();
    const confirmed = ledger.answered(host, startedAt, ok);
    if (confirmed.length) {
      reporter.debug(`${host}: answered after a hand-off of ${confirmed.length} record(s); not sending them again`);
      remove(confirmed).catch(done);
    }
  };
  const holding = holdHandedOff({ ...outbox, remove }, ledger, () => sender.state().host);
  const health = hostHealth(token);
  const sender = createSender({ outbox: { ...outbox, ...holding }, config, reporter, ledger, clock: serverClock(token), answered, health });
  let paused = false;
  let nudging = false;
  /**
   * Where what leaves after the page goes (the unload beacon and the deferred request): a host
   * that answered recently, which this tab's sender may not have tried yet.
   */
  const unloadHost = (): string => beaconHost(apiHosts(config()), health, sender.state().host);
  // what the ledger holds, armed with fetchLater() where the browser has it: sent even if the page dies without a pagehide
  const deferred = createDeferredSend({ ledger, config, reporter, host: unloadHost, active: () => !paused });
  const run = (leader = election.isLeader()): void => {
    if (leader && !paused) sender.start();
    else sender.stop();
  };
  const flushSender = (): void => void sender.flush().catch(done);
  let election: Election;
  const elect = (): void => {
    election = electSender(token, run, config);
    election.onNudge(flushSender);
    election.onAck(ledger.acknowledged);
  };
  elect();
  // the opt-in service worker: sends what this page leaves behind once no page of the site does
  const worker = linkServiceWorker(token, config, reporter);
  /**
   * As the page hides, after the beacon: records of this page unacknowledged that no hand-off
   * carries (a hand-off to a host that answers needs no worker, and the worker, which cannot read
   * the hand-offs, would send them again), or a sender that has seen failures.
   */
  const tellWorker = (): void => {
    if (!worker || paused) return;
    if (sender.state().retried || ledger.pending().records.length) worker.hidden();
  };

  // Records of a newer schema version are in the outbox: a newer build runs in another tab (a
  // rolling deploy), and only it can send them. Step down for one lease so that its tab, waiting
  // for the lock or watching the lease, takes over; then stand again, behind it. Once per page:
  // with no newer tab open, this tab sends what it can and leaves the rest alone.
  let handedOver = false;
  let handover: ReturnType<typeof setTimeout> | undefined;
  outbox.onNewerVersion(() => {
    if (handedOver || !election.isLeader()) return;
    handedOver = true;
    reporter.debug('newer records queued: handing sending over');
    election.close();
    sender.stop();
    handover = setTimeout(elect, Math.max(1, config().sender_lease_ms));
  });

  outbox.onEnqueue(() => {
    if (election.isLeader()) sender.notify();
    else if (!nudging) {
      // from a tab that only writes: once the new records are in the store, tell the sender (one nudge per burst)
      nudging = true;
      void outbox
        .settle()
        .catch(done)
        .then(() => {
          nudging = false;
          if (!paused) election.nudge();
        });
    }
  });

  /**
   * Whether a later 2xx of `host` may not vouch for what the page hands it now. A hand-off's own answer comes
   * after the page has gone, unheard: in an outage that ends soon after, a 2xx would vouch for a hand-off that
   * got a 5xx, and it would be lost. So once this page saw a host fail, or while any page of the token knows one
   * failing or passed over, only a host this page heard answer 2xx since the latest such failure is trusted (the
   * host that recovered, or the alternate a failover moved to); what goes elsewhere is sent again instead.
   */
  const untrusted = (host: string): boolean => {
    let latest = failedAt;
    for (const state of Object.values(health.read(apiHosts(config())))) if (isPassedOver(state)) latest = Math.max(latest, state.fail || 1);
    return latest > 0 && !((heardOk[host] || 0) > latest);
  };

  const stopWatching = watchPageLifecycle(
    {
      stopSender: () => sender.stop(),
      secureOutbox: (intoCache) => outbox.secureForUnload(intoCache),
      beacon() {
        deferred?.handOver();
        if (paused) return;
        beaconUnacknowledged({
          ledger,
          config,
          reporter,
          host: unloadHost,
          untrusted,
          answered,
        });
        tellWorker();
      },
      releaseSenderLock() {
        clearTimeout(handover);
        election.close();
        // again once the lock is free: a page hidden long before it is closed told the worker while it still sent
        tellWorker();
      },
      abortStoreWork: () => outbox.abortStoreWork(),
      standForElection: elect,
      resume: () => run(),
      flush: flushSender,
    },
    (step, e) => reporter.debug(`${step} failed`, e),
  );
  const pause = (): void => {
    paused = true;
    sender.stop();
    deferred?.update();
  };

  return {
    enqueue: outbox.enqueue,
    async state() {
      const s = sender.state();
      const stats = await outbox.stats();
      return {
        ...s,
        ...stats,
        dropped: Math.max(stats.dropped, s.dropped),
        next_attempt_at: stats.queued || s.in_flight ? s.next_attempt_at : null, // paused: the sender is stopped, so null
        is_sender: election.isLeader(),
        offline: isOffline(),
      };
    },
    settle: () => outbox.settle(),
    async flush() {
      if (paused) return;
      if (election.isLeader()) return sender.flush();
      await outbox.settle();
      election.nudge();
    },
    pause,
    resume() {
      paused = false;
      run();
      deferred?.update();
    },
    purge() {
      pause();
      if (worker) worker.forget();
      sender.abort();
      ledger.clear();
      health.forget(); // not personal, but an opted-out token leaves nothing behind
      return outbox.clear();
    },
    close() {
      pause();
      clearTimeout(handover);
      election.close();
      stopWatching();
      outbox.close();
    },
  };
}
