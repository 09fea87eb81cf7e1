import type { Config } from '../config';
import { createOutbox } from '../outbox/outbox';
import { isOffline } from '../utils/env';
import type { Reporter } from '../utils/report';
import { electSender, type Election } from './leader';
import { createSender } from './sender';
import type { Pipeline } from './types';
import { installUnload } from './unload';

export interface PipelineOptions {
  token: string;
  config: () => Config;
  reporter: Reporter;
}

/**
 * Everything behind `track()` for one token: the outbox, the sender (running
 * only in the elected tab, and only while not paused), the nudges from other
 * tabs, the `online` flush and the unload beacon. Built only in a browser (the
 * client builds none under Node). `enqueue` and the controls never throw; the
 * promises may reject on a store error, for the client to report.
 */
export function createPipeline({ token, config, reporter }: PipelineOptions): Pipeline {
  const done = async () => {};
  const outbox = createOutbox({ token, config, reporter });
  // what this tab's sender gets acknowledged, the other tabs stop carrying for their unload beacon
  const remove = (ids: string[]) => outbox.remove(ids).then(() => election.announce(ids));
  const sender = createSender({ outbox: { ...outbox, remove }, config, reporter });
  let paused = false;
  let nudging = false;
  const run = (leader = election.isLeader()) => (leader && !paused ? sender.start() : sender.stop());
  const flushSender = () => void sender.flush().catch(done);
  let election: Election;
  const elect = () => {
    election = electSender(token, run, config);
    election.onNudge(flushSender);
    election.onAck(outbox.forget);
  };
  elect();

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
  window.addEventListener('online', flushSender);
  // Once the page is leaving, the unload beacon carries what is unacknowledged: a sender pass
  // already under way must not send the same records again. The lock goes too: WebKit keeps a
  // page in its back/forward cache holding it, and the next pages would never send. A page
  // restored from that cache stands for election again.
  let left = false;
  const onHide = () => {
    sender.stop();
    election.close();
    left = true;
  };
  const onShow = () => {
    if (left) ((left = false), elect());
    run();
  };
  window.addEventListener('pagehide', onHide);
  window.addEventListener('pageshow', onShow);
  const uninstallUnload = installUnload({
    outbox,
    config,
    reporter,
    host: () => sender.state().host,
    enabled: () => !paused,
    keepalive: sender.keepalive,
  });
  const pause = () => {
    paused = true;
    sender.stop();
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
    },
    purge() {
      pause();
      sender.abort();
      return outbox.clear();
    },
    close() {
      pause();
      election.close();
      uninstallUnload();
      window.removeEventListener('online', flushSender);
      window.removeEventListener('pagehide', onHide);
      window.removeEventListener('pageshow', onShow);
    },
  };
}
