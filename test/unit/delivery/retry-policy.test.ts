import { describe, expect, it } from 'vitest';
import { classify, honoursRetryAfter } from '../../../src/delivery/retry-policy';

describe('classify', () => {
  it.each([200, 201, 204, 299])('acknowledges %i', (s) => {
    expect(classify(s, '{"status":1,"error":null}')).toBe('ok');
    expect(classify(s, '1')).toBe('ok');
  });

  it('acknowledges a 2xx whose body cannot be read', () => {
    expect(classify(200, '')).toBe('ok');
    expect(classify(200, '<html>proxy</html>')).toBe('ok');
  });

  it('treats a verbose 200 with status 0 as a rejection of the batch', () => {
    expect(classify(200, '{"status":0,"error":"data, missing or empty"}')).toBe('reject');
    expect(classify(200, '0')).toBe('reject');
  });

  it('splits on 413 and isolates on 400', () => {
    expect(classify(413, '')).toBe('split');
    expect(classify(400, '{"error":"bad"}')).toBe('reject');
  });

  it.each([0, 408, 429, 500, 502, 503, 504, 599])('retries %i', (s) => {
    expect(classify(s, '')).toBe('retry');
  });

  it.each([301, 401, 403, 404, 405])('never drops on an answer it cannot act on (%i): retries instead', (s) => {
    expect(classify(s, '')).toBe('retry');
  });

  it('honours Retry-After on 429 and 503 only', () => {
    expect(honoursRetryAfter(429)).toBe(true);
    expect(honoursRetryAfter(503)).toBe(true);
    expect(honoursRetryAfter(500)).toBe(false);
    expect(honoursRetryAfter(502)).toBe(false);
  });
});
