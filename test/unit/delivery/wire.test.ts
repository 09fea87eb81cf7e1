import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CONFIG } from '../../../src/config';
import { encodeBody, endpointUrl, fetchTransport } from '../../../src/delivery/wire';
import { RECORD_VERSION } from '../../../src/constants';
import type { OutboxRecord } from '../../../src/outbox/types';

const rec = (body: Record<string, unknown>): OutboxRecord => {
  const json = JSON.stringify(body);
  return { v: RECORD_VERSION, id: '1', at: 0, ep: 'track', json, size: json.length };
};
const objects = [{ event: 'café ☕ 😀', properties: { $insert_id: 'x', n: 1 } }, { event: 'b & c=d+e' }];
const bodies = objects.map(rec);
const signal = () => new AbortController().signal;

afterEach(() => vi.unstubAllGlobals());

describe('payload', () => {
  it('sends data= with the URL-encoded JSON array of record bodies', () => {
    const body = encodeBody(bodies, 'json');
    expect(body.startsWith('data=')).toBe(true);
    expect(new URLSearchParams(body).get('data')).toBe(JSON.stringify(objects));
  });

  it('sends UTF-8 base64 that any server decodes back to the same JSON', () => {
    const data = new URLSearchParams(encodeBody(bodies, 'base64')).get('data')!;
    expect(Buffer.from(data, 'base64').toString('utf8')).toBe(JSON.stringify(objects));
    const long = { s: 'ü'.repeat(100_000) };
    const data2 = new URLSearchParams(encodeBody([rec(long)], 'base64')).get('data')!;
    expect(Buffer.from(data2, 'base64').toString('utf8')).toBe(JSON.stringify([long]));
  });

  it('survives a lone surrogate', () => {
    expect(() => encodeBody([rec({ event: 'a\ud800b' })], 'json')).not.toThrow();
  });

  it('builds the verbose URL from the configured route', () => {
    const routes = DEFAULT_CONFIG.api_routes;
    const o = (api_routes = routes) => ({ ...DEFAULT_CONFIG, api_routes });
    expect(endpointUrl('https://h.test', o(), 'track', 42)).toBe('https://h.test/track/?verbose=1&ip=1&_=42');
    expect(endpointUrl('https://h.test/proxy', o({ ...routes, engage: '/engage/' }), 'engage', 7)).toBe(
      'https://h.test/proxy/engage/?verbose=1&ip=1&_=7',
    );
    expect(endpointUrl('https://h.test', o({ ...routes, groups: '' }), 'groups', 7)).toBe('https://h.test/groups/?verbose=1&ip=1&_=7');
  });

  // mixpanel-browser's _send_request: data.ip = config.ip ? 1 : 0, then _.extend(data, api_extra_query_params)
  it('sends ip=0 with ip: false, and appends api_extra_query_params', () => {
    expect(endpointUrl('https://h.test', { ...DEFAULT_CONFIG, ip: false }, 'track', 1)).toBe('https://h.test/track/?verbose=1&ip=0&_=1');
    expect(endpointUrl('/mp', { ...DEFAULT_CONFIG, api_extra_query_params: { env: 'prod', 'a b': 'c&d' } }, 'engage', 1)).toBe(
      '/mp/engage/?verbose=1&ip=1&_=1&env=prod&a%20b=c%26d',
    );
  });
});

describe('fetchTransport', () => {
  it('POSTs a form body without cookies, and reads status, Retry-After, Date and body', async () => {
    const date = 'Tue, 01 Dec 2026 09:00:00 GMT';
    const fetch = vi.fn(async () => new Response('{"status":1}', { status: 200, headers: { 'Retry-After': '5', Date: date } }));
    vi.stubGlobal('fetch', fetch);
    const s = signal();
    const res = await fetchTransport('https://h.test/track/', 'data=x', s);
    expect(res).toEqual({ status: 200, retryAfter: '5', body: '{"status":1}', date });
    const init = (fetch.mock.calls[0] as unknown as [string, RequestInit])[1];
    expect(init).toMatchObject({ method: 'POST', body: 'data=x', credentials: 'omit', signal: s });
    expect(init.headers).toEqual({ 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(init.keepalive).toBeFalsy();
    await fetchTransport('https://h.test/track/', 'data=x', s, true);
    expect((fetch.mock.calls[1] as unknown as [string, RequestInit])[1]).toMatchObject({ keepalive: true });
  });

  it('adds xhr_headers to the form content type, and then does not ask for keepalive (it needs a preflight)', async () => {
    const fetch = vi.fn(async () => new Response('1', { status: 200 }));
    vi.stubGlobal('fetch', fetch);
    await fetchTransport('https://h.test/track/', 'data=x', signal(), true, { 'X-Site': 'shop' });
    const init = (fetch.mock.calls[0] as unknown as [string, RequestInit])[1];
    expect(init.headers).toEqual({ 'X-Site': 'shop', 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(init.keepalive).toBe(false);
  });

  it('answers status 0 on a network error or an abort instead of throwing', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(await fetchTransport('https://h.test/', 'data=x', signal())).toMatchObject({ status: 0 });
  });

  it('keeps the status of a 2xx whose body cannot be read', async () => {
    const res = new Response(null, { status: 204 });
    vi.spyOn(res, 'text').mockRejectedValue(new TypeError('opaque'));
    vi.stubGlobal('fetch', async () => res);
    expect(await fetchTransport('https://h.test/', 'data=x', signal())).toMatchObject({ status: 204, body: '' });
  });
});
