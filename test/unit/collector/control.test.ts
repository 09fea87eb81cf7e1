import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector, type Collector } from '../../../examples/collector/collector.mjs';
import { event, formBody, post } from './http';

let collector: Collector;
const dir = mkdtempSync(join(tmpdir(), 'collector-script-'));

beforeAll(async () => {
  writeFileSync(join(dir, 'mixpanel.min.js'), 'window.loaded = true;');
  collector = await startCollector({ hosts: ['primary', 'alternate'], scriptHost: { dir } });
});
afterAll(async () => {
  await collector.close();
  rmSync(dir, { recursive: true, force: true });
});

const control = (path: string, body?: unknown) =>
  fetch(`${collector.controlUrl}${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) }).then(async (r) => ({
    status: r.status,
    json: await r.json(),
    cors: r.headers.get('access-control-allow-origin'),
  }));

describe('control API', () => {
  it('reads stats, events and requests, switches modes and resets', async () => {
    await collector.reset();
    await post(`${collector.urls.primary}/track/`, formBody([event('a'), event('b')]));
    const stats = await control('/stats');
    expect(stats.json).toMatchObject({ raw: 2, unique: 2, byHost: { primary: { raw: 2, fault: { mode: 'ok' } } } });

    const first = await control('/events');
    expect(first.json.events).toHaveLength(2);
    await post(`${collector.urls.alternate}/track/`, formBody([event('b'), event('c')]));
    const next = await control(`/events?since=${first.json.cursor}`);
    expect(next.json.events.map((e: { insertId: string }) => e.insertId)).toEqual(['track:b', 'track:c']);
    expect((await control('/events?unique=1')).json.events).toHaveLength(3);
    expect((await control('/requests')).json.requests.map((r: { host: string }) => r.host)).toEqual(['primary', 'alternate']);

    const switched = await control('/mode', { host: 'primary', mode: '429', retryAfter: 3 });
    expect(switched.json).toMatchObject({ ok: true, fault: { mode: '429', retryAfter: 3 } });
    const limited = await post(`${collector.urls.primary}/track/`, formBody([event('d')]));
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '3']);

    expect((await control('/mode', { host: 'primary', mode: 'nope' })).status).toBe(400);
    expect((await control('/mode', { host: 'ghost', mode: 'ok' })).status).toBe(400);
    expect((await control('/reset', {})).json).toEqual({ ok: true });
    expect((await control('/stats')).json).toMatchObject({ raw: 0, byHost: { primary: { fault: { mode: 'ok' } } } });
  });

  it('lists urls and allows the demo’s own origins', async () => {
    const res = await fetch(`${collector.controlUrl}/`, { headers: { Origin: 'http://localhost:8000' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:8000');
    expect(await res.json()).toMatchObject({ urls: collector.urls, controlUrl: collector.controlUrl });
    expect((await control('/nothing')).status).toBe(404);
    expect((await fetch(`${collector.controlUrl}/mode`, { method: 'POST', body: '{oops' })).status).toBe(400);
  });
});

describe('script host', () => {
  const script = () => `${collector.urls.script}/mixpanel.min.js`;

  it('serves files with their content type and no caching; 404 otherwise, no escaping the folder', async () => {
    await collector.reset();
    const res = await fetch(script());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toBe('window.loaded = true;');
    expect((await fetch(`${collector.urls.script}/missing.js`)).status).toBe(404);
    expect((await fetch(`${collector.urls.script}/..%2f..%2fetc%2fpasswd`)).status).toBe(404);
    expect(collector.stats().byHost.script.requests).toBe(3);
  });

  it('has the same fault modes: notfound, 500, hang, refuse', async () => {
    await collector.setMode('script', 'notfound');
    expect((await fetch(script())).status).toBe(404);
    await collector.setMode('script', '500');
    expect((await fetch(script())).status).toBe(500);
    await collector.setMode('script', 'hang');
    await expect(fetch(script(), { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    await collector.setMode('script', 'refuse');
    await expect(fetch(script())).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
    await collector.setMode('script', 'ok', { delay: 200 });
    const started = Date.now();
    expect((await fetch(script())).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
    await collector.setMode('script', 'ok');
  });
});

describe('lifecycle', () => {
  it('close() ends hanging requests and frees the ports', async () => {
    const c = await startCollector({ hosts: ['only'] });
    await c.setMode('only', 'hang');
    const pending = post(`${c.urls.only}/track/`, formBody([event('h')])).then(
      () => 'answered',
      () => 'failed',
    );
    await new Promise((r) => setTimeout(r, 100));
    await c.close();
    expect(await pending).toBe('failed');
    await expect(fetch(`${c.urls.only}/track/`)).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
    await c.close(); // twice is harmless
  });

  it('fixed ports: a busy port makes startCollector reject and release what it opened', async () => {
    const a = await startCollector({ hosts: ['one'] });
    const busy = Number(new URL(a.urls.one).port);
    await expect(startCollector({ hosts: ['x', 'y'], ports: { y: busy } })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await a.close();
  });
});
