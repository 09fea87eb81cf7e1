// Request handler of an ingest host: Mixpanel's /track/, /engage/ and /groups/, with fault modes.
import { blanketAnswer, contentAnswer } from './faults.mjs';
import { BodyTooLarge, parseUrl, readBody, send, setCors, sleep } from './http-util.mjs';
import { triage } from './mixpanel-rules.mjs';
import { PayloadError, decodeItems, validateItems } from './payload.mjs';

/** @typedef {import('./types').Endpoint} Endpoint */
/** @typedef {import('./types').FaultState} FaultState */
/** @typedef {import('./types').RequestLogEntry} RequestLogEntry */
/** @typedef {import('./types').Semantics} Semantics */
/** @typedef {ReturnType<typeof import('./store.mjs').createStore>} Store */
/** @typedef {import('node:http').IncomingMessage} IncomingMessage */
/** @typedef {import('node:http').ServerResponse} ServerResponse */

/**
 * The endpoint a path names. The last segment decides, so a first-party proxy
 * forwarding `/mp/track/` reaches the same handler as `/track/`.
 */
const ENDPOINT_PATH = /^(?:.*\/)?(track|engage|groups)\/?$/;

/**
 * Whether a request came from `sendBeacon`: a string body is sent as `text/plain`, and any
 * cross-origin beacon (a form Blob included) is a `no-cors` request, which a page's
 * `fetch` to an ingest host never is.
 * @param {IncomingMessage} req
 * @param {string} contentType
 */
function isBeacon(req, contentType) {
  return /text\/plain/i.test(contentType) || req.headers['sec-fetch-mode'] === 'no-cors';
}

/**
 * Sends Mixpanel's answer: `{"status":1,"error":null}` with `?verbose=1`, else `1` / `0`.
 * @param {ServerResponse} res
 * @param {number} httpStatus
 * @param {boolean} verbose
 * @param {string | null} error
 * @param {Record<string, string>} [headers]
 */
function answer(res, httpStatus, verbose, error, headers = {}) {
  if (verbose) {
    const body = JSON.stringify({ status: error === null ? 1 : 0, error });
    send(res, httpStatus, body, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  } else {
    send(res, httpStatus, error === null ? '1' : '0', headers);
  }
}

/**
 * @typedef {object} IngestContext
 * @property {string} name
 * @property {() => FaultState} fault
 * @property {Store} store
 * @property {number} maxBodyBytes
 * @property {Set<ServerResponse>} hung
 * @property {() => Semantics} semantics
 * @property {() => number} now  the collector's clock, in ms since the epoch
 * @property {import('./access.mjs').AccessPolicy} access
 */

/**
 * Creates the handler of one ingest host. Items are recorded before any
 * configured delay, as a slow server that still processed them would.
 * @param {IngestContext} ctx
 * @returns {(req: IncomingMessage, res: ServerResponse) => Promise<void>}
 */
export function createIngestHandler({ name, fault, store, maxBodyBytes, hung, semantics, now, access }) {
  return async function handleIngest(req, res) {
    const state = fault();
    const url = parseUrl(req);
    const verbose = url.searchParams.get('verbose') === '1';
    const contentType = String(req.headers['content-type'] ?? '');
    const match = ENDPOINT_PATH.exec(url.pathname);
    const endpoint = /** @type {Endpoint | null} */ (match ? match[1] : null);
    /** @type {Omit<RequestLogEntry, 'seq' | 'status'>} */
    const entry = {
      time: Date.now(),
      host: name,
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search,
      contentType,
      endpoint,
      count: 0,
      transport: isBeacon(req, contentType) ? 'beacon' : 'fetch',
      error: null,
      bytes: 0,
    };
    /** @param {RequestLogEntry['status']} status @param {string | null} [error] */
    const log = (status, error = null) => store.logRequest({ ...entry, status, error });
    setCors(req, res, access);
    // The host's clock is the collector's, so that a client reading `Date` sees the clock it is judged by.
    res.setHeader('Date', new Date(now()).toUTCString());
    // Before the body is read: a page of another website must not even get its events stored.
    const refused = access.refusal(req);
    if (refused) {
      log(403, refused);
      answer(res, 403, verbose, refused, { Connection: 'close' });
      return;
    }

    let body;
    try {
      body = await readBody(req, maxBodyBytes);
    } catch (e) {
      if (e instanceof BodyTooLarge) {
        log(413, e.message);
        answer(res, 413, verbose, e.message, { Connection: 'close' });
      } else {
        log('aborted', 'client went away before the end of the body');
      }
      return;
    }
    entry.bytes = body.length;

    if (state.mode === 'hang') {
      // Keep the response so close() can destroy its socket; never answer.
      hung.add(res);
      res.on('close', () => hung.delete(res));
      log('hang');
      return;
    }
    const delay = state.delay ?? 0;
    /**
     * Logs the outcome now and answers after the host's delay.
     * @param {number} status @param {string | null} error @param {Record<string, string>} [headers]
     */
    const reply = async (status, error, headers) => {
      log(status, error);
      await sleep(delay);
      if (req.method === 'OPTIONS') send(res, status, '');
      else answer(res, status, verbose, error, headers);
    };
    // A request racing a switch to `refuse` gets what a closed port would give.
    if (state.mode === 'reset' || state.mode === 'refuse') {
      log('reset');
      await sleep(delay);
      req.socket.destroy();
      return;
    }
    if (req.method === 'OPTIONS') return reply(204, null);
    const blanket = blanketAnswer(state);
    if (blanket) return reply(blanket.status, blanket.error, blanket.headers);
    if (!endpoint) return reply(404, `unknown path ${url.pathname}; expected /track/, /engage/ or /groups/`);

    const mixpanel = semantics() === 'mixpanel';
    let items;
    try {
      items = decodeItems({
        query: url.searchParams,
        contentType,
        contentEncoding: String(req.headers['content-encoding'] ?? ''),
        body,
      });
      if (!mixpanel) validateItems(endpoint, items);
    } catch (e) {
      return reply(400, e instanceof PayloadError ? e.message : 'could not read payload');
    }
    entry.count = items.length;
    const refusal = contentAnswer(state, items);
    if (refusal) return reply(refusal.status, refusal.error);
    if (!mixpanel) {
      store.add(name, endpoint, items);
      return reply(200, null);
    }
    // Mixpanel's way: 200 as soon as one item is kept, and the others vanish without a
    // word; a request with nothing to keep is refused, so the client hears of that one.
    const { kept, dropped } = triage(endpoint, items, now());
    if (kept.length === 0) return reply(400, `item 0: ${dropped[0]?.reason}`);
    store.drop(name, endpoint, dropped);
    store.add(name, endpoint, kept, true);
    return reply(200, null);
  };
}
