import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { BUDGETS } from '../../scripts/budgets.mjs';
import { bundleNpmEntry } from '../../scripts/bundle-npm-entry.mjs';

const gz = (buf: Buffer | string) => gzipSync(buf, { level: 9 }).length;

describe('byte budgets (gzip -9)', () => {
  for (const file of ['dist/snippet.min.js', 'dist/outlast.min.js', 'dist/mixpanel.min.js', 'dist/outlast-with-sw.min.js'] as const) {
    it(`${file} stays within ${BUDGETS[file].ceiling} bytes`, () => {
      const size = gz(readFileSync(file));
      const { ceiling, budget, target } = BUDGETS[file];
      const over = size > budget ? ` (OVER the ${budget} B budget)` : '';
      console.log(`${file}: ${size} B gzip, ceiling ${ceiling}, target ${target}${over}`);
      expect(size).toBeLessThanOrEqual(BUDGETS[file].ceiling);
    });
  }

  const npmEntries = [
    ['tree-shaken npm entry', 'outlast'],
    ['tree-shaken npm entry with-service-worker', 'outlast/with-service-worker'],
  ] as const;
  for (const [name, specifier] of npmEntries) {
    it(`${specifier}, tree-shaken by a bundler, stays within its ceiling`, async () => {
      const code = await bundleNpmEntry(specifier);
      const size = gz(code);
      const b = BUDGETS[name];
      const over = size > b.budget ? ` (OVER the ${b.budget} B budget)` : '';
      console.log(`${name}: ${size} B gzip, ceiling ${b.ceiling}, target ${b.target}${over}`);
      expect(size).toBeLessThanOrEqual(b.ceiling);
    });
  }
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
