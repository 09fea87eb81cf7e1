import { afterEach, describe, expect, it, vi } from 'vitest';
import { BEACON_BUDGET_BYTES } from '../../../src/constants';
import { beaconUnacknowledged, planBeacons, type BeaconOptions } from '../../../src/delivery/beacon';
import type { Ledger } from '../../../src/delivery/ledger';
import { bodyOf, decodeBody, fakeOutbox, testConfig, testReporter, testLedger } from './fakes';

const padded = (bytes: number) => (i: number) => ({ event: 'e', properties: { i, pad: 'x'.repeat(bytes) } });

/** An outbox whose enqueues, acknowledgements and drops feed a ledger, as the pipeline wires them. */
function ledgered() {
  const outbox = fakeOutbox();
  const ledger = testLedger();
  outbox.onEnqueue(ledger.enqueued);
  outbox.onDrop(ledger.dropped);
  const unacknowledged = () => ledger.pending().records;
  return { outbox, ledger, unacknowledged };
}

function options(ledger: Ledger, over: Partial<BeaconOptions> = {}): BeaconOptions {
  return {
    ledger,
    config: () => testConfig({ batch_size: 50 }),
    reporter: testReporter(),
    host: () => 'https://b.test',
    ...over,
  };
}

/** A browser whose fetch has no keepalive, so that unload data goes by sendBeacon. */
function stubBeacon(accept: (url: string, body: string) => boolean = () => true) {
  vi.stubGlobal('Request', class {});
  const sent: Array<{ url: string; blob: Blob }> = [];
  vi.stubGlobal('navigator', {
    onLine: true,
    sendBeacon: (url: string, blob: Blob) => {
      sent.push({ url, blob });
      return accept(url, '');
    },
  });
  return sent;
}

afterEach(() => vi.unstubAllGlobals());

describe('planBeacons', () => {
  it('stays within the budget, one endpoint and at most batch_size records per body', () => {
    const { outbox, unacknowledged } = ledgered();
    outbox.add(300, 'track', padded(300));
    outbox.add(5, 'engage');
    const plan = planBeacons(unacknowledged(), BEACON_BUDGET_BYTES, 'json', 50);
    const total = plan.reduce((n, c) => n + c.body.length, 0);
    expect(total).toBeLessThanOrEqual(BEACON_BUDGET_BYTES);
    expect(total).toBeGreaterThan(BEACON_BUDGET_BYTES * 0.9);
    for (const c of plan) {
      expect(c.records.length).toBeLessThanOrEqual(50);
      expect(decodeBody(c.body)).toEqual(c.records.map(bodyOf));
      expect(new Set(c.records.map((r) => r.ep))).toEqual(new Set([c.ep]));
    }
    // oldest first
    const ids = plan.filter((c) => c.ep === 'track').flatMap((c) => c.records.map((r) => r.id));
    expect(ids).toEqual(
      unacknowledged()
        .slice(0, ids.length)
        .map((r) => r.id),
    );
  });

  it('holds base64 bodies to the budget too', () => {
    const { outbox, unacknowledged } = ledgered();
    outbox.add(200, 'track', padded(500));
    const plan = planBeacons(unacknowledged(), 20_000, 'base64', 50);
    expect(plan.length).toBeGreaterThan(0);
    expect(plan.reduce((n, c) => n + c.body.length, 0)).toBeLessThanOrEqual(20_000);
  });

  it('skips a record larger than what is left instead of giving up on the rest', () => {
    const { outbox, unacknowledged } = ledgered();
    outbox.add(1, 'track', padded(5_000));
    outbox.add(3, 'engage');
    const plan = planBeacons(unacknowledged(), 2_000, 'json', 50);
    expect(plan.map((c) => [c.ep, c.records.length])).toEqual([['engage', 3]]);
  });
});

describe('unload beacon', () => {
  it('sends by keepalive fetch without credentials where fetch has keepalive: no cookie reaches the host', async () => {
    const calls: Array<{ url: string; init: RequestInit }> = [];
    vi.stubGlobal('fetch', (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return Promise.reject(new TypeError('the page is gone'));
    });
    const beacon = vi.fn(() => true);
    vi.stubGlobal('navigator', { onLine: true, sendBeacon: beacon });
    const { outbox, ledger } = ledgered();
    outbox.add(3);
    outbox.add(1, 'engage');
    expect(beaconUnacknowledged(options(ledger))).toBe(4);
    expect(beacon).not.toHaveBeenCalled(); // sendBeacon always sends the site's cookies
    expect(calls.map((c) => new URL(c.url).pathname)).toEqual(['/track/', '/engage/']);
    for (const { init } of calls)
      expect(init).toMatchObject({
        method: 'POST',
        credentials: 'omit',
        keepalive: true,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
    expect(decodeBody(String(calls[0]!.init.body))).toHaveLength(3);
  });

  it('beacons unacknowledged records as form bodies to the current host, and keeps them queued', async () => {
    const sent = stubBeacon();
    const { outbox, ledger } = ledgered();
    const [first, second] = outbox.add(5);
    outbox.add(2, 'groups');
    ledger.acknowledged([first!.id]); // acknowledged: not beaconed
    await outbox.drop([second!], 'rejected'); // dropped: not beaconed
    const n = beaconUnacknowledged(options(ledger));
    expect(n).toBe(5);
    expect(sent.map((s) => new URL(s.url).pathname)).toEqual(['/track/', '/groups/']);
    expect(sent[0]!.url.startsWith('https://b.test/track/?verbose=1&ip=1&_=')).toBe(true);
    expect(sent[0]!.blob.type).toBe('application/x-www-form-urlencoded');
    expect(decodeBody(await sent[0]!.blob.text())).toHaveLength(3);
    expect(outbox.records.size).toBe(6); // still queued until acknowledged
  });

  it('leaves out records in a keepalive request, whose bytes come off the budget, until it certainly ended', async () => {
    const sent = stubBeacon();
    const { outbox, ledger } = ledgered();
    const recs = outbox.add(6);
    // an untrusted host (one failing): nothing is recorded as handed off, so each hide beacons what is pending again
    const failing = options(ledger, { untrusted: () => true });
    const ended = ledger.keepaliveStarted(
      recs.slice(0, 4).map((r) => r.id),
      BEACON_BUDGET_BYTES - 500,
    );
    expect(beaconUnacknowledged(failing)).toBe(2);
    expect(decodeBody(await sent[0]!.blob.text())).toEqual(recs.slice(4).map(bodyOf));
    ended(true);
    const big = ledger.keepaliveStarted([], BEACON_BUDGET_BYTES - 20); // too little left for even one record
    expect(beaconUnacknowledged(failing)).toBe(0);
    big(true);
    expect(beaconUnacknowledged(failing)).toBe(6);
  });

  it('what a hide handed off is not beaconed again, nor are the records of a keepalive request on its way then', async () => {
    const sent = stubBeacon();
    const { outbox, ledger } = ledgered();
    const recs = outbox.add(6);
    const ended = ledger.keepaliveStarted(
      recs.slice(0, 2).map((r) => r.id),
      1_000,
      'https://a.test',
    );
    expect(beaconUnacknowledged(options(ledger))).toBe(4);
    expect(ledger.held().map((e) => [e.host, e.ids.length])).toEqual([
      ['https://b.test', 4],
      ['https://a.test', 2],
    ]);
    ended(false);
    sent.length = 0;
    expect(beaconUnacknowledged(options(ledger)), 'the next hide: all of it held').toBe(0);
    expect(sent).toEqual([]);
  });

  it('stops when the browser refuses a beacon, and sends nothing offline or with unload_beacon off', () => {
    let accepted = 0;
    const sent = stubBeacon(() => accepted++ < 1);
    const { outbox, ledger } = ledgered();
    outbox.add(120);
    expect(beaconUnacknowledged(options(ledger))).toBe(50);
    expect(sent).toHaveLength(2);
    sent.length = 0;
    expect(beaconUnacknowledged(options(ledger, { config: () => testConfig({ unload_beacon: false }) }))).toBe(0);
    vi.stubGlobal('navigator', { onLine: false, sendBeacon: () => sent.push({} as never) });
    expect(beaconUnacknowledged(options(ledger))).toBe(0);
    expect(sent).toHaveLength(0);
  });
});
