import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CLOCK_SKEW_CORRECTION_MS } from '../../../src/constants';
import { createSender, type Sender } from '../../../src/delivery/sender';
import { serverClock, shiftTime, shiftTimes } from '../../../src/delivery/server-clock';
import type { Answer } from '../../../src/delivery/wire';
import { fakeOutbox, fakeTransport, ok, testConfig, testReporter, type Call } from './fakes';

const DAY_MS = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);

/** localStorage's part the clock uses, in memory. */
function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => void items.set(k, v),
  } as Storage;
}

/**
 * An ingest host whose clock is `offsetMs` ahead of the device's, with Mixpanel's rule for
 * /track (examples/collector/mixpanel-rules.mjs, from its /track reference): events more than
 * 5 days old by its clock are dropped without a word, 200 while one is kept, 400 when none is.
 * Its answers carry its clock in `Date`, as HTTP servers' do.
 */
function mixpanelHost(offsetMs: number) {
  const kept: string[] = [];
  const handler = (call: Call): Answer => {
    const serverNow = Date.now() + offsetMs;
    const date = new Date(serverNow).toUTCString();
    const fresh = call.bodies.filter((b) => (b.properties as { time: number }).time * 1000 >= serverNow - 5 * DAY_MS);
    fresh.forEach((b) => kept.push((b.properties as { $insert_id: string }).$insert_id));
    return fresh.length ? { ...ok(), date } : { status: 400, body: '{"status":0,"error":"too old"}', date };
  };
  return { kept, transport: fakeTransport(handler) };
}

let senders: Sender[] = [];

function rig(offsetMs: number, clock = serverClock()) {
  const host = mixpanelHost(offsetMs);
  const outbox = fakeOutbox();
  const sender = createSender({
    outbox,
    config: () => testConfig(),
    reporter: testReporter(),
    transport: host.transport,
    clock,
    random: () => 1,
  });
  senders.push(sender);
  /** `n` events built as the client builds them: `time` in seconds from the device clock. */
  const track = (n: number, from = 0) =>
    outbox.add(n, 'track', (i) => ({ event: 'e', properties: { token: 't', time: Date.now() / 1000, $insert_id: `id${from + i}` } }));
  return { ...host, outbox, sender, track };
}

beforeEach(() => {
  vi.useFakeTimers({ now: NOW });
});

afterEach(() => {
  senders.forEach((s) => s.stop());
  senders = [];
  vi.useRealTimers();
});

describe('shiftTime: the event time in the JSON text', () => {
  it('adds the shift to properties.time and leaves every other byte alone', () => {
    const json = '{"event":"e","properties":{"token":"t","time":1764590400.123,"$insert_id":"a"}}';
    expect(shiftTime(json, 6 * DAY_MS)).toBe(json.replace('1764590400.123', String(1764590400.123 + 6 * 86400)));
    expect(shiftTime(json, -1500)).toBe(json.replace('1764590400.123', '1764590398.623'));
  });

  it('never takes a nested object’s time, a string’s text or a property named like it for the event’s', () => {
    const json = JSON.stringify({
      event: 'say "time":1',
      properties: { order: { time: 5, list: [{ time: 6 }] }, note: '"time":7', 'time"': 8, time: 1000, after: { time: 9 } },
    });
    const out = JSON.parse(shiftTime(json, 60_000));
    expect(out).toEqual({ ...JSON.parse(json), properties: { ...JSON.parse(json).properties, time: 1060 } });
  });

  it('leaves an event without a numeric time as it is', () => {
    expect(shiftTime('{"event":"e","properties":{"token":"t"}}', 1000)).toBe('{"event":"e","properties":{"token":"t"}}');
    expect(shiftTime('{"event":"e","properties":{"time":"x"}}', 1000)).toBe('{"event":"e","properties":{"time":"x"}}');
  });

  it('copies nothing without a shift, and touches only /track records', () => {
    const records = fakeOutbox().add(1, 'engage', () => ({ $token: 't', $time: 1, $set: { time: 1 } }));
    expect(shiftTimes(records, 0)).toBe(records);
    expect(shiftTimes(records, 1000)[0]).toBe(records[0]);
  });
});

describe('serverClock: the offset from Date headers', () => {
  it('estimates at the middle of the round trip, the header’s second counted from its middle', () => {
    const clock = serverClock();
    // the host wrote 12:00:10 (somewhere in 12:00:10.000–.999) for a request that left at 12:00:00 and came back 2 s later
    clock.observe(new Date(NOW + 10_000).toUTCString(), NOW, NOW + 2000);
    expect(clock.offset()).toBe(10_000 + 500 - 1000);
  });

  it('corrects only over the threshold, and learns nothing from a slow answer or a bad header', () => {
    const clock = serverClock();
    clock.observe(new Date(NOW + CLOCK_SKEW_CORRECTION_MS - 2000).toUTCString(), NOW, NOW);
    expect(clock.offset()).not.toBe(0);
    expect(clock.correction()).toBe(0);
    clock.observe(new Date(NOW - DAY_MS).toUTCString(), NOW, NOW + CLOCK_SKEW_CORRECTION_MS + 1);
    clock.observe('not a date', NOW, NOW);
    clock.observe(null, NOW, NOW);
    expect(clock.correction()).toBe(0);
    clock.observe(new Date(NOW - DAY_MS).toUTCString(), NOW, NOW);
    expect(clock.correction()).toBe(-DAY_MS + 500);
  });

  it('keeps the latest estimate per token, and a new page starts with it', () => {
    const storage = memoryStorage();
    serverClock('persisted-a', () => storage).observe(new Date(NOW + 6 * DAY_MS).toUTCString(), NOW, NOW);
    expect(storage.getItem('mp_clock_persisted-a')).toBe(String(6 * DAY_MS + 500));
    expect(serverClock('persisted-a', () => storage).correction()).toBe(6 * DAY_MS + 500);
    expect(serverClock('persisted-b', () => storage).correction()).toBe(0);
    storage.setItem('mp_clock_persisted-c', 'garbage');
    expect(serverClock('persisted-c', () => storage).offset()).toBe(0);
    storage.setItem('mp_clock_persisted-c', 'Infinity');
    expect(serverClock('persisted-c', () => storage).offset()).toBe(0);
  });

  it('never throws when storage does', () => {
    const throwing = () => {
      throw new Error('blocked');
    };
    const clock = serverClock('blocked-storage', throwing);
    expect(() => clock.observe(new Date(NOW + DAY_MS).toUTCString(), NOW, NOW)).not.toThrow();
    expect(clock.correction()).toBe(DAY_MS + 500);
  });
});

describe('sender: a device clock days off', () => {
  it('6 days slow: every event is kept by a host with Mixpanel’s 5-day rule, and counted delivered once', async () => {
    const { kept, outbox, sender, track, transport } = rig(6 * DAY_MS);
    const stored = track(10).map((r) => r.json);
    sender.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(kept.sort()).toEqual(stored.map((_, i) => `id${i}`).sort());
    expect(sender.state()).toMatchObject({ delivered: 10, dropped: 0 });
    expect(outbox.records.size).toBe(0);
    // the first request taught the offset, its batch went again corrected; what is sent next is corrected at once
    expect(transport.calls).toHaveLength(2);
    track(5, 10);
    await sender.flush();
    expect(transport.calls).toHaveLength(3);
    expect(kept).toHaveLength(15);
    const sent = (transport.calls[2]!.bodies[0]!.properties as { time: number }).time;
    expect(Math.abs(sent * 1000 - (Date.now() + 6 * DAY_MS))).toBeLessThanOrEqual(1000); // within the header's second
  });

  it('a failing host’s answer teaches the clock but is not sent to again at once: the retry goes corrected', async () => {
    let failing = true;
    const date = () => new Date(Date.now() + 6 * DAY_MS).toUTCString();
    const transport = fakeTransport(() => (failing ? { status: 503, date: date() } : { ...ok(), date: date() }));
    const outbox = fakeOutbox();
    const sender = createSender({
      outbox,
      config: () => testConfig(),
      reporter: testReporter(),
      transport,
      clock: serverClock(),
      random: () => 1,
    });
    senders.push(sender);
    outbox.add(3, 'track', (i) => ({ event: 'e', properties: { token: 't', time: Date.now() / 1000, $insert_id: `id${i}` } }));
    sender.start();
    await vi.advanceTimersByTimeAsync(0);
    // the failed host is failed over, not asked again at once; every request after it is corrected
    expect(transport.calls[1]!.host).not.toBe(transport.calls[0]!.host);
    failing = false;
    await vi.advanceTimersByTimeAsync(60_000);
    const sent = (transport.calls.at(-1)!.bodies[0]!.properties as { time: number }).time;
    expect(sent * 1000).toBeGreaterThan(Date.now() + 5 * DAY_MS);
    expect(sender.state().delivered).toBe(3);
  });

  it('leaves the stored records’ text alone', async () => {
    const { sender, track, transport } = rig(6 * DAY_MS);
    const records = track(3);
    const before = records.map((r) => r.json);
    sender.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(records.map((r) => r.json)).toEqual(before);
    expect(transport.calls.at(-1)!.body).not.toContain(encodeURIComponent(String(JSON.parse(before[0]!).properties.time)));
  });

  it('6 days fast: events are sent with the host’s time, and not sent twice', async () => {
    const { kept, sender, track, transport } = rig(-6 * DAY_MS);
    track(4);
    sender.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(kept).toHaveLength(4);
    expect(transport.calls).toHaveLength(1);
    track(1, 4);
    await sender.flush();
    const sent = (transport.calls[1]!.bodies[0]!.properties as { time: number }).time;
    expect(Math.abs(sent * 1000 - (Date.now() - 6 * DAY_MS))).toBeLessThanOrEqual(1000);
  });

  it('a clock within the threshold is left alone: times go out as stored', async () => {
    const { sender, track, transport } = rig(30_000);
    const [record] = track(1);
    sender.start();
    await vi.advanceTimersByTimeAsync(0);
    track(1, 1);
    await sender.flush();
    expect(transport.calls).toHaveLength(2);
    expect(transport.calls[0]!.bodies[0]).toEqual(JSON.parse(record!.json));
    expect((transport.calls[1]!.bodies[0]!.properties as { time: number }).time).toBe(Date.now() / 1000);
  });

  it('a page that starts with a previous page’s estimate sends corrected times at the first request', async () => {
    const storage = memoryStorage();
    storage.setItem('mp_clock_next-page', String(6 * DAY_MS));
    const { kept, sender, track, transport } = rig(
      6 * DAY_MS,
      serverClock('next-page', () => storage),
    );
    track(10);
    sender.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(kept).toHaveLength(10);
    expect(transport.calls).toHaveLength(1);
  });
});
