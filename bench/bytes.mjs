// Bytes a site ships: the paste-in snippet, the CDN build, and the npm entry as an app's bundler
// tree-shakes it (rollup + node-resolve + terser, the same recipe for both SDKs). Raw, gzip -9 and
// brotli at its highest quality (what CDNs serve to browsers that accept it).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import resolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { bundleNpmEntry } from '../scripts/bundle-npm-entry.mjs';
import { MIXPANEL_CDN, MIXPANEL_SNIPPET, OUTLAST_CDN, OUTLAST_SNIPPET } from './pages.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/** `{ raw, gzip, brotli }` of a string or buffer. */
const sizes = (code) => ({
  raw: Buffer.byteLength(code),
  gzip: gzipSync(code, { level: 9 }).length,
  brotli: brotliCompressSync(code, {
    params: { [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT },
  }).length,
});

/** The same app entry as Outlast's, importing mixpanel-browser through its package `module` field. */
async function bundleMixpanelEntry() {
  const entry =
    "import mixpanel from 'mixpanel-browser'; mixpanel.init('TOKEN', { api_host: 'https://example.com' }); mixpanel.track('Signed up', { plan: 'pro' });";
  const bundle = await rollup({
    input: 'app-entry',
    plugins: [
      { name: 'app-entry', resolveId: (id) => (id === 'app-entry' ? id : null), load: (id) => (id === 'app-entry' ? entry : null) },
      resolve({ rootDir: root, browser: true }),
    ],
    onwarn: () => {},
  });
  const { output } = await bundle.generate({ format: 'es', plugins: [terser({ ecma: 2019 })] });
  await bundle.close();
  return output[0].code;
}

/**
 * Sizes of mixpanel-browser's tree-shaken entry, cached per version under bench-results/:
 * terser takes most of a minute over its 400 KB module on a busy machine, and the answer
 * only changes with the version.
 */
async function mixpanelEntrySizes() {
  const { version } = JSON.parse(readFileSync(`${root}node_modules/mixpanel-browser/package.json`, 'utf8'));
  const cache = `${root}bench-results/mixpanel-browser-${version}-npm-entry.json`;
  if (existsSync(cache)) {
    const cached = JSON.parse(readFileSync(cache, 'utf8'));
    if (cached.brotli !== undefined) return cached;
  }
  const out = sizes(await bundleMixpanelEntry());
  mkdirSync(`${root}bench-results`, { recursive: true });
  writeFileSync(cache, JSON.stringify(out));
  return out;
}

/** Rows of the bytes section: `{ name, outlast, mixpanel, note? }` with `{ raw, gzip, brotli }` values. */
export async function measureBytes() {
  const file = (f) => sizes(readFileSync(f));
  const mixpanelSnippet = existsSync(MIXPANEL_SNIPPET) ? file(MIXPANEL_SNIPPET) : null;
  return [
    {
      name: 'snippet',
      outlast: file(OUTLAST_SNIPPET),
      mixpanel: mixpanelSnippet,
      note: mixpanelSnippet ? 'mixpanel-browser: dist/mixpanel-jslib-snippet.min.js' : 'n/a: mixpanel-browser ships no snippet file',
    },
    { name: 'CDN build', outlast: file(OUTLAST_CDN), mixpanel: file(MIXPANEL_CDN) },
    { name: 'npm entry, tree-shaken', outlast: sizes(await bundleNpmEntry()), mixpanel: await mixpanelEntrySizes() },
  ];
}
