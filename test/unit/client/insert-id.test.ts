import { describe, expect, it, vi } from 'vitest';
import { insertId } from '../../../src/utils/insert-id';

describe('insertId', () => {
  it('is 32 hex digits, the shape Mixpanel dedupes on', () => {
    for (let i = 0; i < 600; i++) expect(insertId()).toMatch(/^[0-9a-f]{32}$/);
  });

  it('never repeats across many pools of random bytes', () => {
    const ids = new Set(Array.from({ length: 20_000 }, insertId));
    expect(ids.size).toBe(20_000);
  });

  it('still gives distinct ids where Web Crypto is missing', () => {
    vi.stubGlobal('crypto', undefined);
    try {
      const ids = new Set(Array.from({ length: 1_000 }, insertId));
      expect(ids.size).toBe(1_000);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
