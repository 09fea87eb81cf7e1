// Builds the npm entry (ESM + CJS + types), the CDN file and the paste-in snippet.
import { readFileSync, existsSync } from 'node:fs';
import resolve from '@rollup/plugin-node-resolve';
import typescript from '@rollup/plugin-typescript';
import terser from '@rollup/plugin-terser';
import { writeFileSync } from 'node:fs';
import { snippetArtifacts } from './scripts/rollup-snippet-artifacts.mjs';
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
const typesEntry = {
  name: 'outlast-types-entry',
  writeBundle() {
    writeFileSync('dist/index.d.ts', "export * from './types/index';\nexport { default } from './types/index';\n");
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
    plugins: [replaceVersion, resolve(), ts(true), typesEntry],
    output: [{ file: 'dist/index.mjs', format: 'es', sourcemap: true }],
  },
  {
    input: 'src/index.ts',
    external: ['idb-keyval'],
    plugins: [replaceVersion, resolve(), ts(false)],
    output: [{ file: 'dist/index.cjs', format: 'cjs', exports: 'named', sourcemap: true }],
  },
  // The CDN file is named so that blocklists' `/mixpanel.` and `/mixpanel-*.js` rules do not match it;
  // dist/mixpanel.min.js is the same bytes, for pages pasted before the rename.
  {
    input: 'src/cdn.ts',
    plugins: [replaceVersion, resolve(), ts(false)],
    output: ['dist/outlast.min.js', 'dist/mixpanel.min.js'].map((file) => ({ file, format: 'iife', plugins: [minify], sourcemap: false })),
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
