// Host health shared across pages (issue 16 item 1): the stored record (expiry, garbage, storage
// that throws, two tabs writing), a rotation that starts from it and adds to it, the host a
// beacon goes to, and two senders, one after the other, sharing it as two pages would.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { beaconHost, hostHealth, isPassedOver, type HostHealth } from '../../../src/delivery/host-health';
import { createHostRotation } from '../../../src/delivery/hosts';
import { createPipeline } from '../../../src/delivery/pipeline';
import { RETRY_AFTER_MAX_MS } from '../../../src/delivery/retry-policy';
import { createSender, type Sender } from '../../../src/delivery/sender';
import type { Pipeline } from '../../../src/delivery/types';
import { memoryStorage, type MemoryStorage } from '../shared/memory-storage';
import { answer, fakeOutbox, fakeTransport, ok, settleMicrotasks, stubPage, testConfig, testReporter } from './fakes';

const A = 'https://a.test';
const B = 'https://b.test';
const PROXY = '/mp';
const HOSTS = [A, B];
const FAILBACK_MS = 60_000;
const KEY = 'mp_hosts_tok';

let storage: MemoryStorage;
const health = (s: Storage = storage): HostHealth => hostHealth('tok', () => s);
/** A new page's rotation over `hosts`, reading and writing `store`. */
const rotation = (store: HostHealth = health(), hosts = HOSTS) =>
  createHostRotation(
    hosts,
    () => FAILBACK_MS,
    () => 1_000,
    Date.now,
    store,
  );

beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2026, 11, 1) });
  storage = memoryStorage();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('a new page starts from what earlier pages learned', () => {
  it('a primary that failed over: the next page starts on the alternate, and probes the primary when its failing period ends', () => {
    const first = rotation();
    first.fail(A);
    first.succeed(B);

    vi.advanceTimersByTime(FAILBACK_MS - 1);
    const next = rotation();
    expect(next.next().host).toBe(B);
    vi.advanceTimersByTime(1);
    expect(next.next().host).toBe(A); // the probe, as in the page that learned it
    next.succeed(A);
    expect(rotation().next().host).toBe(A); // the primary answered: pages after it start there
  });

  it('a record whose failing period has passed: the next page starts on the primary', () => {
    const first = rotation();
    first.fail(A);
    first.succeed(B);
    vi.advanceTimersByTime(FAILBACK_MS);
    expect(rotation().next().host).toBe(A);
  });

  it('a failed probe passes the primary over for another interval, for every page', () => {
    const first = rotation();
    first.fail(A);
    first.succeed(B);
    vi.advanceTimersByTime(FAILBACK_MS);
    expect(first.next().host).toBe(A);
    first.fail(A);
    vi.advanceTimersByTime(FAILBACK_MS - 1);
    expect(rotation().next().host).toBe(B);
  });

  it('starts on the alternate that answered last, among several', () => {
    const hosts = [A, B, PROXY];
    const first = rotation(health(), hosts);
    first.fail(A);
    first.fail(B);
    first.succeed(PROXY);
    expect(rotation(health(), hosts).next().host).toBe(PROXY);
  });

  it('a Retry-After holds the host on the next page too, even when every other host fails', () => {
    const first = rotation(health(), [A]);
    first.fail(A, 30_000);
    const next = rotation(health(), [A]);
    expect(next.next()).toEqual({ host: A, at: Date.now() + 30_000 });

    const two = rotation();
    two.fail(B, 30_000);
    const page = rotation();
    expect(page.next().host).toBe(A);
    expect(page.fail(A)).toBe(30_000); // B stays held: the wait is its Retry-After, not the backoff
  });

  it('without a record, or without a store, a rotation starts on the primary', () => {
    expect(rotation().next().host).toBe(A);
    expect(
      createHostRotation(
        HOSTS,
        () => FAILBACK_MS,
        () => 1_000,
      ).next().host,
    ).toBe(A);
  });
});

describe('the stored record', () => {
  it("an alternate's failure is stored, so that no page takes it for up until it answers again", () => {
    // The outage scenario that lost a page's events: every host 503, the page before had seen the
    // alternate fail, the leaving page had no answer of its own and handed its records to the
    // alternate; recovery within the trust window then vouched for the lost beacon.
    const rot = rotation();
    rot.fail(A);
    rot.fail(B);
    expect(isPassedOver(health().read(HOSTS)[B])).toBe(true);
    vi.advanceTimersByTime(1_000);
    rotation().succeed(B);
    expect(isPassedOver(health().read(HOSTS)[B])).toBe(false);
  });

  it('is written when something changes, not on every answer', () => {
    const writes = vi.spyOn(storage, 'setItem');
    const rot = rotation();
    for (let i = 0; i < 50; i++) {
      rot.succeed(A);
      vi.advanceTimersByTime(100);
    }
    expect(writes).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(FAILBACK_MS / 2);
    rot.succeed(A); // half an interval later: stored again, so that it reads as recent
    expect(writes).toHaveBeenCalledTimes(2);
    rot.fail(A); // its failure, and the primary passed over
    rot.succeed(B);
    expect(writes).toHaveBeenCalledTimes(5);
  });

  it('holds only the configured hosts, and reads nothing of other ones', () => {
    storage.setItem(KEY, JSON.stringify({ 'https://old.test': { ok: Date.now() }, [A]: { skip: Date.now() + 5_000 } }));
    health().write(B, { ok: Date.now() }, HOSTS);
    expect(Object.keys(JSON.parse(storage.getItem(KEY)!)).sort()).toEqual([A, B]);
    expect(health().read([B])).toEqual({ [B]: { ok: Date.now() } });
  });

  it('corrupt or foreign data reads as nothing known, and the next write replaces it', () => {
    const garbage = [
      'not json',
      '[1,2,3]',
      '42',
      'null',
      JSON.stringify({ [A]: 'down' }),
      JSON.stringify({ [A]: { skip: 'soon', hold: null, ok: -5 } }),
      JSON.stringify({ [A]: { skip: Infinity } }),
      JSON.stringify({ [A]: { skip: Date.now() + RETRY_AFTER_MAX_MS + 1 } }), // a clock set back, or not ours
    ];
    for (const text of garbage) {
      storage.setItem(KEY, text);
      expect(rotation().next().host, text).toBe(A);
      expect(beaconHost(HOSTS, health(), A), text).toBe(A);
    }
    const rot = rotation();
    rot.fail(A);
    expect(JSON.parse(storage.getItem(KEY)!)).toEqual({ [A]: { fail: Date.now(), skip: Date.now() + FAILBACK_MS }, [B]: {} });
  });

  it('storage that throws, or is missing, leaves each page to learn alone', () => {
    const broken = memoryStorage();
    const fail = (): never => {
      throw new Error('SecurityError');
    };
    broken.getItem = broken.setItem = broken.removeItem = fail;
    const stores = [
      health(broken),
      hostHealth('tok', () => {
        throw new Error('no localStorage');
      }),
    ];
    for (const store of stores) {
      const rot = rotation(store);
      expect(() => rot.fail(A, 5_000)).not.toThrow();
      expect(rot.next().host).toBe(B);
      expect(() => rot.succeed(B)).not.toThrow();
      expect(rotation(store).next().host).toBe(A);
      expect(beaconHost(HOSTS, store, A)).toBe(A);
      expect(() => store.forget()).not.toThrow();
    }
  });

  it('two tabs writing: what each learned about a host is kept', () => {
    const tab1 = health();
    const tab2 = hostHealth('tok', () => storage);
    tab1.write(A, { skip: Date.now() + 10_000 }, HOSTS);
    tab2.write(B, { ok: Date.now() }, HOSTS);
    tab1.write(B, { hold: Date.now() + 3_000 }, HOSTS);
    expect(health().read(HOSTS)).toEqual({
      [A]: { skip: Date.now() + 10_000 },
      [B]: { ok: Date.now(), hold: Date.now() + 3_000 },
    });
  });

  it('is per token, and forget() removes it', () => {
    rotation().fail(A);
    expect(
      createHostRotation(
        HOSTS,
        () => FAILBACK_MS,
        () => 1_000,
        Date.now,
        hostHealth('other', () => storage),
      ).next().host,
    ).toBe(A);
    health().forget();
    expect(storage.getItem(KEY)).toBeNull();
  });
});

describe('the host a beacon goes to', () => {
  it('the host that answered last, not the primary the sender would probe next', () => {
    const rot = rotation();
    rot.fail(A);
    rot.succeed(B);
    vi.advanceTimersByTime(FAILBACK_MS / 2);
    // the sender's next host is still B here; a tab that never sent says A
    expect(beaconHost(HOSTS, health(), A)).toBe(B);
    vi.advanceTimersByTime(FAILBACK_MS / 2);
    expect(rot.next().host).toBe(A); // the probe is due
    expect(beaconHost(HOSTS, health(), rot.next().host)).toBe(B); // the last chance is no probe
  });

  it('the first-party proxy when it answered within the hour and is not failing', () => {
    const hosts = [A, PROXY];
    const store = health();
    store.write(PROXY, { ok: Date.now() - 30 * 60_000 }, hosts);
    store.write(A, { ok: Date.now() }, hosts);
    expect(beaconHost(hosts, store, A)).toBe(PROXY); // though the primary answered later
    store.write(PROXY, { hold: Date.now() + 1_000 }, hosts);
    expect(beaconHost(hosts, store, A)).toBe(A);
    vi.advanceTimersByTime(1_000);
    expect(beaconHost(hosts, store, A)).toBe(PROXY); // the hold is over
    vi.advanceTimersByTime(30 * 60_000);
    expect(beaconHost(hosts, store, A)).toBe(A); // its answer is more than an hour old: no news

    // a `//host` is not first-party
    const other = [B, '//cdn.test'];
    store.write('//cdn.test', { ok: Date.now() - 9_000 }, other);
    store.write(B, { ok: Date.now() }, other);
    expect(beaconHost(other, store, '//cdn.test')).toBe(B);
  });

  it('what the sender would use next when no host answered within the hour', () => {
    const store = health();
    store.write(B, { ok: Date.now() }, HOSTS);
    vi.advanceTimersByTime(RETRY_AFTER_MAX_MS);
    expect(beaconHost(HOSTS, store, A)).toBe(A);
  });
});

describe('two pages, one after the other', () => {
  const senders: Sender[] = [];
  afterEach(() => {
    senders.splice(0).forEach((s) => s.stop());
  });

  /** A page's sender over the shared `storage`: A answers `primary` status, B 200. */
  function page(primary: number) {
    const outbox = fakeOutbox();
    const transport = fakeTransport((call) => (call.host === A && primary !== 200 ? answer(primary) : ok()));
    const cfg = testConfig({ failback_interval_ms: FAILBACK_MS });
    const sender = createSender({ outbox, config: () => cfg, reporter: testReporter(), transport, random: () => 1, health: health() });
    senders.push(sender);
    return { outbox, transport, sender };
  }

  it('the second page sends its first request to the host the first one found working', async () => {
    const first = page(503);
    first.outbox.add(3);
    first.sender.start();
    await first.sender.flush();
    expect(first.transport.calls.map((c) => c.host)).toEqual([A, B]);
    first.sender.stop();

    vi.advanceTimersByTime(10_000);
    const second = page(503);
    second.outbox.add(3);
    second.sender.start();
    await second.sender.flush();
    await settleMicrotasks();
    expect(second.transport.calls.map((c) => c.host)).toEqual([B]);
    expect(second.outbox.records.size).toBe(0);
  });
});

describe('in the pipeline', () => {
  let pipeline: Pipeline | null = null;
  beforeEach(() => {
    vi.useRealTimers();
  });
  afterEach(() => {
    pipeline?.close();
    pipeline = null;
    vi.unstubAllGlobals();
  });

  /** A page whose fetch has no keepalive (the beacon is a `sendBeacon`) and whose ingest never answers, over `storage`. */
  function page() {
    const { win, nav } = stubPage(() => new Promise(() => undefined));
    vi.stubGlobal('localStorage', storage);
    const cfg = testConfig({ batch_flush_interval_ms: 60_000, failback_interval_ms: FAILBACK_MS });
    pipeline = createPipeline({ token: 'tok', config: () => cfg, reporter: testReporter() });
    return { win, nav, p: pipeline };
  }

  it('the unload beacon goes to the host the record says answered last, not to the primary the sender would try', async () => {
    const store = health();
    store.write(A, { ok: Date.now() - 2 * FAILBACK_MS }, HOSTS);
    store.write(B, { ok: Date.now() - FAILBACK_MS }, HOSTS); // the primary's failing period is over: the sender would probe it
    const { win, nav, p } = page();
    p.enqueue('track', JSON.stringify({ event: 'e', properties: {} }));
    await p.settle();
    win.dispatchEvent(new Event('pagehide'));
    expect(nav.sendBeacon.mock.calls.map(([url]) => new URL(url).origin)).toEqual([B]);
  });

  it('opt-out (purge) removes the record: an opted-out token leaves nothing behind', async () => {
    health().write(B, { ok: Date.now() }, HOSTS);
    const { p } = page();
    await p.purge();
    expect(storage.getItem(KEY)).toBeNull();
  });
});
