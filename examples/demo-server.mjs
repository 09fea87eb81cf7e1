// Everything `npm start` runs, as one function that tests and the scripted demo call with
// ephemeral ports: the collector (primary and alternate ingest hosts, the host behind the
// first-party proxy, a script host serving dist/), nginx as that proxy when it is installed,
// the single-page app's bundle, and the site with its dashboard.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCollector } from './collector/collector.mjs';
import { findNginx, startNginx } from './proxy/start-nginx.mjs';
import { startSite } from './serve-site.mjs';
import { buildSpa } from './spa/build-spa.mjs';

const DIST = fileURLToPath(new URL('../dist', import.meta.url));

/**
 * @typedef {object} DemoPorts  0 (the default) picks a free port
 * @property {number} [site]
 * @property {number} [control]
 * @property {number} [primary]
 * @property {number} [alternate]
 * @property {number} [upstream]  the collector host behind nginx
 * @property {number} [script]
 * @property {number} [nginx]
 */

/**
 * @typedef {object} Demo
 * @property {string} url  the site's home page
 * @property {string} dashboardUrl
 * @property {string} spaUrl
 * @property {import('./collector/types').Collector} collector
 * @property {import('./proxy/start-nginx.mjs').Proxy | null} nginx  null when nginx is not installed (or disabled)
 * @property {string[]} apiHosts  the ingest hosts the pages fail over through, in order
 * @property {Record<string, string>} hostNames  host URL by name (`primary`, `alternate`, `nginx`)
 * @property {() => Promise<void>} close
 */

/**
 * Starts the demo. With `nginx: 'auto'` (the default) the proxy runs when nginx is installed.
 * @param {{ ports?: DemoPorts, nginx?: 'auto' | boolean, storeFile?: string, buildSpa?: boolean }} [options]
 * @returns {Promise<Demo>}
 */
export async function startDemo({ ports = {}, nginx = 'auto', storeFile, buildSpa: build = true } = {}) {
  /** @type {import('./collector/types').Collector | undefined} */
  let collector;
  /** @type {import('./proxy/start-nginx.mjs').Proxy | null} */
  let proxy = null;
  try {
    if (build) await buildSpa();
    if (storeFile) mkdirSync(dirname(storeFile), { recursive: true });
    collector = await startCollector({
      hosts: ['primary', 'alternate', 'upstream'],
      ports: { primary: ports.primary ?? 0, alternate: ports.alternate ?? 0, upstream: ports.upstream ?? 0 },
      controlPort: ports.control ?? 0,
      scriptHost: { dir: DIST, port: ports.script ?? 0 },
      storeFile,
    });
    const nginxBin = nginx === false ? null : findNginx();
    if (nginx === true && !nginxBin) throw new Error('nginx is not installed: apt-get install nginx');
    if (nginxBin) {
      proxy = await startNginx({
        nginx: nginxBin,
        port: ports.nginx ?? 0,
        ingestPort: portOf(collector.urls.upstream),
        libraryPort: portOf(collector.urls.script),
      });
    }
    const hostNames = { primary: collector.urls.primary, alternate: collector.urls.alternate, ...(proxy ? { nginx: proxy.url } : {}) };
    const apiHosts = Object.values(hostNames);
    const running = /** @type {import('./proxy/start-nginx.mjs').Proxy | null} */ (proxy);
    const site = await startSite({
      port: ports.site ?? 0,
      vars: {
        PRIMARY: collector.urls.primary,
        ALTERNATE: collector.urls.alternate,
        SCRIPT: collector.urls.script,
        CONTROL: collector.controlUrl,
        API_HOSTS: JSON.stringify(apiHosts),
        // first-party first: the site's own copy, under a name blocklists do not match
        LIB_URLS: JSON.stringify(['/dist/outlast.min.js', `${collector.urls.script}/outlast.min.js`, ...(proxy ? [proxy.libraryUrl] : [])]),
        HOST_NAMES: JSON.stringify(hostNames),
      },
      routes: {
        'GET /__demo/nginx': async () => nginxState(running),
        'POST /__demo/nginx': async (_req, body) => {
          const action = JSON.parse(body || '{}').action;
          if (running && action === 'kill') await running.kill();
          if (running && action === 'start') await running.start();
          return nginxState(running);
        },
      },
    });
    const c = collector;
    return {
      url: site.url,
      dashboardUrl: `${site.url}dashboard.html`,
      spaUrl: `${site.url}spa/`,
      collector: c,
      nginx: proxy,
      apiHosts,
      hostNames,
      async close() {
        await site.close();
        await proxy?.close();
        await c.close();
      },
    };
  } catch (e) {
    await proxy?.close();
    await collector?.close();
    throw e;
  }
}

/** @param {import('./proxy/start-nginx.mjs').Proxy | null} proxy */
function nginxState(proxy) {
  return proxy ? { available: true, running: proxy.isRunning(), url: proxy.url } : { available: false };
}

/** @param {string | undefined} url */
function portOf(url) {
  return Number(new URL(String(url)).port);
}
