#!/usr/bin/env node
// `npm start`: the local Mixpanel-compatible collector (primary and alternate API hosts, a script
// host serving dist/) and the example site, on fixed ports so the URL is easy to remember.
// Ports can be moved with OUTLAST_PORT (site; the others follow it).
import { mkdirSync } from 'node:fs';
import { startCollector } from './collector/collector.mjs';
import { startSite } from './serve-site.mjs';

const base = Number(process.env.OUTLAST_PORT || 8080);
const ports = { site: base, control: base + 720, primary: base + 721, alternate: base + 722, script: base + 723 };

async function main() {
  mkdirSync('examples/collector/data', { recursive: true });
  let collector;
  let site;
  try {
    collector = await startCollector({
      hosts: ['primary', 'alternate'],
      ports: { primary: ports.primary, alternate: ports.alternate },
      controlPort: ports.control,
      scriptHost: { dir: 'dist', port: ports.script },
      storeFile: 'examples/collector/data/events.jsonl',
    });
    site = await startSite({
      port: ports.site,
      vars: {
        PRIMARY: collector.urls.primary,
        ALTERNATE: collector.urls.alternate,
        SCRIPT: collector.urls.script,
        CONTROL: collector.controlUrl,
      },
    });
  } catch (e) {
    const err = /** @type {NodeJS.ErrnoException} */ (e);
    if (err.code === 'EADDRINUSE') {
      console.error(`A port Outlast needs is taken (${err.message}). Stop the other process, or pick other ports: OUTLAST_PORT=9080 npm start`);
    } else console.error(err);
    await collector?.close();
    process.exit(1);
  }
  console.log('Outlast is running.');
  console.log(`  collector: primary ${collector.urls.primary}, alternate ${collector.urls.alternate}, script host ${collector.urls.script}`);
  console.log(`  control API: ${collector.controlUrl}/stats`);
  console.log(`\n  Open ${site.url}\n`);
  console.log('Ctrl-C to stop.');
  const stop = async () => {
    await Promise.all([site.close(), collector.close()]);
    console.log('\nStopped: collector and site closed.');
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main();
