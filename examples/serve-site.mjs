// Serves the example site: files from examples/site, the single-page app under /spa/ (its
// bundle from examples/spa/dist/, every other /spa/ path answered with its page so client-side
// routes survive a reload), the built dist/ under /dist/, and the paste-in snippet inlined where
// a page says `/*outlast-snippet*/` (as a site owner pastes it).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadStaticFile } from './collector/static-files.mjs';

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
 * Finds the file a path names: the SPA's page for any /spa/ route, else a static file.
 * @param {string} path
 */
async function findFile(path) {
  if (path.startsWith('/dist/')) return loadStaticFile(`${root}dist`, path.slice('/dist'.length));
  if (path.startsWith('/spa/dist/')) return loadStaticFile(`${root}examples/spa/dist`, path.slice('/spa/dist'.length));
  if (path === '/spa' || path.startsWith('/spa/')) return loadStaticFile(`${root}examples/spa`, '/index.html');
  return loadStaticFile(`${root}examples/site`, path);
}

/**
 * Starts the site server. `vars` are substituted for `{{NAME}}` in HTML pages and in the
 * site's own scripts so they can name the local hosts without hard-coding ports. `routes`
 * adds demo endpoints, e.g. `{ 'POST /__demo/nginx': handler }`.
 * @param {{ port: number, host?: string, vars: Record<string, string>, routes?: Record<string, Route> }} options
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function startSite({ port, host = '127.0.0.1', vars, routes = {} }) {
  const values = pageVars(vars);
  const sockets = new Set();
  const server = createServer(async (req, res) => {
    try {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const route = routes[`${req.method} ${path}`];
      if (route) {
        let body = '';
        for await (const chunk of req) body += chunk;
        const answer = await route(req, body);
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(answer ?? null));
        return;
      }
      const file = await findFile(path);
      if (!file) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      let body = file.body;
      const isBuilt = path.startsWith('/dist/') || path.startsWith('/spa/dist/');
      if (!isBuilt && /^text\/(html|javascript)/.test(file.type)) {
        let text = body.toString('utf8');
        for (const [mark, name] of [...text.matchAll(INCLUDE)])
          text = text.replace(mark, (await readFile(`${root}examples/site/${name}.html`, 'utf8')).trim());
        if (text.includes(MARK)) text = text.replace(MARK, (await readFile(`${root}dist/snippet.min.js`, 'utf8')).trim());
        text = text.replace(/\{\{(\w+)\}\}/g, (m, name) => values[name] ?? m);
        body = Buffer.from(text);
      }
      res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(body);
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e));
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(undefined));
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://${host === '127.0.0.1' ? 'localhost' : host}:${address.port}/`,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve(undefined));
      }),
  };
}
