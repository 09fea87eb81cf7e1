// A local stand-in for Mixpanel's ingestion API: several hosts in one process, each with a
// fault mode switched at run time, counting events by $insert_id. Used by tests, examples,
// `npm start` and the benchmark.
import { createAccessPolicy } from './access.mjs';
import { createControlHandler } from './control-api.mjs';
import { parseFault } from './faults.mjs';
import { createHostServer } from './host-server.mjs';
import { sendJson } from './http-util.mjs';
import { createIngestHandler } from './ingest.mjs';
import { createScriptHandler } from './script-host.mjs';
import { createStore } from './store.mjs';

/** @typedef {import('./types').Collector} Collector */
/** @typedef {import('./types').CollectorOptions} CollectorOptions */
/** @typedef {import('./types').FaultState} FaultState */
/** @typedef {import('./types').FaultMode} FaultMode */
/** @typedef {import('./types').FaultOptions} FaultOptions */
/** @typedef {import('./types').Stats} Stats */
/** @typedef {import('./types').Semantics} Semantics */
/** @typedef {import('node:http').IncomingMessage} IncomingMessage */
/** @typedef {import('node:http').ServerResponse} ServerResponse */

/** Name of the host that serves static files when `scriptHost` is given. */
export const SCRIPT_HOST = 'script';

/** How items are counted and profiles applied, by name; see `Semantics`. */
export const SEMANTICS = /** @type {const} */ (['dedupe', 'mixpanel']);

/**
 * Checks a semantics name as it may come from the control API or the command line.
 * @param {unknown} value
 * @returns {Semantics}
 */
function parseSemantics(value) {
  if (!SEMANTICS.includes(/** @type {Semantics} */ (value))) {
    throw new Error(`unknown semantics ${JSON.stringify(value)}; expected one of ${SEMANTICS.join(', ')}`);
  }
  return /** @type {Semantics} */ (value);
}

/** Largest body read by default: Mixpanel's /import limit of 10 MB, far above any /track batch. */
const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Wraps a handler so that no input can take the process down: a thrown error
 * becomes a 500 (or a closed connection when an answer had started).
 * @param {(req: IncomingMessage, res: ServerResponse) => Promise<void>} handler
 * @returns {(req: IncomingMessage, res: ServerResponse) => void}
 */
function guarded(handler) {
  return (req, res) => {
    req.on('error', () => {});
    res.on('error', () => {});
    const fail = () => {
      if (!res.headersSent) sendJson(res, 500, { status: 0, error: 'collector error' });
      else res.destroy();
    };
    try {
      handler(req, res).catch(fail);
    } catch {
      fail();
    }
  };
}

/**
 * Starts the collector: one port per ingest host (and for the script host),
 * plus the control API. Ports default to 0 (ephemeral), so parallel test files
 * never collide.
 * @param {CollectorOptions} [options]
 * @returns {Promise<Collector>}
 */
export async function startCollector(options = {}) {
  const listenHost = options.host ?? '127.0.0.1';
  const ingestNames = options.hosts ?? ['primary', 'alternate'];
  const names = options.scriptHost ? [...ingestNames, SCRIPT_HOST] : [...ingestNames];
  if (new Set(names).size !== names.length) throw new Error(`host names must be distinct: ${names.join(', ')}`);
  const store = createStore({ file: options.storeFile, maxItems: options.maxStoredItems, maxBytes: options.maxStoredBytes });
  const access = createAccessPolicy({ allowedOrigins: options.allowedOrigins, allowedHosts: options.allowedHosts });
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  let semantics = parseSemantics(options.semantics ?? 'dedupe');
  const now = options.now ?? Date.now;
  /** @type {Set<ServerResponse>} */
  const hung = new Set();
  /** @type {Map<string, FaultState>} */
  const faults = new Map(names.map((n) => [n, { mode: /** @type {FaultMode} */ ('ok') }]));
  /** @type {Map<string, Promise<void>>} */
  const switching = new Map();

  const servers = new Map(
    names.map((name) => {
      const fault = () => /** @type {FaultState} */ (faults.get(name));
      const handler =
        name === SCRIPT_HOST && options.scriptHost
          ? createScriptHandler({ name, dir: options.scriptHost.dir, fault, store, hung, access })
          : createIngestHandler({ name, fault, store, maxBodyBytes, hung, semantics: () => semantics, now, access });
      const port = name === SCRIPT_HOST ? options.scriptHost?.port : options.ports?.[name];
      const keepAlive = options.keepAlive ?? false;
      return [name, createHostServer({ host: listenHost, port: port ?? 0, keepAlive, onRequest: guarded(handler) })];
    }),
  );

  /** @type {Record<string, string>} */
  const urls = {};
  let closed = false;

  /**
   * Switches a host's mode; switches of one host run one after the other so
   * that closing and reopening its port never interleave.
   * @param {string} host
   * @param {FaultMode} mode
   * @param {FaultOptions} [opts]
   */
  function setMode(host, mode, opts) {
    const server = servers.get(host);
    if (!server) return Promise.reject(new Error(`unknown host ${JSON.stringify(host)}; known: ${names.join(', ')}`));
    let state;
    try {
      state = parseFault(mode, opts);
    } catch (e) {
      return Promise.reject(e);
    }
    const previous = switching.get(host) ?? Promise.resolve();
    const next = previous
      .catch(() => {})
      .then(async () => {
        if (closed) return;
        faults.set(host, state);
        if (state.mode === 'refuse') await server.shut();
        else await server.open();
      });
    switching.set(host, next);
    return next;
  }

  /** @returns {Stats} */
  function stats() {
    const counts = store.counts(names);
    for (const name of names) {
      Object.assign(counts.byHost[name], { fault: { ...faults.get(name) }, url: urls[name] });
    }
    return /** @type {Stats} */ (counts);
  }

  /**
   * Switches how later requests are counted and applied; what is stored stays.
   * @param {Semantics} next
   */
  function setSemantics(next) {
    semantics = parseSemantics(next);
  }

  /** @param {{ keepModes?: boolean }} [opts] */
  async function reset(opts = {}) {
    store.clear();
    if (!opts.keepModes) await Promise.all(names.map((n) => setMode(n, 'ok')));
  }

  const api = {
    urls,
    controlUrl: '',
    setMode,
    events: store.events,
    stats,
    requests: store.requests,
    profiles: store.profiles,
    dropped: store.dropped,
    semantics: () => semantics,
    setSemantics,
    reset,
  };
  const control = createHostServer({
    host: listenHost,
    port: options.controlPort ?? 0,
    onRequest: guarded(createControlHandler(api, access)),
  });

  async function close() {
    if (closed) return;
    closed = true;
    await Promise.all([...switching.values()].map((p) => p.catch(() => {})));
    for (const res of hung) res.destroy();
    hung.clear();
    await Promise.all([...servers.values(), control].map((s) => s.shut()));
    await store.close();
  }

  try {
    for (const [name, server] of servers) {
      await server.open();
      urls[name] = server.url();
    }
    await control.open();
  } catch (e) {
    await close();
    throw e;
  }
  api.controlUrl = control.url();
  return { ...api, close };
}
