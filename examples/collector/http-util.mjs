// Small HTTP helpers shared by the ingest hosts, the script host and the control API.

/** @typedef {import('node:http').IncomingMessage} IncomingMessage */
/** @typedef {import('node:http').ServerResponse} ServerResponse */

/**
 * Sets CORS headers for an allowed `Origin`: it is echoed (a `*` would forbid credentialed
 * requests, which mixpanel-browser's XHR makes), credentials and a private-network preflight
 * are approved, and `Retry-After` and `Date` are exposed so a client can honour the one and
 * read the server's clock from the other (CORS hides `Date` otherwise). An origin the policy
 * does not allow gets none of them, so its page can read no answer.
 * @param {IncomingMessage} req
 * @param {ServerResponse} res
 * @param {import('./access.mjs').AccessPolicy} access
 */
export function setCors(req, res, access) {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Vary', 'Origin');
  const origin = req.headers.origin;
  if (origin !== undefined && !access.originAllowed(origin)) return;
  res.setHeader('Access-Control-Allow-Origin', origin || '*');
  if (origin) res.setHeader('Access-Control-Allow-Credentials', 'true');
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] || 'Content-Type');
  res.setHeader('Access-Control-Expose-Headers', 'Retry-After, Date');
  res.setHeader('Access-Control-Max-Age', '600');
  if (origin && req.headers['access-control-request-private-network']) {
    res.setHeader('Access-Control-Allow-Private-Network', 'true');
  }
}

/**
 * Sends an answer unless one was already sent or the client went away.
 * @param {ServerResponse} res
 * @param {number} status
 * @param {string | Buffer} body
 * @param {Record<string, string>} [headers]
 */
export function send(res, status, body, headers = {}) {
  if (res.headersSent || res.destroyed) return;
  const type = headers['Content-Type'] ?? 'text/plain; charset=utf-8';
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

/**
 * Sends JSON.
 * @param {ServerResponse} res
 * @param {number} status
 * @param {unknown} value
 */
export function sendJson(res, status, value) {
  send(res, status, JSON.stringify(value), { 'Content-Type': 'application/json; charset=utf-8' });
}

/** Thrown by `readBody` when a body is larger than allowed. */
export class BodyTooLarge extends Error {}

/**
 * Reads the whole body, refusing more than `maxBytes`. Rejects if the client
 * goes away before the end.
 * @param {IncomingMessage} req
 * @param {number} maxBytes
 * @returns {Promise<Buffer>}
 */
export function readBody(req, maxBytes) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    req.on('data', (/** @type {Buffer} */ chunk) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLarge(`body over ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('aborted', () => reject(new Error('client aborted')));
  });
}

/**
 * Parses a request URL, which may be malformed, against a dummy base.
 * @param {IncomingMessage} req
 */
export function parseUrl(req) {
  try {
    return new URL(req.url ?? '/', 'http://collector.invalid');
  } catch {
    return new URL('http://collector.invalid/');
  }
}

/**
 * Waits `ms` milliseconds; the timer does not keep the process alive.
 * @param {number} ms
 */
export function sleep(ms) {
  return new Promise((resolve) => {
    if (!(ms > 0)) return resolve(undefined);
    setTimeout(resolve, ms).unref();
  });
}
