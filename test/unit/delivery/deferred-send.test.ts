// The deferred request kept armed with fetchLater(): what it carries, when it is replaced, and
// that it stays within the origin's quota. fetchLater is faked with the quota rule Chromium
// applies (URL, headers and body of the live requests for one origin under 64 KiB).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Config } from '../../../src/config';
import { DEFERRED_SEND_DELAY_MS } from '../../../src/constants';
import type { Ledger } from '../../../src/delivery/ledger';
import { createDeferredSend, type DeferredSend } from '../../../src/delivery/deferred-send';
import { encodeBody, endpointUrl, FORM_TYPE } from '../../../src/delivery/wire';
import { decodeBody, fakeOutbox, testConfig, testReporter, type FakeOutbox, type TestReporter, testLedger } from './fakes';

/** What Chromium allows per origin: every live deferred request's URL, headers and body together, under 64 KiB. */
const CHROMIUM_QUOTA = 64 * 1024;

interface Deferred {
  url: string;
  init: RequestInit;
  bytes: number;
}

/** A fake `fetchLater` with Chromium's per-origin quota; `othersBytes` stands for other scripts' deferred requests to the same origin. */
function fakeFetchLater(othersBytes = 0) {
  const calls: Deferred[] = [];
  const live = () => calls.filter((c) => !c.init.signal?.aborted);
  const fn = vi.fn((url: string, init: RequestInit) => {
    const headers = Object.entries((init.headers ?? {}) as Record<string, string>).reduce((n, [k, v]) => n + k.length + v.length, 0);
    const bytes = url.length + headers + String(init.body).length;
    const origin = new URL(url).origin;
    const used = live()
      .filter((c) => new URL(c.url).origin === origin)
      .reduce((n, c) => n + c.bytes, othersBytes);
    if (used + bytes >= CHROMIUM_QUOTA) throw new DOMException('fetchLater exceeds its quota for the origin', 'QuotaExceededError');
    calls.push({ url, init, bytes });
    return { activated: false };
  });
  vi.stubGlobal('fetchLater', fn);
  /** The records (as their `i` property) each live request carries. */
  const carried = () => live().map((c) => decodeBody(String(c.init.body)).map((e) => (e.properties as { i: number }).i));
  return { fn, calls, live, carried };
}

interface Setup {
  outbox: FakeOutbox;
  ledger: Ledger;
  deferred: DeferredSend;
  reporter: TestReporter;
  state: { active: boolean; config: Config };
}

/** An outbox feeding a ledger as the pipeline wires them, and the deferred send on that ledger. */
function setup(over: Partial<Config> = {}): Setup {
  const outbox = fakeOutbox();
  const ledger = testLedger();
  outbox.onEnqueue(ledger.enqueued);
  outbox.onDrop(ledger.dropped);
  const reporter = testReporter();
  const state = { active: true, config: testConfig(over) };
  const deferred = createDeferredSend({
    ledger,
    config: () => state.config,
    reporter,
    host: () => 'https://b.test',
    active: () => state.active,
  });
  if (!deferred) throw new Error('fetchLater was not faked');
  return { outbox, ledger, deferred, reporter, state };
}

const numbered =
  (pad = 0) =>
  (i: number) => ({ event: 'e', properties: { i, pad: 'x'.repeat(pad) } });
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('deferred send: without fetchLater', () => {
  it('is not built, and never listens to the ledger', () => {
    const ledger = testLedger();
    const onChange = vi.spyOn(ledger, 'onChange');
    const built = createDeferredSend({
      ledger,
      config: () => testConfig(),
      reporter: testReporter(),
      host: () => 'https://b.test',
      active: () => true,
    });
    expect(built).toBeUndefined();
    expect(onChange).not.toHaveBeenCalled();
  });
});

describe('deferred send: arming', () => {
  it('arms once per burst, DEFERRED_SEND_DELAY_MS after its first record, in the beacon wire format', () => {
    const later = fakeFetchLater();
    const { outbox } = setup({ batch_size: 50 });
    outbox.add(20, 'track', numbered());
    expect(later.fn).not.toHaveBeenCalled(); // track() itself never encodes
    vi.advanceTimersByTime(DEFERRED_SEND_DELAY_MS - 1);
    outbox.add(5, 'track', (i) => numbered()(20 + i)); // a later call in the window rides along, it does not push the arm back
    expect(later.fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(later.fn).toHaveBeenCalledTimes(1);
    const [{ url, init }] = later.calls as [Deferred];
    expect(url.replace(/_=\d+/, '')).toBe(endpointUrl('https://b.test', testConfig(), 'track', 0).replace(/_=\d+/, ''));
    expect(init).toMatchObject({ method: 'POST', credentials: 'omit', headers: { 'Content-Type': FORM_TYPE } });
    expect(init.body).toBe(encodeBody([...outbox.records.values()], 'json'));
    expect(later.carried()).toEqual([range(0, 25)]);
  });

  it('replaces the armed request when records are added: the old one is aborted, the new one carries all', () => {
    const later = fakeFetchLater();
    const { outbox } = setup({ batch_size: 50 });
    outbox.add(10, 'track', numbered());
    vi.advanceTimersByTime(DEFERRED_SEND_DELAY_MS);
    const first = later.calls[0]!;
    outbox.add(5, 'track', (i) => numbered()(10 + i));
    expect(first.init.signal!.aborted).toBe(false); // a record joining keeps the armed one until the re-arm
    vi.advanceTimersByTime(DEFERRED_SEND_DELAY_MS);
    expect(first.init.signal!.aborted).toBe(true);
    expect(later.carried()).toEqual([range(0, 15)]);
  });

  it('one request per endpoint and at most batch_size records each, as the beacon cuts them', () => {
    const later = fakeFetchLater();
    const { outbox } = setup({ batch_size: 10 });
    outbox.add(15, 'track', numbered());
    outbox.add(2, 'engage', (i) => numbered()(100 + i));
    vi.advanceTimersByTime(DEFERRED_SEND_DELAY_MS);
    expect(later.live().map((c) => new URL(c.url).pathname)).toEqual(['/track/', '/track/', '/engage/']);
    expect(later.carried()).toEqual([range(0, 10), range(10, 15), [100, 101]]);
  });
});

describe('deferred send: what leaves the ledger leaves the armed request at once', () => {
  it('an acknowledgement aborts the armed request in the same task; the rest is armed again after the delay', () => {
    const later = fakeFetchLater();
    const { outbox, ledger } = setup({ batch_size: 50 });
    const records = outbox.add(20, 'track', numbered());
    vi.advanceTimersByTime(DEFERRED_SEND_DELAY_MS);
    ledger.acknowledged(records.slice(0, 10).map((r) => r.id));
    expect(later.live()).toEqual([]); // a renderer killed now sends none of the acknowledged ones again
    vi.advanceTimersByTime(DEFERRED_SEND_DELAY_MS);
    expect(later.carried()).toEqual([range(10, 20)]);

    ledger.acknowledged(records.slice(10).map((r) => r.id));
    vi.advanceTimersByTime(DEFERRED_SEND_DELAY_MS);
    expect(later.live()).toEqual([]); // nothing left: nothing armed
    expect(later.fn).toHaveBeenCalledTimes(2);
  });

  it('a drop aborts it too', () => {
    const later = fakeFetchLater();
    const { outbox } = setup({ batch_size: 50 });
    const records = outbox.add(3, 'track', numbered());
    vi.advanceTimersByTime(DEFERRED_SEND_DELAY_MS);
    void outbox.drop([records[1]!], 'cap');
    expect(later.live()).toEqual([]);
    vi.advanceTimersByTime(DEFERRED_SEND_DELAY_MS);
    expect(later.carried()).toEqual([[0, 2]]);
  });

  it('records in a keepalive request are left out while it may be on its way, and armed again once it failed', () => {
    const later = fakeFetchLater();
    const { outbox, ledger } = setup({ batch_size: 50 });
    const records = outbox.add(10, 'track', numbered());
    vi.advanceTimersByTime(DEFERRED_SEND_DELAY_MS);
    const ended = ledger.keepaliveStarted(
      records.slice(0, 6).map((r) => r.id),
      600,
    );
    expect(later.live()).toEqual([]); // the browser sends a keepalive request even if the page dies: not twice
    vi.advanceTimersByTime(DEFERRED_SEND_DELAY_MS);
    expect(later.carried()).toEqual([range(6, 10)]);
    ended(true); // answered with a failure: the records are pending again
    vi.advanceTimersByTime(DEFERRED_SEND_DELAY_MS);
    expect(later.carried()).toEqual([range(0, 10)]);
  });
});

describe('deferred send: quota', () => {
  it('a backlog over the quota: oldest first, URLs, headers and bodies within 64 KiB, nothing thrown', () => {
    const later = fakeFetchLater();
    const { outbox, reporter } = setup({ batch_size: 50 });
    outbox.add(200, 'track', numbered(1_000));
    expect(() => vi.advanceTimersByTime(DEFERRED_SEND_DELAY_MS)).not.toThrow();
    const carried = later.carried().flat();
    expect(carried).toEqual(range(0, carried.length));
    expect(carried.length).toBeGreaterThan(40); // nearly the whole quota is used
    expect(later.live().reduce((n, c) => n + c.bytes, 0)).toBeLessThan(CHROMIUM_QUOTA);
    expect(reporter.lines.filter((l) => l.includes('fetchLater'))).toEqual([]);
  });

  it('other scripts hold part of the origin quota: the oldest chunks that fit stay armed, the refusal is not thrown', () => {
    const later = fakeFetchLater(40 * 1024);
    const { outbox, reporter } = setup({ batch_size: 10 });
    outbox.add(60, 'track', numbered(1_000));
    expect(() => vi.advanceTimersByTime(DEFERRED_SEND_DELAY_MS)).not.toThrow();
    const carried = later.carried();
    expect(carried.length).toBeGreaterThan(0);
    expect(carried.flat()).toEqual(range(0, carried.flat().length));
    expect(carried.flat().length).toBeLessThan(30);
    expect(reporter.lines.some((l) => l.includes('fetchLater refused') && l.includes('QuotaExceededError'))).toBe(true);
  });

  it('a fetchLater that throws something else (a document no longer fully active): nothing thrown, nothing armed', () => {
    vi.stubGlobal(
      'fetchLater',
      vi.fn(() => {
        throw new TypeError('The document is not fully active');
      }),
    );
    const { outbox, reporter } = setup();
    outbox.add(3, 'track', numbered());
    expect(() => vi.advanceTimersByTime(DEFERRED_SEND_DELAY_MS)).not.toThrow();
    expect(reporter.lines.some((l) => l.includes('fetchLater refused'))).toBe(true);
  });
});

describe('deferred send: the unload beacon, pauses and the unload_beacon option', () => {
  it('handOver aborts it, and the records the beacon was given are never armed again; later ones are', () => {
    const later = fakeFetchLater();
    const { outbox, deferred } = setup({ batch_size: 50 });
    outbox.add(10, 'track', numbered());
    vi.advanceTimersByTime(DEFERRED_SEND_DELAY_MS);
    deferred.handOver();
    expect(later.live()).toEqual([]);
    vi.advanceTimersByTime(DEFERRED_SEND_DELAY_MS * 10);
    expect(later.live()).toEqual([]);
    outbox.add(3, 'track', (i) => numbered()(10 + i)); // tracked while hidden, after the beacon
    vi.advanceTimersByTime(DEFERRED_SEND_DELAY_MS);
    expect(later.carried()).toEqual([[10, 11, 12]]);
  });

  it('paused: update() aborts it and nothing is armed; resumed: armed again', () => {
    const later = fakeFetchLater();
    const { outbox, deferred, state } = setup();
    outbox.add(3, 'track', numbered());
    vi.advanceTimersByTime(DEFERRED_SEND_DELAY_MS);
    state.active = false;
    deferred.update();
    expect(later.live()).toEqual([]);
    outbox.add(1, 'track', (i) => numbered()(3 + i));
    vi.advanceTimersByTime(DEFERRED_SEND_DELAY_MS);
    expect(later.live()).toEqual([]);
    state.active = true;
    deferred.update();
    vi.advanceTimersByTime(DEFERRED_SEND_DELAY_MS);
    expect(later.carried()).toEqual([[0, 1, 2, 3]]);
  });

  it('unload_beacon: false arms nothing', () => {
    const later = fakeFetchLater();
    const { outbox } = setup({ unload_beacon: false });
    outbox.add(3, 'track', numbered());
    vi.advanceTimersByTime(DEFERRED_SEND_DELAY_MS);
    expect(later.fn).not.toHaveBeenCalled();
  });

  it('opt-out (the ledger cleared) aborts it at once', () => {
    const later = fakeFetchLater();
    const { outbox, ledger } = setup();
    outbox.add(3, 'track', numbered());
    vi.advanceTimersByTime(DEFERRED_SEND_DELAY_MS);
    ledger.clear();
    expect(later.live()).toEqual([]);
    vi.advanceTimersByTime(DEFERRED_SEND_DELAY_MS);
    expect(later.live()).toEqual([]);
  });
});
