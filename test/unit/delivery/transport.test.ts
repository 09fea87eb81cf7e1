import { afterEach, describe, expect, it, vi } from 'vitest';
import { fetchTransport } from '../../../src/delivery/transport';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('fetchTransport', () => {
  it('POSTs a form body without cookies, with keepalive as asked', async () => {
    const fetch = vi.fn(async () => new Response('{"status":1}', { status: 200, headers: { 'Retry-After': '5' } }));
    vi.stubGlobal('fetch', fetch);
    const res = await fetchTransport('https://h.test/track/', 'data=x', 1_000, true);
    expect(res).toEqual({ status: 200, retryAfter: '5', body: '{"status":1}' });
    const init = (fetch.mock.calls[0] as unknown as [string, RequestInit])[1];
    expect(init).toMatchObject({ method: 'POST', body: 'data=x', keepalive: true, credentials: 'omit' });
    expect(init.headers).toEqual({ 'Content-Type': 'application/x-www-form-urlencoded' });
  });

  it('answers status 0 on a network error instead of throwing', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(await fetchTransport('https://h.test/', 'data=x', 1_000, false)).toMatchObject({ status: 0, error: 'network' });
  });

  it('gives up after the timeout and aborts the request', async () => {
    vi.useFakeTimers();
    let signal: AbortSignal | undefined;
    vi.stubGlobal('fetch', (_u: string, init: RequestInit) => {
      signal = init.signal ?? undefined;
      return new Promise(() => undefined);
    });
    const pending = fetchTransport('https://h.test/', 'data=x', 500, false);
    await vi.advanceTimersByTimeAsync(500);
    expect(await pending).toMatchObject({ status: 0, error: 'timeout' });
    expect(signal?.aborted).toBe(true);
  });

  it('keeps the status of a 2xx whose body cannot be read', async () => {
    const res = new Response(null, { status: 204 });
    vi.spyOn(res, 'text').mockRejectedValue(new TypeError('opaque'));
    vi.stubGlobal('fetch', async () => res);
    expect(await fetchTransport('https://h.test/', 'data=x', 1_000, false)).toMatchObject({ status: 204, body: '' });
  });
});
