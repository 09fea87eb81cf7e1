import { describe, expect, it, vi } from 'vitest';
import { insertId } from '../../../src/utils/insert-id';
import { uuid } from '../../../src/utils/uuid';

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

describe('uuid', () => {
  it('is a version 4 UUID with the RFC 4122 variant, and never repeats', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const id = uuid();
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      ids.add(id);
    }
    expect(ids.size).toBe(2_000);
  });
});
