import { describe, expect, it } from 'vitest';
import { RECORD_VERSION } from '../../../src/constants';
import { createKeySource, fileStoredValue, newRecord, readRecord } from '../../../src/outbox/record';
import type { StoreRead } from '../../../src/outbox/types';

const recordKey = (at: number) => newRecord('track', '{}', at).id;

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

describe('records', () => {
  it('keep the body as the JSON text they were given, sized by its length', () => {
    const text = JSON.stringify({ event: 'café', properties: { n: 1 } });
    const r = newRecord('engage', text, 1_700_000_000_000);
    expect(r).toMatchObject({ v: RECORD_VERSION, at: 1_700_000_000_000, ep: 'engage', json: text, size: text.length });
    expect(readRecord(JSON.parse(JSON.stringify(r)), r.id)).toEqual(r); // survives a localStorage round trip
  });

  it('of version 1 are read as today’s, with the body turned into its JSON text', () => {
    const body = { event: 'e', properties: { list: [1, 'a', null], nested: { x: true } } };
    const v1 = { v: 1, id: 'k1', at: 5, ep: 'groups', body, size: 999 };
    const text = JSON.stringify(body);
    expect(readRecord(v1, 'k1')).toEqual({ v: RECORD_VERSION, id: 'k1', at: 5, ep: 'groups', json: text, size: text.length });
  });

  it('are refused when they cannot be sent or deleted', () => {
    const ok = newRecord('track', '{"event":"e"}', 5);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const refused: Array<[string, unknown]> = [
      ['key differs from id', { ...ok, id: 'other' }],
      ['another version', { ...ok, v: 99 }],
      ['no version', { ...ok, v: undefined }],
      ['unknown endpoint', { ...ok, ep: 'decide' }],
      ['time not a number', { ...ok, at: '5' }],
      ['json not a string', { ...ok, json: { event: 'e' } }],
      ['json not an object', { ...ok, json: '[{"event":"e"}]' }],
      ['json empty', { ...ok, json: '' }],
      ['v1 with a BigInt', { v: 1, id: ok.id, at: 5, ep: 'track', body: { n: BigInt(1) }, size: 1 }],
      ['v1 with a cycle', { v: 1, id: ok.id, at: 5, ep: 'track', body: cyclic, size: 1 }],
      ['v1 with an array body', { v: 1, id: ok.id, at: 5, ep: 'track', body: [1], size: 3 }],
      ['v1 with a text body', { v: 1, id: ok.id, at: 5, ep: 'track', body: '{"event":"e"}', size: 13 }],
      ['v1 carrying only json', { ...ok, v: 1 }],
      ['null', null],
      ['a string', 'record'],
    ];
    for (const [label, value] of refused) expect(readRecord(value, ok.id), label).toBeNull();
  });
});

describe('records of a newer schema version', () => {
  /** Where a store files `value`: sent, passed over for a newer build, or deleted as corrupt. */
  const filed = (value: unknown): string => {
    const read: StoreRead = { records: [], corrupt: [], newer: 0 };
    fileStoredValue(read, value, 'k');
    if (read.records.length) return 'sent';
    if (read.newer) return 'newer';
    return read.corrupt.length ? 'corrupt' : 'lost';
  };

  it('are told apart from garbage: a number above RECORD_VERSION, whatever the rest', () => {
    expect(filed({ v: RECORD_VERSION + 1 })).toBe('newer');
    expect(filed({ v: 99, id: 'x', body: 'anything' })).toBe('newer');
    for (const v of [RECORD_VERSION, 1, 0, -1, '3', null, undefined]) expect(filed({ v }), String(v)).toBe('corrupt');
    for (const value of [null, undefined, 'record', 7]) expect(filed(value), String(value)).toBe('corrupt');
    expect(filed({ v: RECORD_VERSION, id: 'k', at: 1, ep: 'track', json: '{}' })).toBe('sent');
  });
});
