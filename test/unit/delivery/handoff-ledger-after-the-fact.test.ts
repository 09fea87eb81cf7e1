// Hand-offs recorded after the fact (the snippet's stub sent the calls before the library ran):
// what the host answered since then decides at once.
import { describe, expect, it } from 'vitest';
import { HANDOFF_TRUST_MS } from '../../../src/constants';
import { createHandoffLedger } from '../../../src/delivery/handoff-ledger';
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

describe('hand-off ledger: hand-offs recorded after the fact', () => {
  it('knows nothing of a host before it answered a request started since the hand-off', () => {
    const { sender, replayer, now, advance } = rig();
    const at = now();
    expect(replayer.answeredSince('https://h', at)).toBeUndefined();
    sender.answered('https://h', at - 1, true);
    expect(replayer.answeredSince('https://h', at), 'started before the hand-off').toBeUndefined();
    advance(100);
    sender.answered('https://h', now(), true);
    expect(replayer.answeredSince('https://h', at), 'another tab heard the 2xx').toBe(true);
    expect(replayer.answeredSince('https://other', at)).toBeUndefined();
  });

  it('a failure answered since the hand-off releases it, whatever 2xx came before', () => {
    const { sender, replayer, now, advance } = rig();
    const at = now();
    advance(10);
    sender.answered('https://h', now(), true);
    advance(10);
    sender.answered('https://h', now(), false);
    expect(replayer.answeredSince('https://h', at)).toBe(false);
  });

  it('a failure of another host since releases it too, as for a hand-off made by the library', () => {
    const { sender, replayer, now, advance } = rig();
    const at = now();
    advance(10);
    sender.answered('https://other', now(), false);
    advance(10);
    sender.answered('https://h', now(), true);
    expect(replayer.answeredSince('https://h', at)).toBe(false);
    expect(replayer.answeredSince('https://h', now()), 'a hand-off after that failure, confirmed by the 2xx').toBe(true);
  });

  it('a broken stored note counts as nothing known', () => {
    const storage = new MemoryStorage();
    const ledger = createHandoffLedger(
      'tok',
      () => HANDOFF_TRUST_MS,
      () => 10,
      () => storage,
    );
    ledger.answered('https://h', 5, true);
    expect(ledger.answeredSince('https://h', 1)).toBe(true);
    const key = [...storage.map.keys()].find((k) => k.endsWith('_last'))!;
    storage.setItem(key, '{"https://h":[5,0]}');
    expect(ledger.answeredSince('https://h', 1)).toBeUndefined();
  });

  it('a hand-off past the trust window is undecided (its records are then simply sent)', () => {
    const { sender, replayer, now, advance } = rig();
    const at = now();
    sender.answered('https://h', at, true);
    advance(HANDOFF_TRUST_MS + 1);
    expect(replayer.answeredSince('https://h', at)).toBeUndefined();
  });

  it('clear() forgets the answers too', () => {
    const { replayer, sender, now } = rig();
    const at = now() - 5;
    sender.answered('https://h', now(), true);
    expect(replayer.answeredSince('https://h', at)).toBe(true);
    replayer.clear();
    expect(replayer.answeredSince('https://h', at)).toBeUndefined();
  });
});
