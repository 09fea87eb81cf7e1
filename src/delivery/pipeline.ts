import type { Config } from '../config';
import { createOutbox } from '../outbox/outbox';
import type { Outbox } from '../outbox/types';
import { isBrowser, isOffline } from '../utils/env';
import type { Reporter } from '../utils/report';
import { electSender, type Election } from './leader';
import { createSender, type Sender } from './sender';
import type { DeliveryState, Pipeline } from './types';
import { installUnload } from './unload';

export interface PipelineOptions {
  token: string;
  config: () => Config;
  reporter: Reporter;
}

/**
 * Everything behind `track()` for one token: the outbox, the sender (running
 * only in the elected tab, and only while not paused), the nudges from other
 * tabs, the `online` flush and the unload beacon. Under Node, or if any part
 * cannot be built, the pipeline is inert and never throws.
 */
export function createPipeline(options: PipelineOptions): Pipeline {
  if (!isBrowser()) return inertPipeline();
  try {
    return livePipeline(options);
  } catch (e) {
    options.reporter.debug('delivery unavailable', e);
    return inertPipeline();
  }
}

function livePipeline({ token, config, reporter }: PipelineOptions): Pipeline {
  const outbox: Outbox = createOutbox({ token, config, reporter });
  const sender: Sender = createSender({ outbox, config, reporter });
  let paused = false;
  let nudging = false;

  const follow = (leader: boolean) => {
    reporter.debug(leader ? 'this tab now sends' : 'another tab sends');
    if (leader && !paused) sender.start();
    else sender.stop();
  };
  const election: Election = electSender(token, follow, config);
  election.onNudge(() => void sender.flush().catch(() => undefined));

  /** From a tab that only writes: once the new records are in the store, tell the sender (one nudge per burst). */
  const nudgeSoon = () => {
    if (nudging) return;
    nudging = true;
    outbox
      .settle()
      .catch(() => undefined)
      .then(() => {
        nudging = false;
        if (!paused) election.nudge();
      });
  };
  outbox.onEnqueue(() => {
    if (election.isLeader()) sender.notify();
    else nudgeSoon();
  });

  const onOnline = () => {
    reporter.debug('online: flushing');
    void sender.flush().catch(() => undefined);
  };
  window.addEventListener('online', onOnline);
  const uninstallUnload = installUnload({
    outbox,
    config,
    reporter,
    host: () => sender.state().host,
    keepalive: () => sender.keepalive(),
    enabled: () => !paused,
  });

  return {
    enqueue(ep, body) {
      try {
        outbox.enqueue(ep, body);
      } catch (e) {
        reporter.debug('enqueue failed', e);
      }
    },
    async state(): Promise<DeliveryState> {
      const s = sender.state();
      let stats = { queued: 0, bytes: 0, store: 'memory' as DeliveryState['store'], dropped: s.dropped };
      try {
        stats = await outbox.stats();
      } catch {
        /* report what the sender knows */
      }
      const idle = stats.queued === 0 && s.in_flight === 0;
      return {
        queued: stats.queued,
        bytes: stats.bytes,
        store: stats.store,
        in_flight: s.in_flight,
        delivered: s.delivered,
        retried: s.retried,
        dropped: Math.max(stats.dropped, s.dropped),
        host: s.host,
        next_attempt_at: idle || paused ? null : s.next_attempt_at,
        is_sender: election.isLeader(),
        offline: isOffline(),
      };
    },
    settle: () => outbox.settle().catch(() => undefined),
    async flush() {
      if (paused) return;
      try {
        if (election.isLeader()) await sender.flush();
        else {
          await outbox.settle();
          election.nudge();
        }
      } catch (e) {
        reporter.debug('flush failed', e);
      }
    },
    pause() {
      paused = true;
      sender.stop();
    },
    resume() {
      paused = false;
      if (election.isLeader()) sender.start();
    },
    async purge() {
      paused = true;
      sender.stop();
      sender.abort();
      try {
        await outbox.clear();
      } catch (e) {
        reporter.debug('purge failed', e);
      }
    },
    close() {
      paused = true;
      sender.stop();
      election.close();
      uninstallUnload();
      window.removeEventListener('online', onOnline);
    },
  };
}

/** A pipeline that does nothing: for Node (SSR) and for browsers where nothing could be built. */
function inertPipeline(): Pipeline {
  const nothing = async () => undefined;
  return {
    enqueue: () => undefined,
    state: async () => ({
      queued: 0,
      bytes: 0,
      store: 'memory',
      in_flight: 0,
      delivered: 0,
      retried: 0,
      dropped: 0,
      host: '',
      next_attempt_at: null,
      is_sender: false,
      offline: false,
    }),
    settle: nothing,
    flush: nothing,
    pause: () => undefined,
    resume: () => undefined,
    purge: nothing,
    close: () => undefined,
  };
}
