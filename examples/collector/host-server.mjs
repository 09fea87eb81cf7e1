// One listening port whose connections are tracked, so it can stop listening (to refuse
// connections), listen again on the same port, and close without waiting for idle sockets.
import { createServer } from 'node:http';

/** @typedef {import('node:http').RequestListener} RequestListener */
/** @typedef {import('node:net').Socket} Socket */

/** Time for an in-process client to notice closed sockets: a few event-loop turns. */
const PEER_NOTICE_MS = 20;

/**
 * Creates a host server; call `open()` to listen. Port 0 picks a free port the
 * first time; later `open()` calls reuse the port it got. Without `keepAlive`
 * every answer closes its connection, so that after a switch to `refuse` every
 * client sees a refused connection at once, not an error on a stale pooled
 * socket that some clients (Node's fetch) do not retry.
 * @param {{ host: string, port: number, keepAlive?: boolean, onRequest: RequestListener }} options
 */
export function createHostServer({ host, port, keepAlive = true, onRequest }) {
  /** @type {Set<Socket>} */
  const sockets = new Set();
  /** @type {import('node:http').Server | null} */
  let server = null;
  let boundPort = port;

  /** @returns {Promise<void>} */
  function open() {
    if (server) return Promise.resolve();
    const s = createServer((req, res) => {
      if (!keepAlive) res.setHeader('Connection', 'close');
      onRequest(req, res);
    });
    s.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      // A client resetting mid-request must not surface as an unhandled error.
      socket.on('error', () => {});
    });
    s.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    return new Promise((resolve, reject) => {
      s.once('error', reject);
      s.listen(boundPort, host, () => {
        s.off('error', reject);
        s.on('error', () => {});
        const address = s.address();
        if (address && typeof address === 'object') boundPort = address.port;
        server = s;
        resolve();
      });
    });
  }

  /**
   * Stops listening and destroys every open connection, in-flight or idle. When
   * there were connections it resolves a moment later, so that a client in this
   * process has seen them close before its next request: otherwise it may write
   * to an idle pooled socket it does not yet know is dead.
   */
  async function shut() {
    const s = server;
    server = null;
    const hadSockets = sockets.size > 0;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (s) await new Promise((resolve) => s.close(() => resolve(undefined)));
    if (hadSockets) await new Promise((resolve) => setTimeout(resolve, PEER_NOTICE_MS));
  }

  return {
    open,
    shut,
    isOpen: () => server !== null,
    port: () => boundPort,
    url: () => `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`,
  };
}
