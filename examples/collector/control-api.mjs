// The control API: lets a browser page, a dashboard or another process read counts and
// switch fault modes over HTTP, as the programmatic API does in-process.
import { parseUrl, readBody, send, sendJson, setCors } from './http-util.mjs';
import { isObject } from './payload.mjs';

/** @typedef {import('./types').Collector} Collector */
/** @typedef {import('./types').Endpoint} Endpoint */
/** @typedef {import('node:http').IncomingMessage} IncomingMessage */
/** @typedef {import('node:http').ServerResponse} ServerResponse */

/** Control requests are small JSON objects. */
const MAX_CONTROL_BODY = 64 * 1024;

/**
 * Reads a JSON object body; an empty body is an empty object.
 * @param {IncomingMessage} req
 * @returns {Promise<Record<string, unknown>>}
 */
async function readJsonObject(req) {
  const text = (await readBody(req, MAX_CONTROL_BODY)).toString('utf8').trim();
  if (text === '') return {};
  const value = JSON.parse(text);
  if (!isObject(value)) throw new Error('body must be a JSON object');
  return value;
}

/**
 * Creates the control handler. Routes:
 * `GET /` (urls and modes), `GET /stats`, `GET /events?since=&host=&endpoint=&event=&unique=1`,
 * `GET /requests?since=`, `GET /profiles`, `GET /dropped?since=`, `GET /semantics`,
 * `POST /semantics {semantics}`, `POST /mode {host, mode, retryAfter?, maxEvents?, delay?}`,
 * `POST /reset {keepModes?}`.
 * Requests from an origin or under a host name the access policy refuses get 403 before any
 * route runs, so that another website can neither read the events nor switch a mode (a
 * `text/plain` POST needs no preflight, so hiding the answer alone would not stop that).
 * @param {Omit<Collector, 'close'>} collector
 * @param {import('./access.mjs').AccessPolicy} access
 * @returns {(req: IncomingMessage, res: ServerResponse) => Promise<void>}
 */
export function createControlHandler(collector, access) {
  return async function handleControl(req, res) {
    setCors(req, res, access);
    const refused = access.refusal(req);
    if (refused) return sendJson(res, 403, { error: refused });
    const url = parseUrl(req);
    const q = url.searchParams;
    const route = `${req.method} ${url.pathname.replace(/\/+$/, '') || '/'}`;
    try {
      switch (route) {
        case 'OPTIONS /':
        case 'OPTIONS /stats':
        case 'OPTIONS /events':
        case 'OPTIONS /requests':
        case 'OPTIONS /mode':
        case 'OPTIONS /reset':
        case 'OPTIONS /profiles':
        case 'OPTIONS /dropped':
        case 'OPTIONS /semantics':
          return send(res, 204, '');
        case 'GET /': {
          const stats = collector.stats();
          const modes = Object.fromEntries(Object.entries(stats.byHost).map(([h, s]) => [h, s.fault]));
          return sendJson(res, 200, { urls: collector.urls, controlUrl: collector.controlUrl, modes, semantics: collector.semantics() });
        }
        case 'GET /stats':
          return sendJson(res, 200, collector.stats());
        case 'GET /events': {
          const since = Number(q.get('since') ?? 0) || 0;
          const events = collector.events({
            since,
            host: q.get('host') ?? undefined,
            endpoint: /** @type {Endpoint | undefined} */ (q.get('endpoint') ?? undefined),
            event: q.get('event') ?? undefined,
            unique: q.get('unique') === '1' || q.get('unique') === 'true',
          });
          const cursor = events.length > 0 ? events[events.length - 1].seq : since;
          return sendJson(res, 200, { events, cursor });
        }
        case 'GET /requests': {
          const since = Number(q.get('since') ?? 0) || 0;
          const requests = collector.requests(since);
          const cursor = requests.length > 0 ? requests[requests.length - 1].seq : since;
          return sendJson(res, 200, { requests, cursor });
        }
        case 'GET /profiles':
          return sendJson(res, 200, collector.profiles());
        case 'GET /dropped': {
          const since = Number(q.get('since') ?? 0) || 0;
          const dropped = collector.dropped(since);
          const cursor = dropped.length > 0 ? dropped[dropped.length - 1].seq : since;
          return sendJson(res, 200, { dropped, cursor });
        }
        case 'GET /semantics':
          return sendJson(res, 200, { semantics: collector.semantics() });
        case 'POST /semantics': {
          const body = await readJsonObject(req);
          collector.setSemantics(/** @type {any} */ (body.semantics));
          return sendJson(res, 200, { ok: true, semantics: collector.semantics() });
        }
        case 'POST /mode': {
          const body = await readJsonObject(req);
          await collector.setMode(String(body.host), /** @type {any} */ (body.mode), body);
          return sendJson(res, 200, { ok: true, fault: collector.stats().byHost[String(body.host)]?.fault });
        }
        case 'POST /reset': {
          const body = await readJsonObject(req);
          await collector.reset({ keepModes: body.keepModes === true });
          return sendJson(res, 200, { ok: true });
        }
        default:
          return sendJson(res, 404, { error: `no route ${route}` });
      }
    } catch (e) {
      return sendJson(res, 400, { error: e instanceof Error ? e.message : String(e) });
    }
  };
}
