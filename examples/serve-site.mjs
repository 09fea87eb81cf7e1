// The one static-site server of the repository, used by `npm start`'s example site, the browser
// tests' "customer site" and the bench: files from folders mounted under URL prefixes (with the
// content types of `static-files.mjs`), pages registered at run time, and a few routes. Nothing
// it serves is cached by the browser.
//
// `startSite` below is the example site: files from examples/site, the single-page app under
// /spa/ (its bundle from examples/spa/dist/, every other /spa/ path answered with its page so
// client-side routes survive a reload), the built dist/ under /dist/, and the paste-in snippet
// inlined where a page says `/*outlast-snippet*/` (as a site owner pastes it).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadStaticFile } from './collector/static-files.mjs';

/**
 * @typedef {object} Mount
 * @property {string} prefix URL path prefix without a trailing slash (`''` for the whole site).
 * @property {string} dir Folder served under it.
 * @property {string} [file] Answer every path under the prefix with this one file of `dir` (a single-page app's page).
 */

/**
 * @typedef {object} Answer
 * @property {number} [status] 200 unless given.
 * @property {string | Buffer} body
 * @property {string} type Content type.
 * @property {Record<string, string>} [headers]
 */

/**
 * @typedef {(req: import('node:http').IncomingMessage, url: URL) => Promise<Answer>} Handler
 * A route of a site: `'GET /path'` (one method) or `'/path'` (any method).
 */

/**
 * @typedef {object} PageOptions
 * @property {Record<string, string>} [headers] Response headers added to the page's answer (e.g. a `Content-Security-Policy`).
 * @property {number} [delayMs] Answer this many milliseconds late (a slow image, so `load` has some weight).
 */

/**
 * @typedef {object} StaticSite
 * @property {string} origin e.g. `http://127.0.0.1:40123`
 * @property {(path: string) => string} url Absolute URL of a path on this site.
 * @property {(path: string, content: string | Buffer, contentType?: string, options?: PageOptions) => string} page
 *   Serves `content` at `path` (HTML unless told otherwise) and returns its absolute URL.
 * @property {string[]} requests Paths requested so far, in order (query strings included).
 * @property {() => Promise<void>} close
 */

/**
 * @typedef {object} StaticSiteOptions
 * @property {number} [port] Default 0: an ephemeral port.
 * @property {string} [host] Loopback address (default `127.0.0.1`); another one (`127.0.0.2`) is another site.
 * @property {Mount[]} [mounts] Folders to serve; the first whose prefix matches answers (put longer prefixes first).
 * @property {Record<string, Handler>} [routes]
 * @property {(path: string, file: { body: Buffer, type: string }) => Promise<Buffer>} [transform] Rewrites a mounted file before it is sent.
 */

/**
 * Starts a static site; call it twice for two origins.
 * @param {StaticSiteOptions} [options]
 * @returns {Promise<StaticSite>}
 */
export async function startStaticSite({ port = 0, host = '127.0.0.1', mounts = [], routes = {}, transform } = {}) {
  /** @type {Map<string, { content: string | Buffer, type: string, options: PageOptions }>} */
  const pages = new Map();
  /** @type {string[]} */
  const requests = [];
  /** @type {Set<import('node:net').Socket>} */
  const sockets = new Set();

  /**
   * @param {import('node:http').IncomingMessage} req
   * @returns {Promise<Answer>}
   */
  async function answer(req) {
    const url = new URL(req.url ?? '/', 'http://site.invalid');
    requests.push(url.pathname + url.search);
    const registered = pages.get(url.pathname);
    if (registered) {
      const { headers, delayMs } = registered.options;
      if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
      return { body: registered.content, type: registered.type, headers };
    }
    const route = routes[`${req.method} ${url.pathname}`] ?? routes[url.pathname];
    if (route) return route(req, url);
    for (const mount of mounts) {
      const under = mount.prefix === '' || url.pathname === mount.prefix || url.pathname.startsWith(`${mount.prefix}/`);
      if (!under) continue;
      const file = await loadStaticFile(mount.dir, mount.file ?? url.pathname.slice(mount.prefix.length));
      if (file) return { body: transform ? await transform(url.pathname, file) : file.body, type: file.type };
      break; // the first mount whose prefix matches decides
    }
    return { status: 404, body: `not found: ${url.pathname}`, type: 'text/plain; charset=utf-8' };
  }

  const server = createServer((req, res) => {
    answer(req)
      .catch((e) => ({ status: 500, body: `site error: ${e}`, type: 'text/plain; charset=utf-8' }))
      .then((a) => {
        // The client may be gone (a test closed its tab, a page navigated away).
        if (res.headersSent || res.destroyed) return;
        res.writeHead(a.status ?? 200, {
          ...a.headers,
          'Content-Type': a.type,
          'Cache-Control': 'no-store',
          'Content-Length': String(Buffer.byteLength(a.body)),
        });
        res.end(a.body);
      });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(undefined));
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  const origin = `http://${host}:${address.port}`;
  return {
    origin,
    url: (path) => new URL(path, origin).href,
    page(path, content, contentType = 'text/html; charset=utf-8', options = {}) {
      pages.set(path, { content, type: contentType, options });
      return new URL(path, origin).href;
    },
    requests,
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}

const root = fileURLToPath(new URL('..', import.meta.url));
const MARK = '/*outlast-snippet*/';
/**
 * `<!--#name-->` in a page includes `examples/site/name.html`, as a site template would: the
 * paste-in block (`paste-block.html`) and the navigation (`nav.html`) are written once.
 */
const INCLUDE = /<!--#([a-z-]+)-->/g;

/**
 * @typedef {(req: import('node:http').IncomingMessage, body: string) => Promise<unknown>} Route
 * A demo-only endpoint; what it resolves to is sent as JSON.
 */

/**
 * The page variables, with the derived ones filled in when not given: `API_HOSTS` (a JSON
 * array of the ingest hosts, in failover order), `LIB_URLS` (a JSON array of library URLs) and
 * `HOST_NAMES` (a JSON object naming each host URL, for the dashboard).
 * @param {Record<string, string>} vars
 */
export function pageVars(vars) {
  const hosts = [vars.PRIMARY, vars.ALTERNATE].filter(Boolean);
  return {
    API_HOSTS: JSON.stringify(hosts),
    LIB_URLS: JSON.stringify(vars.SCRIPT ? [`${vars.SCRIPT}/mixpanel.min.js`] : []),
    HOST_NAMES: JSON.stringify({ primary: vars.PRIMARY, alternate: vars.ALTERNATE }),
    ...vars,
  };
}

/**
 * Starts the example site. `vars` are substituted for `{{NAME}}` in HTML pages and in the
 * site's own scripts so they can name the local hosts without hard-coding ports. `routes`
 * adds demo endpoints, e.g. `{ 'POST /__demo/nginx': handler }`.
 * @param {{ port: number, host?: string, vars: Record<string, string>, routes?: Record<string, Route> }} options
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function startSite({ port, host = '127.0.0.1', vars, routes = {} }) {
  const values = pageVars(vars);
  /** @type {Record<string, Handler>} */
  const handlers = {};
  for (const [key, route] of Object.entries(routes)) {
    handlers[key] = async (req) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      return { body: JSON.stringify((await route(req, body)) ?? null), type: 'application/json' };
    };
  }
  const site = await startStaticSite({
    port,
    host,
    mounts: [
      { prefix: '/dist', dir: `${root}dist` },
      { prefix: '/spa/dist', dir: `${root}examples/spa/dist` },
      { prefix: '/spa', dir: `${root}examples/spa`, file: '/index.html' },
      { prefix: '', dir: `${root}examples/site` },
    ],
    routes: handlers,
    // The site's own pages and scripts get their includes, the snippet and the variables; built files are sent as built.
    async transform(path, file) {
      const isBuilt = path.startsWith('/dist/') || path.startsWith('/spa/dist/');
      if (isBuilt || !/^text\/(html|javascript)/.test(file.type)) return file.body;
      let text = file.body.toString('utf8');
      for (const [mark, name] of [...text.matchAll(INCLUDE)])
        text = text.replace(mark, (await readFile(`${root}examples/site/${name}.html`, 'utf8')).trim());
      if (text.includes(MARK)) text = text.replace(MARK, (await readFile(`${root}dist/snippet.min.js`, 'utf8')).trim());
      text = text.replace(/\{\{(\w+)\}\}/g, (m, name) => values[name] ?? m);
      return Buffer.from(text);
    },
  });
  const { port: bound } = new URL(site.origin);
  return { url: `http://${host === '127.0.0.1' ? 'localhost' : host}:${bound}/`, close: site.close };
}
