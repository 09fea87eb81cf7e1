import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { startCollector, type Collector } from '../../../examples/collector/collector.mjs';
import { event, formBody, post } from './http';

let collector: Collector;
let track: string;

beforeAll(async () => {
  collector = await startCollector({ hosts: ['primary'], maxBodyBytes: 64 * 1024 });
  track = `${collector.urls.primary}/track/?verbose=1`;
});
afterAll(() => collector.close());
beforeEach(() => collector.reset());

/** Sends raw bytes and returns whatever comes back before the server closes or 1 s passes. */
function raw(bytes: string): Promise<string> {
  const { port } = new URL(collector.urls.primary);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let got = '';
    socket.on('data', (d) => (got += d.toString()));
    socket.on('error', () => resolve(got));
    socket.on('close', () => resolve(got));
    socket.setTimeout(1000, () => socket.destroy());
    socket.write(bytes);
  });
}

const cases: [string, string, string, RegExp][] = [
  ['bad JSON', 'data=%5B%7B%22event%22', 'application/x-www-form-urlencoded', /not valid JSON/],
  ['missing data', 'foo=bar', 'application/x-www-form-urlencoded', /missing data/],
  ['empty body', '', 'application/x-www-form-urlencoded', /missing data/],
  ['neither JSON nor base64', 'data=%%%hello%20world!', 'application/x-www-form-urlencoded', /neither JSON nor base64/],
  ['base64 of garbage', `data=${Buffer.from('nope').toString('base64')}`, 'application/x-www-form-urlencoded', /not valid JSON/],
  ['empty array', 'data=%5B%5D', 'application/x-www-form-urlencoded', /empty/],
  ['item not an object', `data=${encodeURIComponent('[1, "x"]')}`, 'application/x-www-form-urlencoded', /item 0 is not an object/],
  ['event without name', formBody([{ properties: { $insert_id: 'x' } }]), 'application/x-www-form-urlencoded', /'event'/],
  ['event without properties', formBody([{ event: 'x' }]), 'application/x-www-form-urlencoded', /'properties'/],
  ['broken JSON body', '{"data": [', 'application/json', /body is not valid JSON/],
  ['invalid gzip', 'not gzip at all', 'application/x-www-form-urlencoded; gzip', /gzip/],
];

describe('malformed input', () => {
  it.each(cases)('%s gets 400 with a clear error', async (_name, body, type, error) => {
    const headers: Record<string, string> = type.endsWith('gzip') ? { 'Content-Encoding': 'gzip' } : {};
    const r = await post(track, body, type.replace('; gzip', ''), { headers });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toMatchObject({ status: 0, error: expect.stringMatching(error) });
    expect(collector.stats().raw).toBe(0);
  });

  it('one bad event rejects the whole request, as Mixpanel does', async () => {
    const r = await post(track, formBody([event('fine'), { event: 'no props' }]));
    expect(r.status).toBe(400);
    expect(collector.stats().raw).toBe(0);
  });

  it('a body over the limit gets 413', async () => {
    const r = await post(track, formBody(Array.from({ length: 2000 }, (_, i) => event(`big-${i}`))));
    expect(r.status).toBe(413);
  });

  it('unknown paths get 404', async () => {
    expect((await post(`${collector.urls.primary}/decide/?verbose=1`, formBody([event('x')]))).status).toBe(404);
  });

  it('survives garbage on the wire and keeps answering', async () => {
    expect(await raw('NOT HTTP AT ALL\r\n\r\n')).toMatch(/400/);
    expect(await raw('POST /track/ HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\ndata=')).toBe('');
    expect(await raw('GET /track/?data=%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1.1 400/);
    expect(await raw('GET /%ZZ/../../etc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1.1 404/);
    expect((await post(track, formBody([event('still-alive')]))).status).toBe(200);
  });
});

describe('CORS', () => {
  it('echoes the Origin and allows credentials on answers, errors included', async () => {
    const origin = 'http://127.0.0.1:5555';
    const ok = await post(track, formBody([event('c1')]), undefined, { headers: { Origin: origin } });
    expect(ok.headers.get('access-control-allow-origin')).toBe(origin);
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    const bad = await post(track, 'junk', undefined, { headers: { Origin: origin } });
    expect(bad.headers.get('access-control-allow-origin')).toBe(origin);
  });

  it('answers a preflight, echoing the requested headers', async () => {
    const res = await fetch(track, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://127.0.0.1:4000',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,x-custom',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:4000');
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type,x-custom');
    expect(res.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(res.headers.get('access-control-expose-headers')).toBe('Retry-After, Date');
    expect(collector.stats().raw).toBe(0);
  });
});

describe('the ingest hosts’ clock', () => {
  it('answers with the collector’s clock in Date, so a client reads the clock it is judged by', async () => {
    const sixDaysAhead = Date.UTC(2026, 11, 7, 12, 0, 0);
    const skewed = await startCollector({ hosts: ['primary'], now: () => sixDaysAhead });
    try {
      const res = await fetch(`${skewed.urls.primary}/track/?verbose=1`, {
        method: 'POST',
        headers: { Origin: 'http://127.0.0.1:4000', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: formBody([event('e')]),
      });
      expect(res.headers.get('date')).toBe(new Date(sixDaysAhead).toUTCString());
    } finally {
      await skewed.close();
    }
  });
});
