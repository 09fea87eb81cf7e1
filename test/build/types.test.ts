import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

describe('published types', () => {
  it('dist/index.d.ts exists, as package.json says', () => {
    expect(existsSync('dist/index.d.ts')).toBe(true);
  });
  it('a strict TypeScript app compiles against them', () => {
    const r = spawnSync(
      'npx',
      [
        'tsc',
        '--noEmit',
        '--strict',
        '--skipLibCheck',
        '--target',
        'ES2019',
        '--module',
        'ESNext',
        '--moduleResolution',
        'Bundler',
        '--lib',
        'ES2020,DOM',
        'test/build/fixtures/consumer.ts',
      ],
      { encoding: 'utf8' },
    );
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
