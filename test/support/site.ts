// The "customer site" of the browser tests: the built library under /dist/ and the pages each
// test registers, served by the repository's one static-site server (examples/serve-site.mjs).
// Every call starts its own server on an ephemeral port.
import { fileURLToPath } from 'node:url';
import { startStaticSite, type StaticSite } from '../../examples/serve-site.mjs';

export type { PageOptions } from '../../examples/serve-site.mjs';

/** The repository's build output, served under /dist/. */
export const DIST_DIR = fileURLToPath(new URL('../../dist/', import.meta.url));

/** A running site: `page()` registers a page, `requests` lists what was asked for. */
export type Site = StaticSite;

export interface SiteOptions {
  /**
   * Loopback address to serve on. Another one (e.g. `127.0.0.2`) makes a different *site*,
   * not only a different origin, for cross-site navigation; all of 127.0.0.0/8 is local on Linux.
   */
  host?: string;
  /** Folder served under /dist/ (default: the repository's dist/). */
  distDir?: string;
}

/** Starts a site; call it twice for two origins. Nothing is cached by the browser. */
export function startSite(opts: SiteOptions = {}): Promise<Site> {
  return startStaticSite({ host: opts.host, mounts: [{ prefix: '/dist', dir: opts.distDir ?? DIST_DIR }] });
}

/** Parts of a test page; `script` is inlined at the end of the body. */
export interface PageParts {
  title?: string;
  head?: string;
  body?: string;
  script?: string;
}

/** A minimal HTML page. `</script>` inside `script` is escaped so it cannot end the tag early. */
export function pageHtml(parts: PageParts = {}): string {
  const script = parts.script ? `<script>${parts.script.replace(/<\/(script)/gi, '<\\/$1')}</script>` : '';
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8">',
    `<title>${parts.title ?? 'test page'}</title>`,
    parts.head ?? '',
    '</head><body>',
    parts.body ?? '',
    script,
    '</body></html>',
  ].join('\n');
}
