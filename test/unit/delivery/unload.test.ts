import { afterEach, describe, expect, it, vi } from 'vitest';
import { BEACON_BUDGET_BYTES } from '../../../src/constants';
import { beaconUnacknowledged, installUnload, planBeacons, type UnloadOptions } from '../../../src/delivery/unload';
import { bodyOf, decodeBody, fakeOutbox, testConfig, testReporter, type FakeOutbox } from './fakes';

const padded = (bytes: number) => (i: number) => ({ event: 'e', properties: { i, pad: 'x'.repeat(bytes) } });

function options(outbox: FakeOutbox, over: Partial<UnloadOptions> = {}): UnloadOptions {
  return {
    outbox,
    config: () => testConfig({ batch_size: 50 }),
    reporter: testReporter(),
    host: () => 'https://b.test',
    enabled: () => true,
    ...over,
  };
}

function stubBeacon(accept: (url: string, body: string) => boolean = () => true) {
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
    const outbox = fakeOutbox();
    outbox.add(300, 'track', padded(300));
    outbox.add(5, 'engage');
    const plan = planBeacons(outbox.unacknowledged(), BEACON_BUDGET_BYTES, 'json', 50);
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
      outbox
        .unacknowledged()
        .slice(0, ids.length)
        .map((r) => r.id),
    );
  });

  it('holds base64 bodies to the budget too', () => {
    const outbox = fakeOutbox();
    outbox.add(200, 'track', padded(500));
    const plan = planBeacons(outbox.unacknowledged(), 20_000, 'base64', 50);
    expect(plan.length).toBeGreaterThan(0);
    expect(plan.reduce((n, c) => n + c.body.length, 0)).toBeLessThanOrEqual(20_000);
  });

  it('skips a record larger than what is left instead of giving up on the rest', () => {
    const outbox = fakeOutbox();
    outbox.add(1, 'track', padded(5_000));
    outbox.add(3, 'engage');
    const plan = planBeacons(outbox.unacknowledged(), 2_000, 'json', 50);
    expect(plan.map((c) => [c.ep, c.records.length])).toEqual([['engage', 3]]);
  });
});

describe('unload beacon', () => {
  it('beacons unacknowledged records as form bodies to the current host, and keeps them queued', async () => {
    const sent = stubBeacon();
    const outbox = fakeOutbox();
    const [first] = outbox.add(4);
    outbox.add(2, 'groups');
    await outbox.remove([first!.id]); // acknowledged: not beaconed
    const n = beaconUnacknowledged(options(outbox));
    expect(n).toBe(5);
    expect(sent.map((s) => new URL(s.url).pathname)).toEqual(['/track/', '/groups/']);
    expect(sent[0]!.url.startsWith('https://b.test/track/?verbose=1&ip=1&_=')).toBe(true);
    expect(sent[0]!.blob.type).toBe('application/x-www-form-urlencoded');
    expect(decodeBody(await sent[0]!.blob.text())).toHaveLength(3);
    expect(outbox.records.size).toBe(5); // still queued until acknowledged
  });

  it('leaves out records already in a keepalive request, whose bytes come off the budget', async () => {
    const sent = stubBeacon();
    const outbox = fakeOutbox();
    const recs = outbox.add(6);
    const inFlight = { ids: new Set(recs.slice(0, 4).map((r) => r.id)), bytes: BEACON_BUDGET_BYTES - 500 };
    expect(beaconUnacknowledged(options(outbox, { keepalive: () => inFlight }))).toBe(2);
    expect(decodeBody(await sent[0]!.blob.text())).toEqual(recs.slice(4).map(bodyOf));
    inFlight.bytes = BEACON_BUDGET_BYTES - 20; // too little left for even one record
    expect(beaconUnacknowledged(options(outbox, { keepalive: () => inFlight }))).toBe(0);
  });

  it('stops when the browser refuses a beacon, and sends nothing while paused or offline', () => {
    let accepted = 0;
    const sent = stubBeacon(() => accepted++ < 1);
    const outbox = fakeOutbox();
    outbox.add(120);
    expect(beaconUnacknowledged(options(outbox))).toBe(50);
    expect(sent).toHaveLength(2);
    sent.length = 0;
    expect(beaconUnacknowledged(options(outbox, { enabled: () => false }))).toBe(0);
    vi.stubGlobal('navigator', { onLine: false, sendBeacon: () => sent.push({} as never) });
    expect(beaconUnacknowledged(options(outbox))).toBe(0);
    expect(sent).toHaveLength(0);
  });

  it('fires once per hide on pagehide or visibilitychange, again after the page is shown', () => {
    const sent = stubBeacon();
    const win = new EventTarget();
    const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    vi.stubGlobal('window', win);
    vi.stubGlobal('document', doc);
    const outbox = fakeOutbox();
    outbox.add(2);
    const uninstall = installUnload(options(outbox));
    doc.visibilityState = 'hidden';
    doc.dispatchEvent(new Event('visibilitychange'));
    win.dispatchEvent(new Event('pagehide'));
    expect(sent).toHaveLength(1);
    win.dispatchEvent(new Event('pageshow'));
    win.dispatchEvent(new Event('pagehide'));
    expect(sent).toHaveLength(2);
    doc.visibilityState = 'visible';
    doc.dispatchEvent(new Event('visibilitychange'));
    uninstall();
    doc.visibilityState = 'hidden';
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(sent).toHaveLength(2);
  });
});
