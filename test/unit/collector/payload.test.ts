import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { startCollector, type Collector } from '../../../examples/collector/collector.mjs';
import { base64Json, event, formBody, post } from './http';

let collector: Collector;
let track: string;

beforeAll(async () => {
  collector = await startCollector({ hosts: ['primary'] });
  track = `${collector.urls.primary}/track/?verbose=1`;
});
afterAll(() => collector.close());
beforeEach(() => collector.reset());

/** The insert ids the collector accepted, in order. */
const acceptedIds = () => collector.events().map((e) => (e.data.properties as { $insert_id: string }).$insert_id);

describe('data= is decoded in every form a client sends', () => {
  it('urlencoded JSON array in a form body', async () => {
    const r = await post(track, formBody([event('a'), event('b')]));
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual({ status: 1, error: null });
    expect(acceptedIds()).toEqual(['a', 'b']);
  });

  it('a single object rather than an array', async () => {
    expect((await post(track, formBody(event('one')))).status).toBe(200);
    expect(acceptedIds()).toEqual(['one']);
  });

  it('base64 JSON in a form body, escaped or with + left raw', async () => {
    const b64 = base64Json([event('b64-é/?>>>'), event('x')]);
    expect(b64).toMatch(/[+/]/);
    expect((await post(track, `data=${encodeURIComponent(b64)}`)).status).toBe(200);
    expect((await post(track, `data=${b64}`)).status).toBe(200);
    expect(acceptedIds()).toEqual(['b64-é/?>>>', 'x', 'b64-é/?>>>', 'x']);
  });

  it('data in the query string (GET and POST without body)', async () => {
    const q = encodeURIComponent(JSON.stringify([event('q1')]));
    const res = await fetch(`${collector.urls.primary}/track?data=${q}`);
    expect(await res.text()).toBe('1');
    const b = encodeURIComponent(base64Json(event('q2')));
    expect((await post(`${collector.urls.primary}/track/?data=${b}`, '')).text).toBe('1');
    expect(acceptedIds()).toEqual(['q1', 'q2']);
  });

  it('JSON body: {"data": [...]}, {"data": "<base64>"} and a raw array', async () => {
    expect((await post(track, JSON.stringify({ data: [event('j1')] }), 'application/json')).status).toBe(200);
    expect((await post(track, JSON.stringify({ data: base64Json([event('j2')]) }), 'application/json')).status).toBe(200);
    expect((await post(track, JSON.stringify([event('j3')]), 'application/json')).status).toBe(200);
    expect(acceptedIds()).toEqual(['j1', 'j2', 'j3']);
  });

  it('a sendBeacon text/plain body holding data=...', async () => {
    const r = await post(track, formBody([event('beacon')]), 'text/plain;charset=UTF-8');
    expect(r.status).toBe(200);
    expect(acceptedIds()).toEqual(['beacon']);
    expect(collector.requests().at(-1)).toMatchObject({ transport: 'beacon', count: 1, status: 200, endpoint: 'track' });
  });

  it('a gzip body', async () => {
    const r = await post(track, gzipSync(formBody([event('gz')])), 'application/x-www-form-urlencoded', {
      headers: { 'Content-Encoding': 'gzip' },
    });
    expect(r.status).toBe(200);
    expect(acceptedIds()).toEqual(['gz']);
  });

  it('/engage and /groups, with or without trailing slash', async () => {
    const profile = { $token: 't', $distinct_id: 'd', $set: { plan: 'pro' } };
    const group = { $token: 't', $group_key: 'company', $group_id: 'acme', $set: { size: 3 } };
    for (const path of ['/engage/', '/engage', '/groups/', '/groups']) {
      const body = formBody([path.startsWith('/engage') ? profile : group]);
      expect((await post(`${collector.urls.primary}${path}?verbose=1`, body)).status).toBe(200);
    }
    expect(collector.stats().byEndpoint.engage).toMatchObject({ raw: 2, requests: 2 });
    expect(collector.stats().byEndpoint.groups).toMatchObject({ raw: 2, requests: 2 });
  });

  it('answers 1 / 0 without verbose', async () => {
    expect((await post(`${collector.urls.primary}/track/`, formBody([event('nv')]))).text).toBe('1');
    const bad = await post(`${collector.urls.primary}/track/`, 'data=%7Bnot json');
    expect(bad).toMatchObject({ status: 400, text: '0' });
  });
});
