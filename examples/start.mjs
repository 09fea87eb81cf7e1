#!/usr/bin/env node
// `npm start`: the local Mixpanel-compatible collector, nginx as a first-party proxy (when
// installed), the single-page app and the example site with its dashboard, on fixed ports so
// the URL is easy to remember. OUTLAST_PORT moves them all (the site's port; the others follow).
import { startDemo } from './demo-server.mjs';

const base = Number(process.env.OUTLAST_PORT || 8080);
const ports = {
  site: base,
  control: base + 720,
  primary: base + 721,
  alternate: base + 722,
  script: base + 723,
  upstream: base + 724,
  nginx: base + 725,
};

async function main() {
  let demo;
  try {
    demo = await startDemo({ ports, storeFile: 'examples/collector/data/events.jsonl' });
  } catch (e) {
    const err = /** @type {NodeJS.ErrnoException} */ (e);
    const busy = err.code === 'EADDRINUSE' || /Address already in use|bind\(\) to .* failed/.test(String(err.message));
    if (busy) {
      console.error(
        `A port Outlast needs is taken (${err.message.split('\n')[0]}). Stop the other process, or pick other ports: OUTLAST_PORT=9080 npm start`,
      );
    } else console.error(err);
    process.exit(1);
  }
  const { collector } = demo;
  console.log('Outlast is running.');
  console.log(
    `  ingest hosts, in failover order: ${Object.entries(demo.hostNames)
      .map(([n, u]) => `${n} ${u}`)
      .join(', ')}`,
  );
  console.log(`  script host ${collector.urls.script}; control API ${collector.controlUrl}/stats`);
  if (!demo.nginx) console.log('  nginx is not installed, so there is no first-party proxy: apt-get install nginx');
  console.log(`\n  Open ${demo.url}  (dashboard: ${demo.dashboardUrl})\n`);
  console.log('Ctrl-C to stop.');
  const stop = async () => {
    await demo.close();
    console.log(`\nStopped: site, collector${demo.nginx ? ' and nginx' : ''} closed.`);
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main();
