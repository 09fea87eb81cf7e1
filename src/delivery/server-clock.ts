import { CLOCK_SKEW_CORRECTION_MS, STORAGE_PREFIX } from '../constants';
import type { OutboxRecord } from '../outbox/types';
import { guard } from '../utils/env';
import { storedJson } from './stored-json';

/**
 * The ingest hosts' clock as this page knows it, from the `Date` header of
 * their answers. Mixpanel judges an event's `time` by its own clock (it drops
 * `/track` events more than 5 days old), so a device clock days slow would
 * have every event dropped while the host answers 200.
 */
export interface ServerClock {
  /** Server time minus device time, in ms: 0 until a host has told (or a previous page did). */
  offset(): number;
  /** What is added to event times at send: the offset once it is over `CLOCK_SKEW_CORRECTION_MS`, else 0. */
  correction(): number;
  /**
   * Learns from an answer's `Date` header, given when the request left and
   * when its answer came (device clock). An answer that took longer than the
   * threshold, or a header that is not a date, teaches nothing.
   */
  observe(date: string | null | undefined, sentAt: number, answeredAt: number): void;
}

/**
 * The clock for `token`, starting from the latest estimate a page stored
 * under it (in `storage`, localStorage by default); without a token, one that
 * starts at 0 and is not stored (tests, or a sender built alone). Storage that
 * throws (blocked, full) leaves the estimate to this page.
 */
export function serverClock(token?: string, storage: () => Storage = () => localStorage): ServerClock {
  const stored = storedJson(STORAGE_PREFIX + 'clock_' + token, storage);
  // a stored value that is not a number of ms within the epoch's range (garbage, Infinity) counts as none
  let offset = token == null ? 0 : Number(stored.read());
  if (!(Math.abs(offset) < 1e13)) offset = 0;
  return {
    offset: () => offset,
    correction: () => (Math.abs(offset) > CLOCK_SKEW_CORRECTION_MS ? offset : 0),
    observe(date, sentAt, answeredAt) {
      const serverMs = date ? Date.parse(date) : NaN;
      const trip = answeredAt - sentAt;
      if (!(serverMs > 0) || !(trip >= 0) || trip > CLOCK_SKEW_CORRECTION_MS) return;
      // The header was written between the request's arrival and the answer's departure, so at
      // the middle of the round trip as well as the device can tell; it is truncated to the
      // second, so its middle is half a second later.
      const estimate = Math.round(serverMs + 500 - (sentAt + answeredAt) / 2);
      // within the header's resolution of the last estimate: nothing new to store
      if (Math.abs(estimate - offset) < 1000) return;
      offset = estimate;
      if (token != null) stored.write(offset);
    },
  };
}

/**
 * Records as they are sent with `shiftMs` added to each `/track` event's
 * `properties.time`; the stored records are left as they are. Nothing is
 * copied when there is nothing to add.
 */
export function shiftTimes(records: OutboxRecord[], shiftMs: number): OutboxRecord[] {
  if (!shiftMs) return records;
  return records.map((r) => {
    if (r.ep !== 'track') return r;
    const json = shiftTime(r.json, shiftMs);
    return json === r.json ? r : { ...r, json, size: json.length };
  });
}

/**
 * `json` (an event as JSON text) with `shiftMs` added to `properties.time`,
 * which is in seconds. The text was written by `JSON.stringify`, so parsing
 * and writing it again changes nothing else; an event without a numeric
 * `time` (or text that is not JSON) is left as it is.
 */
export function shiftTime(json: string, shiftMs: number): string {
  const event = guard(() => JSON.parse(json), null);
  const seconds: unknown = event && event.properties && event.properties.time;
  if (!Number.isFinite(seconds)) return json;
  event.properties.time = Math.round((seconds as number) * 1000 + shiftMs) / 1000;
  return JSON.stringify(event);
}
