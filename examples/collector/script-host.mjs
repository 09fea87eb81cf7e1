// Request handler of the script host: static files (the built library) with fault modes,
// to reproduce a CDN that hangs, refuses or errors while a page loads.
import { blanketAnswer } from './faults.mjs';
import { parseUrl, send, setCors, sleep } from './http-util.mjs';
import { loadStaticFile } from './static-files.mjs';

/** @typedef {import('./types').FaultState} FaultState */
/** @typedef {ReturnType<typeof import('./store.mjs').createStore>} Store */
/** @typedef {import('node:http').IncomingMessage} IncomingMessage */
/** @typedef {import('node:http').ServerResponse} ServerResponse */

/**
 * Creates the handler serving files from `dir`. Ingest-only modes (`413`,
 * `400`) serve files normally.
 * @param {{ name: string, dir: string, fault: () => FaultState, store: Store, hung: Set<ServerResponse>, access: import('./access.mjs').AccessPolicy }} ctx
 * @returns {(req: IncomingMessage, res: ServerResponse) => Promise<void>}
 */
export function createScriptHandler({ name, dir, fault, store, hung, access }) {
  return async function handleScript(req, res) {
    const state = fault();
    const url = parseUrl(req);
    const entry = {
      time: Date.now(),
      host: name,
      method: req.method ?? 'GET',
      path: url.pathname,
      endpoint: null,
      count: 0,
      transport: /** @type {const} */ ('fetch'),
      error: null,
      bytes: 0,
    };
    /** @param {import('./types').RequestLogEntry['status']} status @param {string | null} [error] */
    const log = (status, error = null) => store.logRequest({ ...entry, status, error });
    setCors(req, res, access);
    req.resume();
    const refused = access.refusal(req);
    if (refused) {
      log(403, refused);
      send(res, 403, refused);
      return;
    }

    if (state.mode === 'hang') {
      hung.add(res);
      res.on('close', () => hung.delete(res));
      log('hang');
      return;
    }
    await sleep(state.delay ?? 0);
    if (state.mode === 'reset' || state.mode === 'refuse') {
      log('reset');
      req.socket.destroy();
      return;
    }
    if (req.method === 'OPTIONS') {
      log(204);
      send(res, 204, '');
      return;
    }
    const blanket = blanketAnswer(state);
    if (blanket) {
      log(blanket.status, blanket.error);
      send(res, blanket.status, blanket.error, blanket.headers);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      log(405, 'method not allowed');
      send(res, 405, 'method not allowed', { Allow: 'GET, HEAD, OPTIONS' });
      return;
    }
    const file = await loadStaticFile(dir, url.pathname);
    if (!file) {
      log(404, 'no such file');
      send(res, 404, `no such file: ${url.pathname}`);
      return;
    }
    log(200);
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'Content-Type': file.type, 'Content-Length': String(file.body.length) });
      res.end();
      return;
    }
    send(res, 200, file.body, { 'Content-Type': file.type });
  };
}
