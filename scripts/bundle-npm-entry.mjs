// Bundles `import mixpanel from 'outlast'` the way an app's bundler would (rollup + terser,
// tree-shaken), so the budget and the bench measure what a SPA really ships.
import { rollup } from 'rollup';
import resolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The built file behind each entry an app may import. */
const ENTRIES = { outlast: 'dist/index.mjs', 'outlast/with-service-worker': 'dist/with-service-worker.mjs' };

export async function bundleNpmEntry(specifier = 'outlast') {
  const entry =
    `import mixpanel from '${specifier}';` +
    " mixpanel.init('TOKEN', { api_host: 'https://example.com' }); mixpanel.track('Signed up', { plan: 'pro' });";
  const bundle = await rollup({
    input: 'app-entry',
    plugins: [
      {
        name: 'app-entry',
        resolveId(id) {
          if (id === 'app-entry') return id;
          if (id === specifier) return root + ENTRIES[specifier];
          return null;
        },
        load: (id) => (id === 'app-entry' ? entry : null),
      },
      resolve({ rootDir: root }),
    ],
    onwarn: () => {},
  });
  const { output } = await bundle.generate({ format: 'es', plugins: [terser({ ecma: 2019 })] });
  await bundle.close();
  return output[0].code;
}
