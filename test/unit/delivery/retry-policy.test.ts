import { describe, expect, it } from 'vitest';
import { backoffDelay, classify, deliverSplitting, dropReason, retryAfterMs, RETRY_AFTER_MAX_MS } from '../../../src/delivery/retry-policy';

describe('classify', () => {
  it.each([200, 201, 204, 299])('acknowledges %i', (s) => {
    expect(classify(s, '{"status":1,"error":null}')).toBe('ok');
    expect(classify(s, '1')).toBe('ok');
  });

  it('acknowledges a 2xx whose body cannot be read', () => {
    expect(classify(200, '')).toBe('ok');
    expect(classify(200)).toBe('ok');
    expect(classify(200, '<html>proxy</html>')).toBe('ok');
    expect(classify(200, 'null')).toBe('ok');
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

  it.each([301, 302, 304, 100])('never drops on an answer it cannot act on (%i): retries instead', (s) => {
    expect(classify(s, '')).toBe('retry');
  });

  // issue 14 item 5: a 4xx that no retry changes is a refusal, handed to HostRotation.judge for failover
  it.each([401, 403, 404, 405, 409, 410, 422, 451, 499])('calls %i a refusal, not a host failure', (s) => {
    expect(classify(s, '')).toBe('refused');
  });

  it.each([408, 429])('keeps retrying the transient 4xx %i', (s) => {
    expect(classify(s, '')).toBe('retry');
  });
});

describe('backoffDelay', () => {
  it('has a ceiling that doubles each round up to the cap', () => {
    const top = () => 1;
    expect(backoffDelay(1, 100, 10_000, top)).toBe(100);
    expect(backoffDelay(2, 100, 10_000, top)).toBe(200);
    expect(backoffDelay(5, 100, 10_000, top)).toBe(1_600);
    expect(backoffDelay(8, 100, 10_000, top)).toBe(10_000);
    expect(backoffDelay(5_000, 100, 10_000, top)).toBe(10_000);
  });

  it('never goes above the cap nor below zero, whatever the round', () => {
    for (let round = 1; round < 200; round += 7) {
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(round, 1_000, 300_000);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(300_000);
      }
    }
  });

  it('spreads delays over the whole [0, ceiling] range (full jitter)', () => {
    expect(backoffDelay(4, 100, 10_000, () => 0)).toBe(0);
    expect(backoffDelay(4, 100, 10_000, () => 0.5)).toBe(400);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(Math.floor(backoffDelay(4, 100, 10_000) / 100));
    expect(seen.size).toBeGreaterThanOrEqual(6); // 8 buckets of 100 ms under an 800 ms ceiling
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2024-03-01T12:00:00Z');
  const on429 = (h: string | null | undefined) => retryAfterMs(429, h, now);

  it('reads delay-seconds', () => {
    expect(on429('3')).toBe(3_000);
    expect(on429(' 120 ')).toBe(120_000);
    expect(on429('0')).toBe(0);
  });

  it('reads an HTTP date', () => {
    expect(on429('Fri, 01 Mar 2024 12:00:30 GMT')).toBe(30_000);
  });

  it('reads a past date as "now"', () => {
    expect(on429('Fri, 01 Mar 2024 11:00:00 GMT')).toBe(0);
  });

  it('ignores garbage', () => {
    for (const g of [null, undefined, '', 'soon', '3.5', '-1', 'Fri, not a date', '1e3']) expect(on429(g)).toBeNull();
  });

  it('caps absurd holds at an hour', () => {
    expect(on429('86400')).toBe(RETRY_AFTER_MAX_MS);
    expect(on429('Sat, 01 Mar 2025 12:00:00 GMT')).toBe(RETRY_AFTER_MAX_MS);
  });

  it('is honoured on 429 and 503 only', () => {
    expect(retryAfterMs(503, '3', now)).toBe(3_000);
    expect(retryAfterMs(500, '3', now)).toBeNull();
    expect(retryAfterMs(502, '3', now)).toBeNull();
  });
});

describe('deliverSplitting on a refusal by every host', () => {
  it('gives the whole batch up at once, without bisecting it', async () => {
    const attempts: number[][] = [];
    const given: Array<[number[], string]> = [];
    const done = await deliverSplitting(
      [1, 2, 3, 4, 5, 6],
      async (items) => {
        attempts.push(items);
        return 'refused';
      },
      async (items, verdict) => void given.push([items, verdict]),
    );
    expect(done).toBe(true);
    expect(attempts).toEqual([[1, 2, 3, 4, 5, 6]]);
    expect(given).toEqual([[[1, 2, 3, 4, 5, 6], 'refused']]);
    expect(dropReason('refused')).toBe('refused_by_every_host');
    expect(dropReason('split')).toBe('too_large');
    expect(dropReason('reject')).toBe('rejected');
  });
});
