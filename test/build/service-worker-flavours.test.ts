// The library in two flavours: the plain builds carry none of the page's side of the opt-in
// service worker (sites that do not configure it download none of it), the worker flavours carry
// it, and the npm entry `outlast/with-service-worker` is the main entry's API with the link.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { bundleNpmEntry } from '../../scripts/bundle-npm-entry.mjs';

// What only the link has: the browser's registry, its lookup of an earlier registration, the
// note it keeps (`mp_sw_<token>`) and the drain message.
const LINK_MARKERS = [/serviceWorker/, /getRegistration/, /sw_/, /drain:/];

const markersIn = (code: string): string[] => LINK_MARKERS.filter((m) => m.test(code)).map(String);

describe('the plain builds have no service worker link', () => {
  for (const file of ['dist/outlast.min.js', 'dist/mixpanel.min.js', 'dist/index.mjs', 'dist/index.cjs'])
    it(`${file}: none of its code`, () => expect(markersIn(readFileSync(file, 'utf8'))).toEqual([]));

  it("the npm entry, tree-shaken by an app's bundler: none of its code", async () => {
    expect(markersIn(await bundleNpmEntry())).toEqual([]);
  });

  it('dist/outlast.min.js: a site that names a worker is told which builds have it', () => {
    expect(readFileSync('dist/outlast.min.js', 'utf8')).toMatch(
      /service_worker needs outlast-with-sw\.min\.js or outlast\/with-service-worker/,
    );
  });
});

describe('the worker flavours have it', () => {
  for (const file of ['dist/outlast-with-sw.min.js', 'dist/with-service-worker.mjs', 'dist/with-service-worker.cjs'])
    it(`${file}: the whole link`, () => expect(markersIn(readFileSync(file, 'utf8'))).toEqual(LINK_MARKERS.map(String)));

  it("outlast/with-service-worker, tree-shaken by an app's bundler: the whole link", async () => {
    expect(markersIn(await bundleNpmEntry('outlast/with-service-worker'))).toEqual(LINK_MARKERS.map(String));
  });

  it('dist/outlast-with-sw.min.js has its SRI hash beside it', () => {
    expect(readFileSync('dist/outlast-with-sw.min.js.sri', 'utf8')).toMatch(/^sha384-[A-Za-z0-9+/]{64}\n$/);
  });
});

/** Node's view of an entry resolved by its package name (package.json `exports`): the sorted export names. */
function exportNames(kind: 'import' | 'require', specifier: string): string[] {
  const code =
    kind === 'import'
      ? `import(${JSON.stringify(specifier)}).then((m) => console.log(JSON.stringify(Object.keys(m).sort())))`
      : `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(specifier)})).sort()))`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as string[];
}

describe('the npm entry outlast/with-service-worker', () => {
  it('resolves as ESM and exports what the main entry exports', () => {
    const names = exportNames('import', 'outlast/with-service-worker');
    expect(names).toContain('default');
    expect(names).toEqual(exportNames('import', 'outlast'));
  });

  it('resolves as CJS and exports what the main entry exports', () => {
    const names = exportNames('require', 'outlast/with-service-worker');
    expect(names).toContain('default');
    expect(names).toEqual(exportNames('require', 'outlast'));
  });

  it("has the main entry's declarations", () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    const types = pkg.exports['./with-service-worker'].types as string;
    expect(readFileSync(types, 'utf8')).toBe(readFileSync(pkg.exports['.'].types, 'utf8'));
  });
});
