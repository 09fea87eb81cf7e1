import { describe, expect, it } from 'vitest';
import { createHostRotation } from '../../../src/delivery/hosts';

function rotation(hosts = ['A', 'B', 'C'], backoff = 1_000) {
  let t = 10_000;
  const rot = createHostRotation(
    hosts,
    () => 60_000,
    (round) => backoff * round,
    () => t,
  );
  return { rot, advance: (ms: number) => (t += ms), now: () => t };
}

describe('host rotation', () => {
  it('starts on the primary', () => {
    const { rot, now } = rotation();
    expect(rot.next()).toEqual({ host: 'A', at: now() });
  });

  it('fails over at once, and backs off only when every host has failed', () => {
    const { rot, now, advance } = rotation();
    expect(rot.fail('A')).toBe(0);
    expect(rot.next()).toEqual({ host: 'B', at: now() });
    expect(rot.fail('B')).toBe(0);
    expect(rot.next()).toEqual({ host: 'C', at: now() });
    expect(rot.fail('C')).toBe(1_000);
    expect(rot.next()).toEqual({ host: 'A', at: now() + 1_000 });
    advance(1_000);
    rot.fail('A');
    rot.fail('B');
    expect(rot.fail('C')).toBe(2_000); // the second round in a row waits longer
  });

  it('stays on a working alternate, then probes the primary after the fail-back interval', () => {
    const { rot, advance } = rotation();
    rot.fail('A');
    rot.succeed('B');
    advance(59_999);
    expect(rot.next().host).toBe('B');
    advance(1);
    expect(rot.next().host).toBe('A');
    // the probe fails: back to B at once, next probe one interval later
    expect(rot.fail('A')).toBe(0);
    expect(rot.next().host).toBe('B');
    rot.succeed('B');
    advance(59_999);
    expect(rot.next().host).toBe('B');
    advance(1);
    expect(rot.next().host).toBe('A');
    rot.succeed('A');
    advance(120_000);
    expect(rot.next().host).toBe('A');
  });

  it('sends nothing to a host before its Retry-After has passed, using the others meanwhile', () => {
    const { rot, advance, now } = rotation(['A', 'B'], 10);
    rot.fail('A', 3_000);
    expect(rot.next().host).toBe('B');
    const wait = rot.fail('B');
    expect(wait).toBe(10); // B is free after the backoff, A is still held
    advance(10);
    expect(rot.next()).toEqual({ host: 'B', at: now() });
    rot.fail('B');
    advance(10);
    rot.fail('B');
    advance(3_000);
    expect(rot.next().host).toBe('A');
  });

  it('waits for Retry-After on a single host even when the backoff is shorter', () => {
    const { rot, now } = rotation(['A'], 100);
    const start = now();
    expect(rot.fail('A', 3_000)).toBe(3_000);
    expect(rot.next()).toEqual({ host: 'A', at: start + 3_000 });
  });

  it('resets the rounds when a host answers', () => {
    const { rot, now } = rotation(['A']);
    expect(rot.fail('A')).toBe(1_000);
    rot.succeed('A');
    expect(rot.next()).toEqual({ host: 'A', at: now() });
    expect(rot.fail('A')).toBe(1_000); // a first round again, not a second
  });
});

describe('host rotation: refusals for good (issue 14 item 5)', () => {
  it('calls a refusal a host failure until every host has refused the same batch', () => {
    const { rot } = rotation();
    expect(rot.judge('refused', 'A', 'batch-1')).toBe('retry');
    expect(rot.judge('refused', 'B', 'batch-1')).toBe('retry');
    // another batch is counted on its own
    expect(rot.judge('refused', 'A', 'batch-2')).toBe('retry');
    expect(rot.judge('refused', 'C', 'batch-1')).toBe('refused');
  });

  it('gives up at once with a single host, and passes other verdicts through', () => {
    const { rot } = rotation(['A']);
    expect(rot.judge('ok', 'A', 'b')).toBe('ok');
    expect(rot.judge('retry', 'A', 'b')).toBe('retry');
    expect(rot.judge('reject', 'A', 'b')).toBe('reject');
    expect(rot.judge('refused', 'A', 'b')).toBe('refused');
  });

  it('remembers a bounded number of batches', () => {
    const { rot } = rotation(['A', 'B']);
    expect(rot.judge('refused', 'A', 'first')).toBe('retry');
    for (let i = 0; i < 50; i++) rot.judge('refused', 'A', 'other-' + i);
    // forgotten: B's refusal starts a new count
    expect(rot.judge('refused', 'B', 'first')).toBe('retry');
    expect(rot.judge('refused', 'A', 'first')).toBe('refused');
  });
});
