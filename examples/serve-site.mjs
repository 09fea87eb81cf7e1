// Serves the example site: files from examples/site, the built dist/ under /dist/, and the
// paste-in snippet inlined where a page says `/*outlast-snippet*/` (as a site owner pastes it).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadStaticFile } from './collector/static-files.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const MARK = '/*outlast-snippet*/';

/**
 * Starts the site server. `vars` are substituted for `{{NAME}}` in HTML pages so the
 * pages can name the local hosts without hard-coding ports.
 * @param {{ port: number, host?: string, vars: Record<string, string> }} options
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function startSite({ port, host = '127.0.0.1', vars }) {
  const sockets = new Set();
  const server = createServer(async (req, res) => {
    try {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const file = path.startsWith('/dist/')
        ? await loadStaticFile(`${root}dist`, path.slice('/dist'.length))
        : await loadStaticFile(`${root}examples/site`, path);
      if (!file) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      let body = file.body;
      const isPage = !path.startsWith('/dist/') && /^text\/(html|javascript)/.test(file.type);
      if (isPage) {
        let text = body.toString('utf8');
        if (text.includes(MARK)) text = text.replace(MARK, (await readFile(`${root}dist/snippet.min.js`, 'utf8')).trim());
        text = text.replace(/\{\{(\w+)\}\}/g, (m, name) => vars[name] ?? m);
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
