// Hand-offs recorded after the fact: the snippet's stub sent the calls as the page was hidden,
// before the library ran; the library's replay decides what to do with its copies.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HANDOFF_TRUST_MS, STORAGE_PREFIX } from '../../../src/constants';
import { createHandoffLedger, stubHandoff } from '../../../src/delivery/handoff-ledger';
import { createPipeline } from '../../../src/delivery/pipeline';
import { MemoryStorage } from '../outbox/helpers';
import { decodeBody, testConfig, testReporter } from './fakes';

function rig() {
  let t = 1_000_000;
  const storage = new MemoryStorage();
  const make = () =>
    createHandoffLedger(
      'tok',
      () => HANDOFF_TRUST_MS,
      () => t,
      () => storage,
    );
  return { sender: make(), replayer: make(), advance: (ms: number) => (t += ms), now: () => t };
}

describe('stubHandoff: what the replay does with a call the stub sent', () => {
  const at = 5_000;
  it("drops it when the stub's page heard a 2xx to that request", () => {
    expect(stubHandoff(true, at, { 'https://h': { fail: at + 1 } })).toBe('drop');
  });
  it('sends it as usual when any host failed since the send, as any page of the site learned it', () => {
    expect(stubHandoff(false, at, { 'https://h': { ok: at + 2 }, 'https://other': { fail: at } })).toBe('send');
  });
  it('holds it as a hand-off when no failure since is known (one before the send says nothing)', () => {
    expect(stubHandoff(false, at, {})).toBe('hold');
    expect(stubHandoff(false, at, { 'https://h': { fail: at - 1, ok: at + 1 } })).toBe('hold');
  });
});

describe('hand-off ledger: a hand-off recorded after the fact', () => {
  it('is held, and confirmed only by a 2xx to a request started at or after the send, from any tab', () => {
    const { sender, replayer, now, advance } = rig();
    const at = now();
    advance(500);
    replayer.handedOff(['r1'], 'https://h', at);
    expect(sender.heldIds()).toEqual(new Set(['r1']));
    expect(sender.answered('https://h', at - 1, true), 'started before the send').toEqual([]);
    expect(sender.answered('https://other', at + 1, true), 'another host').toEqual([]);
    expect(sender.answered('https://h', at + 1, true)).toEqual(['r1']);
    expect(replayer.heldIds().size).toBe(0);
  });

  it('is released by a failure of any host answered after it was recorded', () => {
    const { sender, replayer, now, advance } = rig();
    const at = now();
    advance(500);
    replayer.handedOff(['r1'], 'https://h', at);
    expect(sender.answered('https://other', now(), false)).toEqual([]);
    expect(replayer.heldIds().size).toBe(0);
  });

  it('is not held once its send is past the trust window (its record is then simply sent)', () => {
    const { replayer, now, advance } = rig();
    const at = now();
    advance(HANDOFF_TRUST_MS + 1);
    replayer.handedOff(['r1'], 'https://h', at);
    expect(replayer.heldIds().size).toBe(0);
  });
});

describe('pipeline: records a replay hands off for the stub', () => {
  afterEach(() => vi.unstubAllGlobals());

  function page() {
    const ls = new MemoryStorage();
    const writes: string[] = [];
    const setItem = ls.setItem;
    ls.setItem = (k: string, v: string) => {
      writes.push(k);
      setItem(k, v);
    };
    const sent: Array<Array<Record<string, unknown>>> = [];
    vi.stubGlobal('window', new EventTarget());
    vi.stubGlobal('document', Object.assign(new EventTarget(), { visibilityState: 'visible' }));
    vi.stubGlobal('navigator', { onLine: true, sendBeacon: vi.fn(() => true) });
    vi.stubGlobal('localStorage', ls);
    vi.stubGlobal('Request', class {});
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
      sent.push(decodeBody(String(init.body)));
      return new Response('{"status":1,"error":null}');
    });
    const cfg = testConfig({ batch_flush_interval_ms: 60_000 });
    const token = `stub-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const p = createPipeline({ token, config: () => cfg, reporter: testReporter() });
    return { p, sent, ledgerWrites: () => writes.filter((k) => k.indexOf('handoff') >= 0).length, token, ls };
  }
  const event = (i: number) => JSON.stringify({ event: 'e', properties: { $insert_id: `id-${i}`, i } });

  // one ledger write per record took a second for 1,000; a sender already reading the outbox as the
  // replay ran sent a batch of them again
  it('holds 1,000 of them with one ledger write, and sends one as the probe whose 2xx confirms the rest', async () => {
    const { p, sent, ledgerWrites } = page();
    try {
      const at = Date.now() - 100;
      for (let i = 0; i < 1000; i++) p.enqueueHandedOff!('track', event(i), 'https://a.test', at, false);
      await p.settle();
      expect(ledgerWrites()).toBe(1);
      await p.flush();
      await vi.waitFor(async () => expect((await p.state()).queued).toBe(0), { timeout: 10_000 });
      expect(sent.flat()).toHaveLength(1);
    } finally {
      p.close();
    }
  });

  it('enqueues none when the stub heard a 2xx, and sends all as usual after a failure since', async () => {
    const { p, sent, token, ls } = page();
    try {
      const at = Date.now() - 100;
      p.enqueueHandedOff!('track', event(1), 'https://a.test', at, true);
      await p.settle();
      expect((await p.state()).queued).toBe(0);
      ls.setItem(`${STORAGE_PREFIX}hosts_${token}`, JSON.stringify({ 'https://b.test': { fail: at + 50 } }));
      for (let i = 0; i < 3; i++) p.enqueueHandedOff!('track', event(i), 'https://a.test', at, false);
      await p.settle();
      await p.flush();
      await vi.waitFor(async () => expect((await p.state()).queued).toBe(0), { timeout: 10_000 });
      expect(sent.flat()).toHaveLength(3);
    } finally {
      p.close();
    }
  });
});
