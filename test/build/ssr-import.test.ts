import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';

// The built package imported by Node (SSR) must touch no browser global and never throw.
const script = (importLine: string) => `
${importLine}
const calls = [
  () => mixpanel.init('TOKEN', { api_host: 'https://example.com' }),
  () => mixpanel.track('Server render', { a: 1 }),
  () => mixpanel.register({ b: 2 }),
  () => mixpanel.identify('user-1'),
  () => mixpanel.people.set({ c: 3 }),
  () => mixpanel.reset(),
  () => mixpanel.get_distinct_id(),
  () => mixpanel.opt_out_tracking(),
];
for (const c of calls) c();
console.log('ok', typeof window);
`;

describe('importing the package under Node (SSR)', () => {
  it('ESM: import and call every common method without throwing', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script("import mixpanel from './dist/index.mjs';")], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ok undefined');
  });
  it('CJS: require and call every common method without throwing', () => {
    const r = spawnSync(process.execPath, ['-e', script("const mod = require('./dist/index.cjs'); const mixpanel = mod.default || mod;")], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ok undefined');
  });
});
