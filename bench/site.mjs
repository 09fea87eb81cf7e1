// The "customer site" of the bench, on the repository's one static-site server: pages each
// measure registers, the two libraries under /lib/, and a slow image (`/slow.gif?ms=N`) that
// gives the page's `load` event some weight.
import { startStaticSite } from '../examples/serve-site.mjs';

/** The smallest GIF (1×1, transparent). */
const GIF = Buffer.from('R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==', 'base64');

/**
 * Serves `libDir` under /lib/ and the pages given to `page()`; nothing is cached.
 * @param {string} libDir
 */
export function startSite(libDir) {
  return startStaticSite({
    mounts: [{ prefix: '/lib', dir: libDir }],
    routes: {
      '/slow.gif': async (_req, url) => {
        await new Promise((resolve) => setTimeout(resolve, Number(url.searchParams.get('ms')) || 0));
        return { body: GIF, type: 'image/gif' };
      },
    },
  });
}
