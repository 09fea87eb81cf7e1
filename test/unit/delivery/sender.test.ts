import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Config } from '../../../src/config';
import { KEEPALIVE_UNKNOWN_MS } from '../../../src/constants';
import type { Ledger } from '../../../src/delivery/ledger';
import { createSender, type Sender } from '../../../src/delivery/sender';
import type { Answer } from '../../../src/delivery/wire';
import {
  answer,
  bodyOf,
  fakeOutbox,
  fakeTransport,
  ok,
  settleMicrotasks,
  testConfig,
  testReporter,
  type Call,
  type FakeOutbox,
  type FakeTransport,
  type TestReporter,
  testLedger,
} from './fakes';

let senders: Sender[] = [];

interface Rig {
  outbox: FakeOutbox;
  transport: FakeTransport;
  sender: Sender;
  reporter: TestReporter;
  cfg: Config;
  ledger: Ledger;
  setOnline(v: boolean): void;
}

/** Ids of the records the ledger was told about that it leaves out of the beacon: those in keepalive requests. */
function inKeepalive(outbox: FakeOutbox, ledger: Ledger): string[] {
  const pending = new Set(ledger.pending().records.map((r) => r.id));
  return [...outbox.records.keys()].filter((id) => !pending.has(id));
}

function rig(handler: (call: Call, signal: AbortSignal) => Answer | Promise<Answer>, over: Partial<Config> = {}): Rig {
  const reporter = testReporter();
  const outbox = fakeOutbox(reporter);
  const transport = fakeTransport(handler);
  const cfg = testConfig({ debug: true, ...over });
  let online = true;
  const ledger = testLedger();
  const sender = createSender({ outbox, config: () => cfg, reporter, transport, online: () => online, random: () => 1, ledger });
  outbox.onEnqueue(ledger.enqueued);
  outbox.onEnqueue(() => sender.notify());
  senders.push(sender);
  return { outbox, transport, sender, reporter, cfg, ledger, setOnline: (v) => (online = v) };
}

const delivered = (t: FakeTransport, from = 0) =>
  t.calls.slice(from).flatMap((c) => c.bodies.map((b) => (b.properties as { i: number }).i));

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});

afterEach(() => {
  senders.forEach((s) => s.stop());
  senders = [];
  vi.useRealTimers();
});

describe('sender: batching and acknowledgement', () => {
  it('sends records of one endpoint per request, on the wire format', async () => {
    const { outbox, transport, sender } = rig(ok);
    outbox.add(3, 'track');
    outbox.add(2, 'engage');
    sender.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(transport.calls.map((c) => [c.route, c.bodies.length])).toEqual([
      ['/track/', 3],
      ['/engage/', 2],
    ]);
    const url = new URL(transport.calls[0]!.url);
    expect(url.searchParams.get('verbose')).toBe('1');
    expect(url.searchParams.get('ip')).toBe('1');
    expect(url.searchParams.get('_')).toBe(String(Date.now()));
    expect(outbox.records.size).toBe(0);
  });

  it('removes records only once a host has acknowledged them', async () => {
    let release!: (r: Answer) => void;
    const { outbox, sender } = rig(() => new Promise((r) => (release = r)));
    outbox.add(5);
    sender.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(outbox.records.size).toBe(5);
    expect(sender.state().in_flight).toBe(5);
    release(ok());
    await vi.advanceTimersByTimeAsync(0);
    expect(outbox.records.size).toBe(0);
    expect(sender.state()).toMatchObject({ in_flight: 0, delivered: 5 });
  });

  it('flushes at once when a full batch waits, otherwise on the flush interval', async () => {
    const { outbox, transport, sender } = rig(ok);
    sender.start();
    await vi.advanceTimersByTimeAsync(0);
    outbox.add(3);
    await vi.advanceTimersByTimeAsync(999);
    expect(transport.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(transport.calls).toHaveLength(1);
    outbox.add(10);
    await vi.advanceTimersByTimeAsync(0);
    expect(transport.calls).toHaveLength(2);
    expect(transport.calls[1]!.bodies).toHaveLength(10);
  });

  it('keeps at most max_in_flight requests and never sends a record twice', async () => {
    const pending: Array<() => void> = [];
    const { outbox, transport, sender } = rig(() => new Promise((r) => pending.push(() => r(ok()))), {
      max_in_flight: 2,
    });
    outbox.add(100);
    sender.start();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(transport.calls).toHaveLength(2);
    while (pending.length) {
      pending.shift()!();
      await vi.advanceTimersByTimeAsync(0);
    }
    const sent = delivered(transport);
    expect(sent).toHaveLength(100);
    expect(new Set(sent).size).toBe(100);
    expect(outbox.records.size).toBe(0);
  });

  it('keeps a single timer at a time', async () => {
    const { outbox, sender } = rig(() => answer(503));
    sender.start();
    for (let i = 0; i < 20; i++) {
      outbox.add(3);
      await vi.advanceTimersByTimeAsync(137);
      expect(vi.getTimerCount()).toBeLessThanOrEqual(1);
    }
  });
});

describe('sender: keepalive', () => {
  it('sends with keepalive while the bodies in flight fit the budget, and records those requests in the beacon ledger', async () => {
    const outbox = fakeOutbox();
    const ledger = testLedger();
    outbox.onEnqueue(ledger.enqueued);
    const keeps: boolean[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const transport = async (_url: string, _body: string, _signal: AbortSignal, keep?: boolean): Promise<Answer> => {
      keeps.push(!!keep);
      await gate;
      return ok();
    };
    const cfg = testConfig({ batch_size: 10, max_in_flight: 2 });
    const sender = createSender({ outbox, config: () => cfg, reporter: testReporter(), transport, random: () => 1, ledger });
    senders.push(sender);
    // two batches of about 40 KB each: only the first fits the keepalive budget
    const batches = [outbox.add(10, 'track', () => ({ event: 'e', properties: { pad: 'x'.repeat(4_000) } }))];
    batches.push(outbox.add(10, 'track', () => ({ event: 'e', properties: { pad: 'y'.repeat(4_000) } })));
    sender.start();
    await settleMicrotasks(50);
    expect(keeps).toEqual([true, false]);
    expect(inKeepalive(outbox, ledger)).toEqual(batches[0]!.map((r) => r.id));
    expect(ledger.keepaliveBytes()).toBeGreaterThan(40_000);
    release();
    await sender.flush();
    expect(ledger.keepaliveBytes()).toBe(0);
    expect(ledger.pending().records).toHaveLength(20); // acknowledgements reach the ledger through the pipeline, not the sender
    expect(outbox.records.size).toBe(0);
  });

  it('keeps listing the records of a keepalive request that failed without an answer for KEEPALIVE_UNKNOWN_MS, not of one it timed out', async () => {
    // Chromium fails the page's side of a keepalive request as a navigation commits, yet sends it
    const { outbox, sender, ledger } = rig(() => answer(0));
    const failed = outbox.add(3, 'track');
    sender.start();
    await settleMicrotasks(50);
    sender.stop();
    expect(inKeepalive(outbox, ledger)).toEqual(failed.map((r) => r.id));
    expect(ledger.keepaliveBytes()).toBeGreaterThan(0);
    await vi.advanceTimersByTimeAsync(KEEPALIVE_UNKNOWN_MS + 1);
    expect(inKeepalive(outbox, ledger)).toEqual([]);
    expect(ledger.keepaliveBytes()).toBe(0);

    // a request aborted at its deadline is cancelled by the browser too: nothing to leave out
    const hung = rig((_c, signal) => new Promise<Answer>((r) => signal.addEventListener('abort', () => r(answer(0)))), {
      batch_request_timeout_ms: 50,
    });
    hung.outbox.add(2, 'track');
    hung.sender.start();
    await settleMicrotasks(50);
    expect(inKeepalive(hung.outbox, hung.ledger)).toHaveLength(2);
    hung.sender.stop();
    await vi.advanceTimersByTimeAsync(60);
    expect(inKeepalive(hung.outbox, hung.ledger)).toEqual([]);
    expect(hung.ledger.keepaliveBytes()).toBe(0);
  });
});

describe('sender: failures', () => {
  it.each([
    ['a network error', answer(0)],
    ['a timeout', { ...answer(0), error: 'timeout' as const }],
    ['a 500', answer(500)],
    ['a 502', answer(502)],
    ['a 429', answer(429)],
    ['a 408', answer(408)],
  ])('fails over to the next host at once on %s', async (_, failure) => {
    const { outbox, transport, sender } = rig((c) => (c.host === 'https://a.test' ? failure : ok()));
    outbox.add(4);
    sender.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(transport.calls.map((c) => c.host)).toEqual(['https://a.test', 'https://b.test']);
    expect(transport.calls[1]!.bodies).toEqual(transport.calls[0]!.bodies); // same $insert_ids
    expect(outbox.records.size).toBe(0);
    expect(sender.state()).toMatchObject({ delivered: 4, retried: 1, host: 'https://b.test' });
  });

  it('aborts a request that has not answered within batch_request_timeout_ms and fails over', async () => {
    const signals: AbortSignal[] = [];
    const hang = (signal: AbortSignal) => new Promise<Answer>((resolve) => signal.addEventListener('abort', () => resolve(answer(0)))); // as fetch: settles only on abort
    const { outbox, transport, sender, reporter } = rig((c, signal) =>
      c.host === 'https://a.test' ? (signals.push(signal), hang(signal)) : ok(),
    );
    const t0 = Date.now();
    outbox.add(2);
    sender.start();
    await vi.advanceTimersByTimeAsync(499);
    expect(transport.calls).toHaveLength(1);
    expect(signals[0]!.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(signals[0]!.aborted).toBe(true);
    expect(transport.calls.map((c) => c.host)).toEqual(['https://a.test', 'https://b.test']);
    expect(transport.calls[1]!.at - t0).toBe(500);
    expect(outbox.records.size).toBe(0);
    expect(sender.state()).toMatchObject({ delivered: 2, retried: 1 });
    expect(reporter.lines.some((l) => l.includes('https://a.test failed (timeout)'))).toBe(true);
  });

  it('backs off only once every host has failed', async () => {
    let down = true;
    const { outbox, transport, sender, reporter } = rig(() => (down ? answer(503) : ok()));
    outbox.add(2);
    sender.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(transport.calls.map((c) => c.host)).toEqual(['https://a.test', 'https://b.test']);
    expect(sender.state().next_attempt_at).toBe(Date.now() + 100); // base 100 ms, jitter at its top
    expect(reporter.lines.some((l) => /all hosts failed, retry in 100 ms/.test(l))).toBe(true);
    await vi.advanceTimersByTimeAsync(99);
    expect(transport.calls).toHaveLength(2);
    down = false;
    await vi.advanceTimersByTimeAsync(1);
    expect(transport.calls).toHaveLength(3);
    expect(transport.calls[2]!.host).toBe('https://a.test'); // each round starts from the primary
    expect(outbox.records.size).toBe(0);
  });

  it('honours Retry-After 3 s: no request to that host before it passes', async () => {
    const { outbox, transport, sender, reporter } = rig((c) => (c.at < 1_003_000 ? answer(429, '3') : ok()), {
      api_host: 'https://a.test',
    });
    outbox.add(1);
    sender.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(transport.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2_999);
    expect(transport.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(transport.calls).toHaveLength(2);
    expect(transport.calls[1]!.at - transport.calls[0]!.at).toBe(3_000);
    expect(outbox.records.size).toBe(0);
    expect(reporter.lines.some((l) => l.includes('https://a.test failed (429, Retry-After 3 s)'))).toBe(true);
  });

  it('fails back to the primary after the fail-back interval', async () => {
    let primaryUp = false;
    const { outbox, transport, sender } = rig((c) => (c.host === 'https://a.test' && !primaryUp ? answer(0) : ok()));
    sender.start();
    outbox.add(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(transport.calls.map((c) => c.host)).toEqual(['https://a.test', 'https://b.test']);
    primaryUp = true;
    for (let i = 0; i < 3; i++) {
      outbox.add(1);
      await vi.advanceTimersByTimeAsync(1_000);
    }
    expect(transport.calls.slice(2).map((c) => c.host)).toEqual(['https://b.test', 'https://b.test', 'https://b.test']);
    await vi.advanceTimersByTimeAsync(1_000); // 5 s since failing over
    outbox.add(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(transport.calls.at(-1)!.host).toBe('https://a.test');
    outbox.add(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(transport.calls.at(-1)!.host).toBe('https://a.test');
  });

  it('never drops a record for its number of attempts: 1,000 failures, then success', async () => {
    let failures = 0;
    const { outbox, transport, sender } = rig(() => (failures++ < 1_000 ? answer(failures % 2 ? 0 : 500) : ok()), {
      retry_backoff_base_ms: 1,
      retry_backoff_max_ms: 8,
    });
    outbox.add(3);
    sender.start();
    for (let i = 0; i < 2_000 && outbox.records.size; i++) await vi.advanceTimersByTimeAsync(10);
    expect(transport.calls.length).toBe(1_001);
    expect(outbox.dropped).toHaveLength(0);
    expect(outbox.records.size).toBe(0);
    expect(sender.state()).toMatchObject({ delivered: 3, retried: 1_000, dropped: 0 });
  });
});

describe('sender: refused batches', () => {
  it('halves a batch on 413 until it fits, and delivers every record', async () => {
    const { outbox, transport, sender } = rig((c) => (c.bodies.length > 3 ? answer(413) : ok()), { batch_size: 10 });
    outbox.add(10);
    sender.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(delivered(transport).length).toBeGreaterThan(10);
    const accepted = transport.calls.filter((c) => c.bodies.length <= 3).flatMap((c) => c.bodies);
    expect(accepted).toHaveLength(10);
    expect(outbox.records.size).toBe(0);
    expect(outbox.dropped).toHaveLength(0);
  });

  it('drops a single record that still gets 413 as too_large', async () => {
    const { outbox, sender, reporter } = rig((c) => (c.bodies.some((b) => b.huge) ? answer(413) : ok()));
    outbox.add(4, 'track', (i) => ({ event: 'e', properties: { i }, huge: i === 2 }));
    sender.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(outbox.dropped).toHaveLength(1);
    expect(outbox.dropped[0]!.reason).toBe('too_large');
    expect(outbox.dropped[0]!.records.map((r) => bodyOf(r).huge)).toEqual([true]);
    expect(outbox.records.size).toBe(0);
    expect(reporter.reports.filter((r) => r.code === 'dropped')).toEqual([expect.objectContaining({ reason: 'too_large', count: 1 })]);
  });

  it.each([
    ['400', answer(400, null, '{"error":"bad"}')],
    ['a verbose status 0', answer(200, null, '{"status":0,"error":"invalid"}')],
  ])('isolates one poison record among 50 on %s and drops only it', async (_, refusal) => {
    const { outbox, transport, sender, reporter } = rig((c) => (c.bodies.some((b) => b.poison) ? refusal : ok()), { batch_size: 50 });
    outbox.add(50, 'track', (i) => ({ event: 'e', properties: { i }, poison: i === 37 }));
    sender.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(outbox.dropped).toHaveLength(1);
    expect(outbox.dropped[0]!.reason).toBe('rejected');
    expect(outbox.dropped[0]!.records.map((r) => (bodyOf(r).properties as { i: number }).i)).toEqual([37]);
    expect(reporter.reports.filter((r) => r.code === 'dropped')).toEqual([expect.objectContaining({ reason: 'rejected', count: 1 })]);
    expect(outbox.records.size).toBe(0);
    expect(sender.state()).toMatchObject({ delivered: 49, dropped: 1 });
    expect(transport.calls.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(50)) + 1);
  });
});

describe('sender: offline', () => {
  it('makes no request while offline, and sends on flush once online', async () => {
    const r = rig(ok);
    r.setOnline(false);
    r.outbox.add(25);
    r.sender.start();
    await r.sender.flush();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(r.transport.calls).toHaveLength(0);
    r.setOnline(true);
    await r.sender.flush();
    await vi.advanceTimersByTimeAsync(0);
    expect(r.outbox.records.size).toBe(0);
  });

  it('does not count a network error as a host failure once the browser says it is offline', async () => {
    const r: Rig = rig(() => {
      r.setOnline(false);
      return answer(0);
    });
    r.outbox.add(1);
    r.sender.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(r.transport.calls).toHaveLength(1);
    expect(r.sender.state()).toMatchObject({ retried: 0, host: 'https://a.test' });
    expect(r.outbox.records.size).toBe(1);
  });
});

describe('sender: control', () => {
  it('stop() starts no new request; abort() cancels those in flight and keeps their records', async () => {
    const r = rig(
      (_c) =>
        new Promise<Answer>(() => {
          /* hangs */
        }),
    );
    r.outbox.add(5);
    r.sender.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(r.transport.calls).toHaveLength(1);
    r.sender.stop();
    r.outbox.add(20);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(r.transport.calls).toHaveLength(1);
    expect(r.outbox.records.size).toBe(25);
  });

  it('aborts in-flight requests through their signal', async () => {
    const signals: AbortSignal[] = [];
    const reporter = testReporter();
    const outbox = fakeOutbox(reporter);
    const cfg = testConfig();
    const sender = createSender({
      outbox,
      config: () => cfg,
      reporter,
      online: () => true,
      transport: (_u, _b, signal) =>
        new Promise((resolve) => {
          signals.push(signal);
          signal.addEventListener('abort', () => resolve(answer(0)));
        }),
    });
    senders.push(sender);
    outbox.add(3);
    sender.start();
    await vi.advanceTimersByTimeAsync(0);
    sender.stop();
    sender.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(signals[0]!.aborted).toBe(true);
    expect(outbox.records.size).toBe(3);
    expect(sender.state()).toMatchObject({ in_flight: 0, retried: 0 });
  });
});

describe('sender: drain speed', () => {
  it('drains 10,000 queued records back to back, without waiting for the flush interval', async () => {
    vi.useRealTimers();
    const r = rig(
      async () => {
        await settleMicrotasks(2);
        return ok();
      },
      { batch_size: 50, max_in_flight: 2, batch_flush_interval_ms: 60_000 },
    );
    r.outbox.add(10_000);
    const started = performance.now();
    r.sender.start();
    while (r.outbox.records.size && performance.now() - started < 10_000) await new Promise((res) => setTimeout(res, 5));
    expect(r.outbox.records.size).toBe(0);
    expect(r.transport.calls).toHaveLength(200);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

describe('sender: store errors', () => {
  it('does not resend in a loop when the outbox cannot delete acknowledged records', async () => {
    const r = rig(ok);
    r.outbox.remove = async () => {
      throw new Error('QuotaExceededError');
    };
    r.outbox.add(3);
    r.sender.start();
    await vi.advanceTimersByTimeAsync(999);
    expect(r.transport.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.transport.calls).toHaveLength(2); // retried on the flush interval; the server dedupes by $insert_id
  });
});
