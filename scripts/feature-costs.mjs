// What each part of the CDN build costs in the whole file: the build is made again with one group
// of modules replaced by stubs that export the same names (opaque values, so terser cannot fold
// the callers away), and the gzip -9 difference is that group's share. A module's size alone
// (module-sizes.mjs) overstates what it costs, because gzip shares text across modules.
// The stubbed builds do not run; they only weigh.
//   node scripts/feature-costs.mjs
import { rollup } from 'rollup';
import resolve from '@rollup/plugin-node-resolve';
import typescript from '@rollup/plugin-typescript';
import { minify } from 'terser';
import { gzipSync } from 'node:zlib';
import { CDN_TERSER_OPTIONS } from './terser-options.mjs';
import { withoutServiceWorker } from './without-service-worker.mjs';

/** Groups of modules by what a site would notice without them. */
const GROUPS = {
  'track_links / track_forms': ['src/client/element-tracking.ts'],
  'mixpanel-browser queue migration': ['src/client/mixpanel-queues.ts'],
  'SPA page views (track_pageview URL modes)': ['src/client/page-views.ts'],
  'hooks (add_hook, before_*)': ['src/client/hooks.ts'],
  'recording / flags stand-ins': ['src/client/unsupported.ts'],
  'marketing: campaign, referrer, search engine': [
    'src/client/properties/marketing.ts',
    'src/client/properties/campaign.ts',
    'src/client/properties/referrer.ts',
  ],
  'user agent and bots': ['src/client/properties/user-agent.ts', 'src/client/properties/bots.ts'],
  'config validation': ['src/client/validate-config.ts'],
  'property sanitizing': ['src/client/sanitize.ts'],
  'identity rules': ['src/client/identity.ts'],
  'persistence (cookie, storage)': ['src/client/persistence.ts', 'src/client/storage.ts', 'src/client/consent.ts'],
  'stub replay (cdn)': ['src/cdn/replay.ts'],
  'clock correction': ['src/delivery/server-clock.ts'],
  'unload beacon and ledger': ['src/delivery/beacon.ts', 'src/delivery/ledger.ts'],
  'leader election': ['src/delivery/leader.ts'],
  'localStorage / memory fallback stores': ['src/outbox/fallback-store.ts', 'src/outbox/sorted-store.ts'],
};

const stubbing = (paths) => ({
  name: 'stub-modules',
  transform(code, id) {
    if (!paths.some((p) => id.endsWith(p))) return null;
    const names = [];
    for (const node of this.parse(code).body) {
      if (node.type !== 'ExportNamedDeclaration') continue;
      const d = node.declaration;
      if (d?.id) names.push(d.id.name);
      for (const v of d?.declarations ?? []) names.push(v.id.name);
      for (const s of node.specifiers ?? []) names.push(s.exported.name);
    }
    return { code: names.map((n) => `export const ${n} = globalThis.__stub;`).join('\n') || 'export {};', map: null };
  },
});

async function gzipOfBuild(paths) {
  const bundle = await rollup({
    input: 'src/cdn.ts',
    // the plain flavour, as dist/outlast.min.js
    plugins: [
      withoutServiceWorker(),
      resolve(),
      typescript({ tsconfig: './tsconfig.json', include: ['src/**/*.ts'], declaration: false }),
      stubbing(paths),
    ],
    onwarn() {},
  });
  const { output } = await bundle.generate({ format: 'iife' });
  await bundle.close();
  const min = (await minify(output[0].code, CDN_TERSER_OPTIONS)).code ?? '';
  return gzipSync(min, { level: 9 }).length;
}

const whole = await gzipOfBuild([]);
console.log(`whole CDN build: ${whole} B gzip -9\n   cost  part`);
for (const [name, paths] of Object.entries(GROUPS)) {
  const without = await gzipOfBuild(paths);
  console.log(`${String(whole - without).padStart(7)}  ${name}`);
}
