#!/usr/bin/env node
// Runs the collector on its own:
//   node examples/collector/cli.mjs --primary 8801 --alternate 8802 --control 8800
// Every `--<name> <port>` adds an ingest host of that name (port 0 = any free port).
// Other flags: --host <interface>, --store <file.jsonl>, --script-dir <dir> [--script <port>],
// --semantics dedupe|mixpanel, --allow-origin <origin> and --allow-host <name> (repeatable).
import { startCollector } from './collector.mjs';

const USAGE = `usage: node examples/collector/cli.mjs [--<host name> <port>]... [--control <port>]
       [--host 127.0.0.1] [--store events.jsonl] [--script-dir dist [--script <port>]]
       [--semantics dedupe|mixpanel] [--allow-origin <origin>]... [--allow-host <name>]...
Without host flags, runs "primary" and "alternate" on free ports.

--allow-origin <origin>  a page origin that may use the collector, e.g. https://demo.test
                      (repeatable; "loopback" stands for every origin on this machine).
                      Default: loopback only, so that no other website can read /events or
                      switch modes while the collector runs; others get 403.
--allow-host <name>   a Host name to accept besides IP addresses, localhost, *.localhost and
                      names without a dot (repeatable); others get 403 (DNS rebinding).

--semantics dedupe    (default) a profile update received twice is applied once; a /track
                      request with a malformed event is refused whole (400).
--semantics mixpanel  as Mixpanel: every /engage and /groups update is applied ($add adds,
                      $append appends each time); /track answers 200 when one event of the
                      batch is valid and silently drops the others (no token or event name,
                      older than 5 days, 255+ properties, keys or list items, 1 MB+).
                      See GET /profiles and GET /dropped; switch with POST /semantics.`;

/**
 * Reads `--name value` pairs into collector options.
 * @param {string[]} argv
 * @returns {import('./types').CollectorOptions}
 */
function parseArgs(argv) {
  /** @type {Record<string, number>} */
  const ports = {};
  /** @type {import('./types').CollectorOptions} */
  const options = {};
  let scriptPort;
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i] ?? '';
    const value = argv[i + 1];
    if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    if (!flag.startsWith('--') || value === undefined) throw new Error(`expected --flag value, got ${flag}`);
    const name = flag.slice(2);
    if (name === 'host') options.host = value;
    else if (name === 'store') options.storeFile = value;
    else if (name === 'semantics') options.semantics = /** @type {any} */ (value);
    else if (name === 'allow-origin') options.allowedOrigins = [...(options.allowedOrigins ?? []), value];
    else if (name === 'allow-host') options.allowedHosts = [...(options.allowedHosts ?? []), value];
    else if (name === 'script-dir') options.scriptHost = { dir: value };
    else if (name === 'control') options.controlPort = toPort(value);
    else if (name === 'script') scriptPort = toPort(value);
    else ports[name] = toPort(value);
  }
  if (Object.keys(ports).length > 0) {
    options.hosts = Object.keys(ports);
    options.ports = ports;
  }
  if (scriptPort !== undefined) {
    if (!options.scriptHost) throw new Error('--script needs --script-dir');
    options.scriptHost.port = scriptPort;
  }
  return options;
}

/** @param {string} value */
function toPort(value) {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`not a port: ${value}`);
  return port;
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`${e instanceof Error ? e.message : e}\n${USAGE}`);
    process.exit(2);
  }
  const collector = await startCollector(options);
  for (const [name, url] of Object.entries(collector.urls)) console.log(`${name.padEnd(10)} ${url}`);
  console.log(
    `${'control'.padEnd(10)} ${collector.controlUrl}  (GET /stats, /events, /profiles, /dropped; POST /mode, /semantics, /reset)`,
  );
  console.log(`${'semantics'.padEnd(10)} ${collector.semantics()}`);
  if (options.storeFile) console.log(`${'store'.padEnd(10)} ${options.storeFile}`);
  const stop = () => {
    collector.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
