import type { Config, Endpoint } from '../config';
import { BEACON_BUDGET_BYTES } from '../constants';
import type { OutboxRecord } from '../outbox/types';
import { isOffline } from '../utils/env';
import type { Reporter } from '../utils/report';
import type { Ledger } from './ledger';
import { classify } from './retry-policy';
import { encodeBody, endpointUrl, fetchTransport, FORM_TYPE } from './wire';

/** One beacon: records of one endpoint and their encoded body. */
export interface BeaconChunk {
  ep: Endpoint;
  records: OutboxRecord[];
  body: string;
}

/**
 * Cut `records` into bodies per endpoint, at most `maxPerChunk` records
 * each, whose sizes add up to at most `budget` bytes. Records are taken
 * oldest first; one that no longer fits is skipped (it stays in the outbox).
 * A chunk is sized from each record's own encoding (exact for JSON, an
 * estimate for base64), then checked encoded.
 */
export function planBeacons(
  records: OutboxRecord[],
  budget: number,
  format: Config['api_payload_format'],
  maxPerChunk: number,
): BeaconChunk[] {
  const chunks: BeaconChunk[] = [];
  for (const ep of ['track', 'engage', 'groups'] as const) {
    const recs = records.filter((r) => r.ep === ep);
    for (let i = 0; i < recs.length;) {
      // 'data=%5B' + pieces, each with its '%2C' (or the closing '%5D'): a record alone encodes
      // as 'data=%5B' + piece + '%5D', so its piece is that length less 8
      let j = i;
      let size = 8;
      while (j < recs.length && j - i < maxPerChunk) {
        size += encodeBody([recs[j]!], 'json').length - 8;
        if (size > budget) break;
        j++;
      }
      let chunk = recs.slice(i, Math.max(j, i + 1));
      let body = encodeBody(chunk, format);
      while (body.length > budget && chunk.length > 1) {
        chunk = chunk.slice(0, -1);
        body = encodeBody(chunk, format);
      }
      if (body.length <= budget) {
        chunks.push({ ep, records: chunk, body });
        budget -= body.length;
      }
      i += chunk.length;
    }
  }
  return chunks;
}

export interface BeaconOptions {
  /** What is pending, and where what is handed to the browser is recorded, so that no later sender sends it again. */
  ledger: Pick<Ledger, 'pending' | 'handedOff'>;
  config: () => Config;
  reporter: Reporter;
  /** The host requests go to now. */
  host: () => string;
  /** Whether a later 2xx of `host` may not vouch for what goes to it now: that is not recorded as handed off. */
  untrusted?: (host: string) => boolean;
  /** A beacon's answer, read when the page lives on (a tab switch): `ok` for a 2xx, false for a host failure. */
  answered?: (host: string, startedAt: number, ok: boolean) => void;
}

/** Whether this browser's `fetch` takes `keepalive` (a request that outlives the page); `sendBeacon` is the fallback. */
const fetchKeepsAlive = (): boolean => {
  try {
    return typeof fetch === 'function' && 'keepalive' in new Request('data:,');
  } catch {
    return false;
  }
};

/**
 * Hands one body to the browser to send after the page is gone: a `keepalive`
 * fetch without credentials where the browser has one, else `sendBeacon`,
 * which always sends the site's cookies (HttpOnly session cookies included)
 * to a same-site proxy. Form bodies are CORS-safelisted: no preflight either
 * way. Returns false when the browser refused it.
 */
function sendAfterUnload(url: string, body: string, answered: (status: number) => void): boolean {
  if (fetchKeepsAlive()) {
    // No answer (status 0): after a navigation nobody is left to read it, and the browser may have
    // failed only the page's side of a request it still sends, so it says nothing either way.
    void fetchTransport(url, body, undefined, true).then((answer) => answered(answer.status));
    return true;
  }
  return navigator.sendBeacon(url, new Blob([body], { type: FORM_TYPE }));
}

/**
 * Send what the ledger holds unacknowledged, minus what is in keepalive
 * requests (they outlive the page) and what an earlier hide handed off,
 * within the browser's 64 KiB budget for such requests less those requests'
 * bytes; stop at the first body the browser refuses. The records stay in the
 * outbox, recorded in the hand-off ledger with those of the keepalive
 * requests (unless their host is `untrusted`), so that no later
 * sender sends them again while they may have arrived. Returns how many were
 * handed to the browser. The caller decides when (the page lifecycle) and
 * whether (not while paused).
 */
export function beaconUnacknowledged(o: BeaconOptions): number {
  const cfg = o.config();
  if (!cfg.unload_beacon || isOffline()) return 0;
  const pending = o.ledger.pending();
  const host = o.host();
  const at = Date.now();
  // a 2xx, or a host failure as the sender counts one; a refusal says nothing of the hand-offs
  const answered = (status: number): void => {
    const verdict = classify(status);
    if (status && (verdict === 'ok' || verdict === 'retry')) o.answered?.(host, at, verdict === 'ok');
  };
  const ids: string[] = [];
  for (const c of planBeacons(
    pending.records,
    BEACON_BUDGET_BYTES - pending.keepaliveBytes,
    cfg.api_payload_format,
    Math.max(1, cfg.batch_size),
  )) {
    if (!sendAfterUnload(endpointUrl(host, cfg, c.ep), c.body, answered)) break;
    ids.push(...c.records.map((r) => r.id));
  }
  o.ledger.handedOff(ids, host, at, o.untrusted);
  o.reporter.debug(`hide: beaconed ${ids.length} of ${pending.records.length} record(s)`);
  return ids.length;
}
