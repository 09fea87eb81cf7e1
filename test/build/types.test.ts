import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** tsc's output for one fixture, compiled strictly against the built dist/index.d.ts. */
const compile = (...args: string[]) => {
  const r = spawnSync('npx', ['tsc', ...args], { encoding: 'utf8' });
  return { out: r.stdout + r.stderr, status: r.status };
};
const strictFile = (file: string) =>
  compile(
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
    file,
  );

describe('published types', () => {
  it('dist/index.d.ts exists, as package.json says', () => {
    expect(existsSync('dist/index.d.ts')).toBe(true);
  });
  it('a strict TypeScript app compiles against them', () => {
    expect(strictFile('test/build/fixtures/consumer.ts')).toEqual({ out: '', status: 0 });
  });
  it("the default export is assignable to mixpanel-browser's own Mixpanel interface (recording and flags aside)", () => {
    // mixpanel-browser 2.83 ships its declarations (package.json "types": ./src/index.d.ts)
    expect(existsSync('node_modules/mixpanel-browser/src/index.d.ts')).toBe(true);
    expect(strictFile('test/build/fixtures/assignable.ts')).toEqual({ out: '', status: 0 });
  });
  it('code written for mixpanel-browser compiles when Outlast is installed under that name (npm alias)', () => {
    expect(compile('-p', 'test/build/fixtures/as-mixpanel-browser/tsconfig.json')).toEqual({ out: '', status: 0 });
  });
});
