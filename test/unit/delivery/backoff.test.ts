import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter, RETRY_AFTER_MAX_MS } from '../../../src/delivery/backoff';

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

describe('parseRetryAfter', () => {
  const now = Date.parse('2024-03-01T12:00:00Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter('0', now)).toBe(0);
  });

  it('reads an HTTP date', () => {
    expect(parseRetryAfter('Fri, 01 Mar 2024 12:00:30 GMT', now)).toBe(30_000);
  });

  it('reads a past date as "now"', () => {
    expect(parseRetryAfter('Fri, 01 Mar 2024 11:00:00 GMT', now)).toBe(0);
  });

  it('ignores garbage', () => {
    for (const g of [null, undefined, '', 'soon', '3.5', '-1', 'Fri, not a date', '1e3']) {
      expect(parseRetryAfter(g, now)).toBeNull();
    }
  });

  it('caps absurd holds at an hour', () => {
    expect(parseRetryAfter('86400', now)).toBe(RETRY_AFTER_MAX_MS);
    expect(parseRetryAfter('Sat, 01 Mar 2025 12:00:00 GMT', now)).toBe(RETRY_AFTER_MAX_MS);
  });
});
