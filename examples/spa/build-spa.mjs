// Bundles the single-page app with rollup, as an app that installed Outlast from npm would:
// `import mixpanel from 'outlast'` resolves to this repository's build (dist/index.mjs), and
// idb-keyval comes from node_modules. The output goes to examples/spa/dist/ (not committed).
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import resolve from '@rollup/plugin-node-resolve';
import { rollup } from 'rollup';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

/** What `npm install outlast` would give the app: the package's own ESM entry. */
const NPM_ENTRY = here('../../dist/index.mjs');

/** Resolves the package by its own name to the local build, as if installed from npm. */
const outlastFromThisRepo = {
  name: 'outlast-from-this-repo',
  resolveId(id) {
    return id === 'outlast' ? NPM_ENTRY : null;
  },
};

/**
 * Builds examples/spa/dist/app.js from examples/spa/app.js.
 * @returns {Promise<string>} the output file
 */
export async function buildSpa() {
  if (!existsSync(NPM_ENTRY)) throw new Error('dist/index.mjs is missing: run `npm run build` first');
  const bundle = await rollup({
    input: here('./app.js'),
    plugins: [outlastFromThisRepo, resolve({ browser: true })],
    onwarn: (w, warn) => {
      if (w.code !== 'CIRCULAR_DEPENDENCY') warn(w);
    },
  });
  const file = here('./dist/app.js');
  try {
    const { output } = await bundle.generate({ format: 'es', sourcemap: true, sourcemapFile: file });
    const chunk = /** @type {import('rollup').OutputChunk} */ (output[0]);
    await mkdir(dirname(file), { recursive: true });
    // Written aside then renamed, so a server (or a parallel build) never sees half a file.
    const suffix = `.${process.pid}.tmp`;
    await writeFile(`${file}.map${suffix}`, chunk.map?.toString() ?? '');
    await writeFile(`${file}${suffix}`, `${chunk.code}\n//# sourceMappingURL=app.js.map\n`);
    await rename(`${file}.map${suffix}`, `${file}.map`);
    await rename(`${file}${suffix}`, file);
  } finally {
    await bundle.close();
  }
  return file;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildSpa().then(
    (f) => console.log(`built ${f}`),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
