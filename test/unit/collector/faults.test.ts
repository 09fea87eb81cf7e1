import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startCollector, type Collector } from '../../../examples/collector/collector.mjs';
import { event, formBody, post } from './http';

let collector: Collector;
let track: string;

beforeAll(async () => {
  collector = await startCollector({ hosts: ['primary', 'alternate'] });
  track = `${collector.urls.primary}/track/?verbose=1`;
});
afterAll(() => collector.close());
beforeEach(() => collector.reset());

const batch = (n: number, prefix = 'e') => formBody(Array.from({ length: n }, (_, i) => event(`${prefix}${i}`)));

/** The `cause.code` of a failed fetch (ECONNREFUSED, ECONNRESET, ...), or the error name. */
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    return err.cause?.code ?? err.name;
  }
  return 'no error';
}

describe('fault modes', () => {
  it('500 and 503 answer with that status and accept nothing', async () => {
    await collector.setMode('primary', '500');
    const r500 = await post(track, batch(2));
    expect(r500.status).toBe(500);
    expect(JSON.parse(r500.text).status).toBe(0);
    await collector.setMode('primary', '503', { retryAfter: 7 });
    const r503 = await post(track, batch(2));
    expect(r503.status).toBe(503);
    expect(r503.headers.get('retry-after')).toBe('7');
    expect(collector.stats().byHost.primary).toMatchObject({ raw: 0, requests: 2, statuses: { 500: 1, 503: 1 } });
  });

  it('429 carries Retry-After (configurable, seconds or a date), readable cross-origin', async () => {
    await collector.setMode('primary', '429');
    const r = await post(track, batch(1), undefined, { headers: { Origin: 'http://localhost:3000' } });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(r.headers.get('access-control-expose-headers')).toMatch(/Retry-After/);
    await collector.setMode('primary', '429', { retryAfter: 'Wed, 21 Oct 2037 07:28:00 GMT' });
    expect((await post(track, batch(1))).headers.get('retry-after')).toBe('Wed, 21 Oct 2037 07:28:00 GMT');
    expect(collector.stats().raw).toBe(0);
  });

  it('413 above maxEvents per request, accepts batches at or below it', async () => {
    await collector.setMode('primary', '413', { maxEvents: 3 });
    expect((await post(track, batch(4, 'big'))).status).toBe(413);
    expect((await post(track, batch(3, 'ok'))).status).toBe(200);
    expect(collector.stats()).toMatchObject({ raw: 3, unique: 3 });
  });

  it('400 rejects the whole request when one event is poisoned', async () => {
    await collector.setMode('primary', '400');
    const mixed = formBody([event('good'), event('bad', { poison: true })]);
    const r = await post(track, mixed);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).error).toMatch(/item 1/);
    expect((await post(track, formBody([event('good')]))).status).toBe(200);
    expect(collector.stats()).toMatchObject({ raw: 1 });
    const poisonedProfile = formBody([{ $token: 't', $distinct_id: 'd', poison: true, $set: {} }]);
    expect((await post(`${collector.urls.primary}/engage/`, poisonedProfile)).status).toBe(400);
  });

  it('hang reads the request and never answers', async () => {
    await collector.setMode('primary', 'hang');
    const name = await failure(post(track, batch(1), undefined, { signal: AbortSignal.timeout(300) }));
    expect(name).toBe('TimeoutError');
    expect(collector.requests().at(-1)).toMatchObject({ status: 'hang', bytes: expect.any(Number) });
    expect(collector.stats().raw).toBe(0);
    // The other host is unaffected.
    expect((await post(`${collector.urls.alternate}/track/`, batch(1))).status).toBe(200);
  });

  it('refuse closes the port (ECONNREFUSED) and reopens it on the same port', async () => {
    const url = collector.urls.primary;
    expect((await post(track, batch(1, 'before'))).status).toBe(200); // leaves a kept-alive connection
    await collector.setMode('primary', 'refuse');
    expect(await failure(post(track, batch(1, 'during')))).toBe('ECONNREFUSED');
    await collector.setMode('primary', 'ok');
    expect(collector.urls.primary).toBe(url);
    expect((await post(track, batch(1, 'after'))).status).toBe(200);
    expect(collector.events().map((e) => e.insertId)).toEqual(['track:before0', 'track:after0']);
  });

  it('reset destroys the connection without an answer', async () => {
    await collector.setMode('primary', 'reset');
    expect(await failure(post(track, batch(1)))).not.toBe('no error');
    expect(collector.requests().at(-1)).toMatchObject({ status: 'reset' });
    expect(collector.stats().raw).toBe(0);
  });

  it('delay answers late but records the events at once', async () => {
    await collector.setMode('primary', 'ok', { delay: 400 });
    const started = Date.now();
    const pending = post(track, batch(1, 'slow'));
    await new Promise((r) => setTimeout(r, 150));
    expect(collector.stats().raw).toBe(1);
    expect((await pending).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
  });

  it('rejects unknown modes and hosts, and reset() restores ok', async () => {
    await expect(collector.setMode('primary', 'explode' as never)).rejects.toThrow(/unknown mode/);
    await expect(collector.setMode('nowhere', 'ok')).rejects.toThrow(/unknown host/);
    await collector.setMode('primary', 'refuse');
    await collector.setMode('alternate', '500');
    await collector.reset();
    expect((await post(track, batch(1))).status).toBe(200);
    expect((await post(`${collector.urls.alternate}/track/`, batch(1))).status).toBe(200);
  });
});
