// Hand-offs recorded after the fact: the snippet's stub sent the calls as the page was hidden,
// before the library ran; the library's replay decides what to do with its copies.
import { describe, expect, it } from 'vitest';
import { HANDOFF_TRUST_MS } from '../../../src/constants';
import { createHandoffLedger, stubHandoff } from '../../../src/delivery/handoff-ledger';
import { MemoryStorage } from '../outbox/helpers';

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
