// The plain flavour of the library builds (rollup.config.mjs; the size scripts weigh the same):
// the page's side of the opt-in service worker (`src/delivery/service-worker-registration.ts`) is
// replaced by `service-worker-absent.ts`, whose link is always null, so that terser drops every
// call to it. Sites that do not configure the worker download none of its code; those that do
// load the worker flavour (`dist/outlast-with-sw.min.js`, `outlast/with-service-worker`), built
// without this plugin.
export const withoutServiceWorker = () => ({
  name: 'outlast-without-service-worker',
  async resolveId(source, importer, options) {
    if (!importer || !source.endsWith('/service-worker-registration')) return null;
    const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
    return resolved && { ...resolved, id: resolved.id.replace(/service-worker-registration\.ts$/, 'service-worker-absent.ts') };
  },
});
