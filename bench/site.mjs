// The "customer site" of the bench: pages each measure registers, the two libraries under /lib/,
// and a slow image (`/slow.gif?ms=N`) that gives the page's `load` event some weight.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The smallest GIF (1×1, transparent). */
const GIF = Buffer.from('R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==', 'base64');

/** Serves `libDir` under /lib/ and the pages given to `page()`; nothing is cached. */
export async function startSite(libDir) {
  const pages = new Map();
  const sockets = new Set();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://site.invalid');
    const send = (status, body, type) => {
      if (res.destroyed) return;
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (pages.has(url.pathname)) return send(200, pages.get(url.pathname), 'text/html; charset=utf-8');
    if (url.pathname === '/slow.gif') {
      await new Promise((r) => setTimeout(r, Number(url.searchParams.get('ms')) || 0));
      return send(200, GIF, 'image/gif');
    }
    if (url.pathname.startsWith('/lib/') && !url.pathname.includes('..')) {
      const body = await readFile(join(libDir, url.pathname.slice(5))).catch(() => null);
      if (body) return send(200, body, 'text/javascript; charset=utf-8');
    }
    send(404, 'not found', 'text/plain');
  });
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s)), s.on('error', () => {})));
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    /** Serves `html` at `path` and returns its URL. */
    page(path, html) {
      pages.set(path, html);
      return origin + path;
    },
    close() {
      sockets.forEach((s) => s.destroy());
      return new Promise((ok) => server.close(() => ok()));
    },
  };
}
