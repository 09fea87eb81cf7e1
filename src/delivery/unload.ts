import type { Config, Endpoint } from '../config';
import { BEACON_BUDGET_BYTES } from '../constants';
import type { Outbox, OutboxRecord } from '../outbox/types';
import { isOffline } from '../utils/env';
import type { Reporter } from '../utils/report';
import { encodeBody, endpointUrl, FORM_TYPE } from './payload';

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
 */
export function planBeacons(
  records: readonly OutboxRecord[],
  budget: number,
  format: Config['api_payload_format'],
  maxPerChunk: number,
): BeaconChunk[] {
  const groups = new Map<Endpoint, OutboxRecord[]>();
  for (const r of records) {
    const g = groups.get(r.ep);
    if (g) g.push(r);
    else groups.set(r.ep, [r]);
  }
  const chunks: BeaconChunk[] = [];
  let room = budget;
  // 'data=%5B' + pieces joined by '%2C' + '%5D': exact for JSON, an estimate for base64 (checked below).
  const piece = (r: OutboxRecord) => encodeBody([r], 'json').length - 11;
  groups.forEach((recs, ep) => {
    let i = 0;
    while (i < recs.length && room > 11) {
      let size = 11;
      let j = i;
      while (j < recs.length && j - i < maxPerChunk) {
        const add = piece(recs[j]!) + (j > i ? 3 : 0);
        if (size + add > room) break;
        size += add;
        j++;
      }
      let chunk = recs.slice(i, Math.max(j, i + 1));
      let body = encodeBody(chunk, format);
      while (body.length > room && chunk.length > 1) {
        chunk = chunk.slice(0, chunk.length >> 1);
        body = encodeBody(chunk, format);
      }
      if (body.length <= room) {
        chunks.push({ ep, records: chunk, body });
        room -= body.length;
      }
      i += chunk.length;
    }
  });
  return chunks;
}

export interface UnloadOptions {
  outbox: Pick<Outbox, 'unacknowledged'>;
  config: () => Config;
  reporter: Reporter;
  /** The host requests go to now. */
  host: () => string;
  /** Records already in a keepalive request, and its bytes (they count against the same browser budget). */
  keepalive: () => { ids: ReadonlySet<string>; bytes: number };
  /** False while paused or opted out. */
  enabled: () => boolean;
}

/**
 * On `pagehide` or `visibilitychange` to hidden, send what this page
 * enqueued and no host has acknowledged, by `sendBeacon` (else `fetch`
 * keepalive), within the browser's 64 KiB budget, once per hide. The
 * records stay in the outbox: a later acknowledged send repeats them and the
 * server dedupes by `$insert_id`. Returns the function that removes the
 * listeners.
 */
export function installUnload(options: UnloadOptions): () => void {
  if (typeof window === 'undefined' || typeof document === 'undefined') return () => undefined;
  let sent = false;
  const hide = () => {
    if (sent) return;
    sent = true;
    try {
      beaconUnacknowledged(options);
    } catch (e) {
      options.reporter.debug('unload beacon failed', e);
    }
  };
  const onVisibility = () => {
    if (document.visibilityState === 'hidden') hide();
    else sent = false;
  };
  const onShow = () => {
    sent = false;
  };
  window.addEventListener('pagehide', hide);
  window.addEventListener('pageshow', onShow);
  document.addEventListener('visibilitychange', onVisibility);
  return () => {
    window.removeEventListener('pagehide', hide);
    window.removeEventListener('pageshow', onShow);
    document.removeEventListener('visibilitychange', onVisibility);
  };
}

/** Beacon the unacknowledged records now; returns how many were handed to the browser. */
export function beaconUnacknowledged(options: UnloadOptions): number {
  const cfg = options.config();
  if (!cfg.unload_beacon || !options.enabled() || isOffline()) return 0;
  const inFlight = options.keepalive();
  const records = options.outbox.unacknowledged().filter((r) => !inFlight.ids.has(r.id));
  if (!records.length) return 0;
  const plan = planBeacons(records, BEACON_BUDGET_BYTES - inFlight.bytes, cfg.api_payload_format, Math.max(1, cfg.batch_size));
  const host = options.host();
  let count = 0;
  for (const c of plan) {
    if (!post(endpointUrl(host, cfg.api_routes[c.ep] || c.ep + '/'), c.body)) break; // budget refused: the rest waits in the outbox
    count += c.records.length;
  }
  options.reporter.debug(`pagehide: beaconed ${count} of ${records.length} unacknowledged record(s) to ${host}`);
  return count;
}

/** `sendBeacon` with a form body (CORS-safelisted: no preflight), else a keepalive `fetch`. */
function post(url: string, body: string): boolean {
  try {
    if (typeof navigator !== 'undefined' && typeof navigator.sendBeacon === 'function') {
      return navigator.sendBeacon(url, new Blob([body], { type: FORM_TYPE }));
    }
    if (typeof fetch === 'function') {
      fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': FORM_TYPE },
        body,
        keepalive: true,
        credentials: 'omit',
      }).catch(() => undefined);
      return true;
    }
  } catch {
    /* refused synchronously (over budget) */
  }
  return false;
}
