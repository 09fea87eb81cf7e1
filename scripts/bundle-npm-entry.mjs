// Bundles `import mixpanel from 'outlast'` the way an app's bundler would (rollup + terser,
// tree-shaken), so the budget and the bench measure what a SPA really ships.
import { rollup } from 'rollup';
import resolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function bundleNpmEntry() {
  const entry =
    "import mixpanel from 'outlast'; mixpanel.init('TOKEN', { api_host: 'https://example.com' }); mixpanel.track('Signed up', { plan: 'pro' });";
  const bundle = await rollup({
    input: 'app-entry',
    plugins: [
      {
        name: 'app-entry',
        resolveId(id) {
          if (id === 'app-entry') return id;
          if (id === 'outlast') return `${root}dist/index.mjs`;
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
