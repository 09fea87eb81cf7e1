// Which source modules the CDN build's bytes come from: each module minified on its own
// (top level kept, so the figures add up roughly), gzipped and brotli-compressed (what CDNs serve).
// Sizes only; the budget is in budgets.mjs.
// The plain flavour (as dist/outlast.min.js); `--with-service-worker` weighs the worker flavour.
//   node scripts/module-sizes.mjs [entry] [--with-service-worker]   (default src/cdn.ts)
import { rollup } from 'rollup';
import resolve from '@rollup/plugin-node-resolve';
import typescript from '@rollup/plugin-typescript';
import { minify } from 'terser';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { CDN_TERSER_OPTIONS } from './terser-options.mjs';
import { withoutServiceWorker } from './without-service-worker.mjs';

const args = process.argv.slice(2);
const flavour = args.includes('--with-service-worker') ? [] : [withoutServiceWorker()];
const entry = args.find((a) => !a.startsWith('--')) ?? 'src/cdn.ts';
const bundle = await rollup({
  input: entry,
  plugins: [...flavour, resolve(), typescript({ tsconfig: './tsconfig.json', include: ['src/**/*.ts'], declaration: false })],
  onwarn() {},
});
const { output } = await bundle.generate({ format: 'es' });
await bundle.close();

const brotli = (text) =>
  brotliCompressSync(text, {
    params: { [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT },
  }).length;
const rows = [];
for (const [id, m] of Object.entries(output[0].modules)) {
  if (!m.code) continue;
  const code = m.code.replace(/^export .*$/gm, '');
  const min = (await minify(code, { module: false, compress: { toplevel: false }, mangle: { toplevel: false } })).code ?? '';
  rows.push({
    module: id.replace(process.cwd() + '/', ''),
    min: min.length,
    gzip: gzipSync(min, { level: 9 }).length,
    brotli: brotli(min),
  });
}
rows.sort((a, b) => b.min - a.min);
console.log('    min   gzip brotli  module');
for (const r of rows)
  console.log(`${String(r.min).padStart(7)} ${String(r.gzip).padStart(6)} ${String(r.brotli).padStart(6)}  ${r.module}`);
// the whole file with the CDN build's own settings, so that this line matches dist/outlast.min.js within a few bytes
const whole = (await minify(output[0].code, { ...CDN_TERSER_OPTIONS, module: true })).code ?? '';
console.log(`\nwhole ${entry}: ${whole.length} B minified, ${gzipSync(whole, { level: 9 }).length} B gzip -9, ${brotli(whole)} B brotli`);
