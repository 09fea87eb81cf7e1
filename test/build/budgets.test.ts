import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { BUDGETS } from '../../scripts/budgets.mjs';
import { bundleNpmEntry } from '../../scripts/bundle-npm-entry.mjs';

const gz = (buf: Buffer | string) => gzipSync(buf, { level: 9 }).length;

describe('byte budgets (gzip -9)', () => {
  for (const file of ['dist/snippet.min.js', 'dist/mixpanel.min.js'] as const) {
    it(`${file} stays within ${BUDGETS[file]} bytes`, () => {
      const size = gz(readFileSync(file));
      console.log(`${file}: ${size} B gzip (budget ${BUDGETS[file]})`);
      expect(size).toBeLessThanOrEqual(BUDGETS[file]);
    });
  }

  it('the npm entry, tree-shaken by a bundler, stays within budget', async () => {
    const code = await bundleNpmEntry();
    const size = gz(code);
    console.log(`tree-shaken npm entry: ${size} B gzip (budget ${BUDGETS['tree-shaken npm entry']})`);
    expect(size).toBeLessThanOrEqual(BUDGETS['tree-shaken npm entry']);
  });
});

describe('strict-CSP safety of dist/', () => {
  const files = readdirSync('dist').filter((f) => f.endsWith('.js') || f.endsWith('.mjs') || f.endsWith('.cjs'));
  it('has built files to check', () => expect(files.length).toBeGreaterThanOrEqual(4));
  for (const f of files) {
    it(`${f} has no eval, new Function, innerHTML or string timers`, () => {
      const code = readFileSync(`dist/${f}`, 'utf8');
      expect(code).not.toMatch(/\beval\s*\(/);
      expect(code).not.toMatch(/new\s+Function\s*\(/);
      expect(code).not.toMatch(/\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write/);
      expect(code).not.toMatch(/set(Timeout|Interval)\(\s*["'`]/);
    });
  }
});
