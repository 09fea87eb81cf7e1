// A static "customer site" for browser tests: serves the built library from dist/ and pages
// that each test registers. Every call starts its own server on an ephemeral port.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's build output, served under /dist/. */
export const DIST_DIR = fileURLToPath(new URL('../../dist/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

export interface Site {
  /** e.g. `http://127.0.0.1:40123` */
  origin: string;
  /** Absolute URL of a path on this site. */
  url(path: string): string;
  /**
   * Serves `content` at `path` (HTML unless told otherwise) and returns its absolute URL.
   * `options` adds response headers (e.g. a `Content-Security-Policy`) or a delay before answering.
   */
  page(path: string, content: string, contentType?: string, options?: PageOptions): string;
  /** Paths requested so far, in order (query strings included). */
  requests: string[];
  close(): Promise<void>;
}

/** Extras of one registered page. */
export interface PageOptions {
  /** Response headers added to the page's answer. */
  headers?: Record<string, string>;
  /** Answer this many milliseconds late (a slow image or stylesheet, so `load` has some weight). */
  delayMs?: number;
}

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
export async function startSite(opts: SiteOptions = {}): Promise<Site> {
  const host = opts.host ?? '127.0.0.1';
  const distDir = resolve(opts.distDir ?? DIST_DIR);
  const pages = new Map<string, { content: string; type: string; options: PageOptions }>();
  const requests: string[] = [];
  const sockets = new Set<Socket>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://site.invalid');
    requests.push(url.pathname + url.search);
    res.setHeader('Cache-Control', 'no-store');
    const registered = pages.get(url.pathname);
    if (registered) {
      const { headers, delayMs } = registered.options;
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      return send(res, 200, registered.content, registered.type, headers);
    }
    if (url.pathname.startsWith('/dist/')) {
      const file = resolve(distDir, `.${decodeURIComponent(url.pathname.slice('/dist'.length))}`);
      if (file.startsWith(distDir + sep)) {
        const body = await readFile(file).catch(() => null);
        if (body) return send(res, 200, body, CONTENT_TYPES[extname(file)] ?? 'application/octet-stream');
      }
    }
    send(res, 404, `not found: ${url.pathname}`, 'text/plain; charset=utf-8');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, 'site error', 'text/plain'));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, host, () => ok());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const origin = `http://${host}:${port}`;

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
      return new Promise((ok) => server.close(() => ok()));
    },
  };
}

/** Writes an answer unless the client is gone. */
function send(res: ServerResponse, status: number, body: string | Buffer, type: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...headers, 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
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
