import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector, type Collector } from '../../../examples/collector/collector.mjs';
import { request } from 'node:http';
import { event, formBody, post } from './http';

let collector: Collector;
const dir = mkdtempSync(join(tmpdir(), 'collector-store-'));
const storeFile = join(dir, 'nested', 'events.jsonl');

beforeAll(async () => {
  collector = await startCollector({ hosts: ['primary', 'alternate'], storeFile });
});
afterAll(async () => {
  await collector.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => collector.reset());

const send = (host: string, ids: string[], path = '/track/') =>
  post(`${collector.urls[host]}${path}?verbose=1`, formBody(ids.map((id) => event(id))));

describe('counting by $insert_id', () => {
  it('counts raw, unique and duplicates per host and overall', async () => {
    await send('primary', ['a', 'b', 'c']);
    await send('primary', ['b', 'c']); // a retry after a lost answer
    await send('alternate', ['c', 'd']); // failover resent c
    const s = collector.stats();
    expect(s.byHost.primary).toMatchObject({ raw: 5, unique: 3, duplicates: 2, requests: 2, accepted: 2 });
    expect(s.byHost.alternate).toMatchObject({ raw: 2, unique: 2, duplicates: 0, requests: 1 });
    expect(s).toMatchObject({ raw: 7, unique: 4, duplicates: 3, requests: 3 });
    expect(s.byEndpoint.track).toMatchObject({ raw: 7, unique: 4, duplicates: 3, requests: 3 });
    expect(s.byHost.primary.byEndpoint.track.requests).toBe(2);
  });

  it('never merges track events without an $insert_id', async () => {
    const bare = { event: 'x', properties: { token: 't' } };
    await post(`${collector.urls.primary}/track/`, formBody([bare, bare]));
    expect(collector.stats()).toMatchObject({ raw: 2, unique: 2 });
  });

  it('dedupes engage updates by $insert_id, else by content whatever the key order', async () => {
    const url = `${collector.urls.primary}/engage/`;
    await post(url, formBody([{ $token: 't', $distinct_id: 'd', $set: { a: 1, b: 2 } }]));
    await post(url, formBody([{ $set: { b: 2, a: 1 }, $distinct_id: 'd', $token: 't' }]));
    await post(url, formBody([{ $token: 't', $distinct_id: 'd', $set: { a: 2 } }]));
    await post(
      url,
      formBody([
        { $token: 't', $distinct_id: 'd', $insert_id: 'e1', $set: { n: 1 } },
        { $token: 't', $distinct_id: 'd', $insert_id: 'e1', $set: { n: 2 } },
      ]),
    );
    expect(collector.stats().byEndpoint.engage).toMatchObject({ raw: 5, unique: 3, duplicates: 2 });
  });

  it('events() filters by host, endpoint, name, since and uniqueness', async () => {
    await send('primary', ['a', 'b']);
    const cursor = collector.events().at(-1)!.seq;
    await send('alternate', ['b', 'c']);
    expect(collector.events({ host: 'alternate' }).map((e) => e.insertId)).toEqual(['track:b', 'track:c']);
    expect(collector.events({ since: cursor }).map((e) => e.host)).toEqual(['alternate', 'alternate']);
    expect(collector.events({ unique: true })).toHaveLength(3);
    expect(collector.events({ event: 'Signed up' })).toHaveLength(4);
    expect(collector.events({ event: 'Other' })).toHaveLength(0);
    expect(collector.events({ endpoint: 'engage' })).toHaveLength(0);
    expect(collector.events().find((e) => e.host === 'alternate' && e.insertId === 'track:b')?.duplicate).toBe(true);
  });

  it('logs requests with host, endpoint, count, status and transport', async () => {
    await send('primary', ['a', 'b']);
    await post(`${collector.urls.alternate}/track/`, formBody([event('z')]), 'text/plain;charset=UTF-8');
    await post(`${collector.urls.alternate}/track/`, 'garbage');
    const log = collector.requests();
    expect(log.map(({ host, endpoint, count, status, transport }) => ({ host, endpoint, count, status, transport }))).toEqual([
      { host: 'primary', endpoint: 'track', count: 2, status: 200, transport: 'fetch' },
      { host: 'alternate', endpoint: 'track', count: 1, status: 200, transport: 'beacon' },
      { host: 'alternate', endpoint: 'track', count: 0, status: 400, transport: 'fetch' },
    ]);
    expect(log[2].error).toMatch(/data/);
    expect(collector.requests(log[1].seq)).toHaveLength(1);
  });

  it('logs the query string and content type, and counts a no-cors form post as a beacon', async () => {
    await post(`${collector.urls.primary}/track/?verbose=1&ip=1&_=123`, formBody([event('q')]));
    // what Chromium sends for `sendBeacon(url, new Blob([body], { type: form }))` to another origin
    await rawPost(`${collector.urls.primary}/track/`, formBody([event('b')]), {
      'Content-Type': 'application/x-www-form-urlencoded',
      'Sec-Fetch-Mode': 'no-cors', // Node's fetch would overwrite it
    });
    const [first, second] = collector.requests();
    expect(first).toMatchObject({ query: '?verbose=1&ip=1&_=123', contentType: 'application/x-www-form-urlencoded', transport: 'fetch' });
    expect(second).toMatchObject({ query: '', transport: 'beacon', status: 200 });
  });

  it('appends accepted events to the JSON-lines file, and reset() forgets memory only', async () => {
    await send('primary', ['file-1', 'file-2']);
    await collector.reset();
    expect(collector.events()).toHaveLength(0);
    expect(collector.stats()).toMatchObject({ raw: 0, unique: 0, requests: 0 });
    await send('primary', ['file-1']);
    // The first id is new again after reset: the dedupe memory is cleared too.
    expect(collector.stats().unique).toBe(1);
    const readLines = () =>
      readFileSync(storeFile, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    // the file is appended through a write stream: wait for the last line rather than a fixed time, which a busy machine outruns
    await vi.waitFor(
      () =>
        expect(
          readLines()
            .map((l) => l.insertId)
            .slice(-3),
        ).toEqual(['track:file-1', 'track:file-2', 'track:file-1']),
      {
        timeout: 5000,
        interval: 20,
      },
    );
    const lines = readLines();
    expect(lines.at(-1)).toMatchObject({ host: 'primary', endpoint: 'track', data: { event: 'Signed up' } });
  });
});

/** A POST with exactly these headers; resolves with the status. */
function rawPost(url: string, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}
