// Runs Debian's nginx as the first-party proxy of the demo: a child process in the foreground,
// on a generated config in a temporary prefix, that can be killed and started again on the
// same port (the failing load balancer of Mixpanel's 2012 outage).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TEMPLATE = new URL('./nginx.conf', import.meta.url);

/** Where Debian installs nginx; /usr/sbin is often missing from a non-root PATH. */
const CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'];

/** How long nginx may take to accept connections after it is spawned. */
const READY_TIMEOUT_MS = 5_000;

/**
 * The nginx binary to run (NGINX_PATH, then PATH, then the usual places), or null
 * when it is not installed.
 * @returns {string | null}
 */
export function findNginx() {
  if (process.env.NGINX_PATH) return existsSync(process.env.NGINX_PATH) ? process.env.NGINX_PATH : null;
  const which = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  const found = which.status === 0 ? which.stdout.trim() : '';
  if (found) return found;
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/**
 * A free local port: nginx cannot pick an ephemeral one and report it back.
 * @returns {Promise<number>}
 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = /** @type {import('node:net').AddressInfo} */ (s.address());
      s.close(() => resolve(address.port));
    });
  });
}

/**
 * Fills the template's `{{NAME}}` placeholders.
 * @param {string} template
 * @param {Record<string, string | number>} values
 */
export function renderConfig(template, values) {
  return template.replace(/\{\{(\w+)\}\}/g, (m, name) => {
    if (!(name in values)) throw new Error(`nginx.conf: no value for ${m}`);
    return String(values[name]);
  });
}

/**
 * Whether something already listens on the port.
 * @param {number} port
 * @returns {Promise<boolean>}
 */
function isTaken(port) {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(true));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });
}

/**
 * Resolves once something accepts connections on the port, or rejects.
 * @param {number} port
 * @param {() => string | null} failed  returns why waiting is pointless (the process exited)
 */
async function waitForPort(port, failed) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const why = failed();
    if (why) throw new Error(why);
    if (await isTaken(port)) return;
    if (Date.now() > deadline) throw new Error(`nginx did not listen on port ${port} within ${READY_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * @typedef {object} Proxy
 * @property {string} url  e.g. `http://127.0.0.1:40123`
 * @property {string} libraryUrl  the library file through the proxy
 * @property {number} port
 * @property {string} errorLog  nginx's error log, a temporary file
 * @property {() => boolean} isRunning
 * @property {() => Promise<void>} start  starts nginx again (on the same port) if it is stopped
 * @property {() => Promise<void>} kill  SIGKILLs nginx, as a crash would
 * @property {() => Promise<void>} close  stops nginx and removes its temporary prefix
 */

/**
 * Starts nginx proxying to the collector's ingest host and script host.
 * @param {{ nginx: string, port?: number, ingestPort: number, libraryPort: number }} options
 * @returns {Promise<Proxy>}
 */
export async function startNginx({ nginx, port = 0, ingestPort, libraryPort }) {
  const listenPort = port || (await freePort());
  const prefix = await mkdtemp(join(tmpdir(), 'outlast-nginx-'));
  const conf = join(prefix, 'nginx.conf');
  const errorLog = join(prefix, 'error.log');
  const template = await readFile(TEMPLATE, 'utf8');
  await writeFile(conf, renderConfig(template, { LISTEN_PORT: listenPort, INGEST_PORT: ingestPort, LIBRARY_PORT: libraryPort }));

  /** @type {import('node:child_process').ChildProcess | null} */
  let child = null;
  /** @type {Promise<void>} */
  let exited = Promise.resolve();

  async function start() {
    if (child) return;
    if (await isTaken(listenPort)) {
      throw Object.assign(new Error(`port ${listenPort} for nginx: address already in use`), { code: 'EADDRINUSE' });
    }
    let exitReason = /** @type {string | null} */ (null);
    const proc = spawn(nginx, ['-p', `${prefix}/`, '-c', conf, '-e', errorLog, '-g', `daemon off; pid ${join(prefix, 'nginx.pid')};`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proc.stderr?.on('data', (d) => {
      stderr = (stderr + d).slice(-4000);
    });
    child = proc;
    exited = new Promise((resolve) => {
      const done = (/** @type {unknown} */ why) => {
        exitReason = `nginx exited (${why}) before listening: ${stderr.trim()}`;
        if (child === proc) child = null;
        resolve();
      };
      proc.once('exit', (code, signal) => done(signal ?? code));
      proc.once('error', (e) => done(e.message));
    });
    try {
      await waitForPort(listenPort, () => exitReason);
    } catch (e) {
      const log = await readFile(errorLog, 'utf8').catch(() => '');
      throw new Error(`${/** @type {Error} */ (e).message}\n${log.trim()}`, { cause: e });
    }
  }

  async function kill() {
    child?.kill('SIGKILL');
    await exited;
  }

  const url = `http://127.0.0.1:${listenPort}`;
  try {
    await start();
  } catch (e) {
    await rm(prefix, { recursive: true, force: true });
    throw e;
  }
  return {
    url,
    libraryUrl: `${url}/lib.min.js`,
    port: listenPort,
    errorLog,
    isRunning: () => child !== null,
    start,
    kill,
    async close() {
      child?.kill('SIGTERM');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(timer);
      await rm(prefix, { recursive: true, force: true });
    },
  };
}
