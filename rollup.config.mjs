// Builds the npm entries (ESM + CJS + types), the CDN files and the paste-in snippet, each library
// build in two flavours: plain, and with the page's side of the opt-in service worker.
import { createHash } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import resolve from '@rollup/plugin-node-resolve';
import typescript from '@rollup/plugin-typescript';
import terser from '@rollup/plugin-terser';
import { writeFileSync } from 'node:fs';
import { snippetArtifacts } from './scripts/rollup-snippet-artifacts.mjs';
import { withoutServiceWorker } from './scripts/without-service-worker.mjs';
import { CDN_TERSER_OPTIONS } from './scripts/terser-options.mjs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

const ts = (declarations = false) =>
  typescript({
    tsconfig: './tsconfig.json',
    include: ['src/**/*.ts'],
    declaration: declarations,
    declarationDir: declarations ? 'dist/types' : undefined,
    outDir: declarations ? 'dist' : undefined,
  });

// Declarations are emitted per module under dist/types; package.json points at one entry file.
// Both npm entries have the same API, so they share these declarations.
const typesEntry = {
  name: 'outlast-types-entry',
  writeBundle() {
    const declarations = "export * from './types/index';\nexport { default } from './types/index';\n";
    for (const file of ['dist/index.d.ts', 'dist/with-service-worker.d.ts']) writeFileSync(file, declarations);
  },
};

/** Writes the SRI hash of each output file next to it (`<file>.sri`), for `MIXPANEL_LIB_INTEGRITY`. */
const integrityFile = {
  name: 'outlast-integrity-file',
  writeBundle(options) {
    const sri = 'sha384-' + createHash('sha384').update(readFileSync(options.file)).digest('base64');
    writeFileSync(`${options.file}.sri`, sri + '\n');
  },
};

const replaceVersion = {
  name: 'outlast-version',
  transform(code) {
    if (!code.includes('__OUTLAST_VERSION__')) return null;
    return {
      code: code.replace(/typeof __OUTLAST_VERSION__ === 'string' \? __OUTLAST_VERSION__ : '0\.0\.0-dev'/g, JSON.stringify(pkg.version)),
      map: null,
    };
  },
};

// The CDN file's terser settings (why each: scripts/terser-options.mjs).
const minify = terser(CDN_TERSER_OPTIONS);

const builds = [
  {
    input: 'src/index.ts',
    external: ['idb-keyval'],
    plugins: [withoutServiceWorker(), replaceVersion, resolve(), ts(true), typesEntry],
    output: [{ file: 'dist/index.mjs', format: 'es', sourcemap: true }],
  },
  {
    input: 'src/index.ts',
    external: ['idb-keyval'],
    plugins: [withoutServiceWorker(), replaceVersion, resolve(), ts(false)],
    output: [{ file: 'dist/index.cjs', format: 'cjs', exports: 'named', sourcemap: true }],
  },
  // `outlast/with-service-worker`: the same API, with the worker's link
  {
    input: 'src/index.ts',
    external: ['idb-keyval'],
    plugins: [replaceVersion, resolve(), ts(false)],
    output: [
      { file: 'dist/with-service-worker.mjs', format: 'es', sourcemap: true },
      { file: 'dist/with-service-worker.cjs', format: 'cjs', exports: 'named', sourcemap: true },
    ],
  },
  // The CDN file is named so that blocklists' `/mixpanel.` and `/mixpanel-*.js` rules do not match it;
  // dist/mixpanel.min.js is the same bytes, for pages pasted before the rename.
  {
    input: 'src/cdn.ts',
    plugins: [withoutServiceWorker(), replaceVersion, resolve(), ts(false)],
    output: ['dist/outlast.min.js', 'dist/mixpanel.min.js'].map((file) => ({ file, format: 'iife', plugins: [minify], sourcemap: false })),
  },
  // The CDN file with the worker's link, for sites that configure `service_worker` (a new name: no page loads it under the old one).
  {
    input: 'src/cdn.ts',
    plugins: [replaceVersion, resolve(), ts(false), integrityFile],
    output: [{ file: 'dist/outlast-with-sw.min.js', format: 'iife', plugins: [minify], sourcemap: false }],
  },
];

if (existsSync('src/snippet/snippet.ts')) {
  builds.push({
    input: 'src/snippet/snippet.ts',
    plugins: [ts(false), snippetArtifacts()],
    // strict: false drops the 'use strict' prologue (the code is strict-safe); the extra compress flags save ~15 bytes gzip.
    output: [
      {
        file: 'dist/snippet.min.js',
        format: 'iife',
        strict: false,
        plugins: [
          terser({
            ecma: 2019,
            toplevel: true,
            compress: { passes: 3, unsafe: true, unsafe_arrows: true, pure_getters: true, booleans_as_integers: true },
            format: { comments: false },
          }),
        ],
      },
    ],
  });
}

// The opt-in service worker (src/worker/): a file of its own that sites serve from their origin and
// name in the `service_worker` option; none of it is in the library's bundles.
builds.push({
  input: 'src/worker/service-worker.ts',
  plugins: [replaceVersion, resolve(), ts(false)],
  output: [{ file: 'dist/outlast-sw.js', format: 'iife', plugins: [minify], sourcemap: false }],
});

export default builds;
