import { describe, expect, it } from 'vitest';
import { createKeySource, newRecord } from '../../../src/outbox/record';

const recordKey = (at: number) => newRecord('track', {}, at).id;

describe('record keys', () => {
  it('sort by time, then by sequence within the same millisecond', () => {
    const key = createKeySource('tabaaaaa');
    const a = key(1_700_000_000_000);
    const b = key(1_700_000_000_000);
    const c = key(1_700_000_000_001);
    expect([c, b, a].sort()).toEqual([a, b, c]);
    expect(parseInt(a.slice(0, 9), 36)).toBe(1_700_000_000_000); // the time comes first, readable
  });

  it('never collide and keep call order over 10,000 calls in one millisecond', () => {
    const keys: string[] = [];
    for (let i = 0; i < 10_000; i++) keys.push(recordKey(1_700_000_000_000));
    expect(new Set(keys).size).toBe(10_000);
    expect([...keys].sort()).toEqual(keys);
  });

  it('two tabs writing at the same times never collide, and sort by time across tabs', () => {
    const tabA = createKeySource();
    const tabB = createKeySource();
    const all: Array<[number, string]> = [];
    for (let i = 0; i < 5_000; i++) {
      const t = 1_700_000_000_000 + Math.floor(i / 7);
      all.push([t, tabA(t)], [t, tabB(t)]);
    }
    expect(new Set(all.map(([, k]) => k)).size).toBe(10_000);
    const sorted = [...all].sort((x, y) => (x[1] < y[1] ? -1 : 1));
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]![0]).toBeGreaterThanOrEqual(sorted[i - 1]![0]);
  });

  it('keep this tab in call order when the clock goes back', () => {
    const key = createKeySource();
    const first = key(1_700_000_100_000);
    const after = key(1_700_000_000_000); // clock set back 100 s
    expect(after > first).toBe(true);
  });
});
