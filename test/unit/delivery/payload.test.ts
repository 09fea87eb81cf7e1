import { describe, expect, it } from 'vitest';
import { base64Utf8, encodeBody, endpointUrl } from '../../../src/delivery/payload';
import type { OutboxRecord } from '../../../src/outbox/types';

const rec = (body: Record<string, unknown>): OutboxRecord => ({ v: 1, id: '1', at: 0, ep: 'track', body, size: 0 });
const bodies = [rec({ event: 'café ☕ 😀', properties: { $insert_id: 'x', n: 1 } }), rec({ event: 'b & c=d+e' })];

describe('payload', () => {
  it('sends data= with the URL-encoded JSON array of record bodies', () => {
    const body = encodeBody(bodies, 'json');
    expect(body.startsWith('data=')).toBe(true);
    expect(new URLSearchParams(body).get('data')).toBe(JSON.stringify(bodies.map((r) => r.body)));
  });

  it('sends UTF-8 base64 that any server decodes back to the same JSON', () => {
    const data = new URLSearchParams(encodeBody(bodies, 'base64')).get('data')!;
    expect(Buffer.from(data, 'base64').toString('utf8')).toBe(JSON.stringify(bodies.map((r) => r.body)));
    const long = 'ü'.repeat(100_000);
    expect(Buffer.from(base64Utf8(long), 'base64').toString('utf8')).toBe(long);
  });

  it('survives a lone surrogate', () => {
    expect(() => encodeBody([rec({ event: 'a\ud800b' })], 'json')).not.toThrow();
  });

  it('builds the verbose URL', () => {
    expect(endpointUrl('https://h.test', 'track/', 42)).toBe('https://h.test/track/?verbose=1&ip=1&_=42');
    expect(endpointUrl('https://h.test/proxy', '/engage/', 7)).toBe('https://h.test/proxy/engage/?verbose=1&ip=1&_=7');
  });
});
