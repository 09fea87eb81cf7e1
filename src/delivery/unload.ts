import type { Config, Endpoint } from '../config';
import { BEACON_BUDGET_BYTES } from '../constants';
import type { Outbox, OutboxRecord } from '../outbox/types';
import { isOffline } from '../utils/env';
import type { Reporter } from '../utils/report';
import { encodeBody, endpointUrl, FORM_TYPE } from './wire';

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
    const recs = records.filter((r) => r.ep == ep);
    for (let i = 0; i < recs.length;) {
      // 'data=%5B' + pieces, each with its '%2C' (or the closing '%5D')
      let j = i;
      for (let size = 8; j < recs.length && j - i < maxPerChunk && (size += encodeBody([recs[j]!], 'json').length - 8) <= budget;) j++;
      let chunk = recs.slice(i, Math.max(j, i + 1));
      let body = encodeBody(chunk, format);
      while (body.length > budget && chunk.length > 1) body = encodeBody((chunk = chunk.slice(0, -1)), format);
      if (body.length <= budget) {
        chunks.push({ ep, records: chunk, body });
        budget -= body.length;
      }
      i += chunk.length;
    }
  }
  return chunks;
}

export interface UnloadOptions {
  outbox: Pick<Outbox, 'unacknowledged'>;
  config: () => Config;
  reporter: Reporter;
  /** The host requests go to now. */
  host: () => string;
  /** False while paused or opted out. */
  enabled: () => boolean;
  /** Records already in a keepalive request (it outlives the page), and its bytes (they count against the same browser budget). */
  keepalive?: () => { ids: ReadonlySet<string>; bytes: number };
}

/**
 * On `pagehide` or `visibilitychange` to hidden, once per hide, beacon what
 * this page enqueued and no host has acknowledged. Returns the function that
 * removes the listeners.
 */
export function installUnload(o: UnloadOptions): () => void {
  let sent = false;
  const hide = () => {
    if (!sent) {
      sent = true;
      try {
        beaconUnacknowledged(o);
      } catch (e) {
        o.reporter.debug('beacon failed', e);
      }
    }
  };
  const onVisibility = () => (document.visibilityState == 'hidden' ? hide() : (sent = false));
  const onShow = () => (sent = false);
  const listen = (f: 'addEventListener' | 'removeEventListener') => {
    window[f]('pagehide', hide);
    window[f]('pageshow', onShow);
    document[f]('visibilitychange', onVisibility);
  };
  listen('addEventListener');
  return () => listen('removeEventListener');
}

/**
 * Send the unacknowledged records now by `sendBeacon` (form bodies are
 * CORS-safelisted: no preflight), within the browser's 64 KiB budget; stop at
 * the first beacon the browser refuses. The records stay in the outbox: a
 * later acknowledged send repeats them and the server dedupes by
 * `$insert_id`. Returns how many were handed to the browser.
 */
export function beaconUnacknowledged(o: UnloadOptions): number {
  const cfg = o.config();
  if (!cfg.unload_beacon || !o.enabled() || isOffline()) return 0;
  const kept = o.keepalive ? o.keepalive() : { ids: new Set<string>(), bytes: 0 };
  const records = o.outbox.unacknowledged().filter((r) => !kept.ids.has(r.id));
  let count = 0;
  for (const c of planBeacons(records, BEACON_BUDGET_BYTES - kept.bytes, cfg.api_payload_format, Math.max(1, cfg.batch_size))) {
    if (!navigator.sendBeacon(endpointUrl(o.host(), cfg, c.ep), new Blob([c.body], { type: FORM_TYPE }))) break;
    count += c.records.length;
  }
  o.reporter.debug(`pagehide: beaconed ${count} of ${records.length} record(s)`);
  return count;
}
