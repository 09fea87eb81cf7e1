// Who may talk to a collector running on a developer's machine: the demo's and the tests' pages
// (loopback origins by default, or a configured list), never another website, whether it asks
// cross-origin or rebinds its own name to 127.0.0.1; and how much it keeps in memory.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { startCollector, type Collector } from '../../../examples/collector/collector.mjs';
import { event, formBody, post } from './http';

let collector: Collector;
beforeAll(async () => {
  collector = await startCollector({ hosts: ['primary', 'alternate'] });
});
afterAll(() => collector.close());
beforeEach(() => collector.reset());

const EVIL = 'https://evil.example';

/** A request with any headers, `Host` included (fetch may not set it). */
function raw(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const target = new URL(url);
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: opts.method ?? 'GET',
        headers: opts.headers,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('origins', () => {
  it('another website can neither read /events nor see an answer to its requests', async () => {
    await post(`${collector.urls.primary}/track/`, formBody([event('secret')]));
    const res = await fetch(`${collector.controlUrl}/events`, { headers: { Origin: EVIL } });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(await res.text()).not.toContain('secret');
  });

  it('another website cannot switch a host’s mode or reset, even with a form-like POST that needs no preflight', async () => {
    for (const [path, body] of [
      ['/mode', { host: 'primary', mode: 'refuse' }],
      ['/semantics', { semantics: 'mixpanel' }],
      ['/reset', {}],
    ] as const) {
      const res = await post(`${collector.controlUrl}${path}`, JSON.stringify(body), 'text/plain', { headers: { Origin: EVIL } });
      expect(res.status, path).toBe(403);
    }
    await post(`${collector.urls.primary}/track/`, formBody([event('kept')]));
    expect(collector.stats().byHost.primary.fault.mode).toBe('ok');
    expect(collector.semantics()).toBe('dedupe');
  });

  it('approves neither a CORS nor a private-network preflight from another website', async () => {
    for (const url of [`${collector.controlUrl}/mode`, `${collector.urls.primary}/track/`]) {
      const res = await fetch(url, {
        method: 'OPTIONS',
        headers: { Origin: EVIL, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Private-Network': 'true' },
      });
      expect(res.status, url).toBe(403);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-private-network')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  it('refuses events another website posts, beacons included, and stores none', async () => {
    const res = await post(`${collector.urls.primary}/track/`, formBody([event('spam')]), 'text/plain', {
      headers: { Origin: EVIL, 'Sec-Fetch-Mode': 'no-cors' },
    });
    expect(res.status).toBe(403);
    expect(collector.events()).toEqual([]);
    expect(collector.requests().at(-1)).toMatchObject({ status: 403, error: expect.stringMatching(/origin/) });
  });

  it('serves every loopback origin (the tests’ and the demo’s pages), with credentials and private-network access', async () => {
    for (const origin of ['http://127.0.0.1:5555', 'http://127.0.0.2:4000', 'http://localhost:3000', 'http://[::1]:8080']) {
      const preflight = await fetch(`${collector.urls.primary}/track/`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Private-Network': 'true' },
      });
      expect(preflight.status, origin).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
      expect(preflight.headers.get('access-control-allow-private-network')).toBe('true');
      const sent = await post(`${collector.urls.primary}/track/`, formBody([event(origin)]), undefined, { headers: { Origin: origin } });
      expect(sent.status).toBe(200);
      expect(sent.headers.get('access-control-allow-credentials')).toBe('true');
      const read = await fetch(`${collector.controlUrl}/stats`, { headers: { Origin: origin } });
      expect(read.headers.get('access-control-allow-origin')).toBe(origin);
    }
    expect(collector.stats().unique).toBe(4);
  });

  it('takes requests without an Origin (Node, curl, a same-origin GET) as before', async () => {
    expect((await post(`${collector.urls.primary}/track/`, formBody([event('node')]))).status).toBe(200);
    expect((await fetch(`${collector.controlUrl}/events`)).status).toBe(200);
  });

  it('an explicit list replaces the loopback default; "loopback" keeps it', async () => {
    const listed = await startCollector({ hosts: ['primary'], allowedOrigins: ['https://demo.test'] });
    const both = await startCollector({ hosts: ['primary'], allowedOrigins: ['loopback', 'https://demo.test'] });
    try {
      const status = async (c: Collector, origin: string) => (await fetch(`${c.controlUrl}/stats`, { headers: { Origin: origin } })).status;
      expect(await status(listed, 'https://demo.test')).toBe(200);
      expect(await status(listed, 'http://127.0.0.1:5555')).toBe(403);
      expect(await status(listed, 'https://demo.test.evil.example')).toBe(403);
      expect(await status(both, 'http://127.0.0.1:5555')).toBe(200);
      expect(await status(both, 'https://demo.test')).toBe(200);
      expect(await status(both, EVIL)).toBe(403);
      expect(await status(both, 'null')).toBe(403);
    } finally {
      await Promise.all([listed.close(), both.close()]);
    }
  });
});

describe('Host header (DNS rebinding)', () => {
  it('refuses a name that is not this machine’s, on the control API and the ingest hosts', async () => {
    const port = new URL(collector.controlUrl).port;
    const events = await raw(`${collector.controlUrl}/events`, { headers: { Host: `evil.example:${port}` } });
    expect(events.status).toBe(403);
    expect(events.text).toMatch(/host/i);
    const ingest = await raw(`${collector.urls.primary}/track/`, {
      method: 'POST',
      headers: { Host: 'rebind.evil.example', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: formBody([event('rebound')]),
    });
    expect(ingest.status).toBe(403);
    expect(collector.events()).toEqual([]);
  });

  it('takes loopback addresses, localhost, single-label names (an nginx upstream) and configured names', async () => {
    const port = new URL(collector.controlUrl).port;
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `app.localhost:${port}`,
      `[::1]:${port}`,
      'outlast_ingest',
      `192.168.1.20:${port}`,
    ]) {
      expect((await raw(`${collector.controlUrl}/stats`, { headers: { Host: host } })).status, host).toBe(200);
    }
    const named = await startCollector({ hosts: ['primary'], allowedHosts: ['collector.test'] });
    try {
      const url = `${named.controlUrl}/stats`;
      expect((await raw(url, { headers: { Host: 'collector.test:8800' } })).status).toBe(200);
      expect((await raw(url, { headers: { Host: 'other.test' } })).status).toBe(403);
    } finally {
      await named.close();
    }
  });
});

describe('stored bodies are capped', () => {
  it('keeps the newest items within maxStoredItems, and counts on', async () => {
    const small = await startCollector({ hosts: ['primary'], maxStoredItems: 5 });
    try {
      for (let i = 0; i < 8; i++) await post(`${small.urls.primary}/track/`, formBody([event(`e${i}`)]));
      expect(small.events().map((e) => e.insertId)).toEqual(['track:e3', 'track:e4', 'track:e5', 'track:e6', 'track:e7']);
      expect(small.stats()).toMatchObject({ raw: 8, unique: 8, evicted: 3 });
      // a re-send of a forgotten event is still a duplicate
      await post(`${small.urls.primary}/track/`, formBody([event('e0')]));
      expect(small.stats()).toMatchObject({ raw: 9, unique: 8, duplicates: 1 });
    } finally {
      await small.close();
    }
  });

  it('keeps the newest items within maxStoredBytes', async () => {
    const small = await startCollector({ hosts: ['primary'], maxStoredBytes: 2_000 });
    try {
      const big = 'x'.repeat(600);
      for (let i = 0; i < 6; i++) await post(`${small.urls.primary}/track/`, formBody([event(`b${i}`, { big })]));
      const kept = small.events();
      expect(kept.length).toBeLessThan(6);
      expect(kept.length).toBeGreaterThan(0);
      expect(kept.at(-1)!.insertId).toBe('track:b5');
      expect(kept.reduce((n, e) => n + JSON.stringify(e.data).length, 0)).toBeLessThanOrEqual(2_000);
      expect(small.stats().evicted).toBe(6 - kept.length);
    } finally {
      await small.close();
    }
  });

  it('has safe defaults: items and bytes are bounded without any option', async () => {
    const { DEFAULT_MAX_STORED_ITEMS, DEFAULT_MAX_STORED_BYTES } = await import('../../../examples/collector/store.mjs');
    expect(DEFAULT_MAX_STORED_ITEMS).toBeGreaterThanOrEqual(100_000);
    expect(DEFAULT_MAX_STORED_BYTES).toBeLessThanOrEqual(512 * 1024 * 1024);
  });
});
