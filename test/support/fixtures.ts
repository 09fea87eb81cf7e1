// Per-file setup for browser tests: a collector, a site and a Chromium, all on ephemeral
// ports and a fresh profile, so that test files run in parallel without colliding.
import { startCollector, type Collector, type CollectorOptions, type EventFilter } from '../../examples/collector/collector.mjs';
import { launchChromium, type ChromiumSession } from './chromium';
import { DIST_DIR, startSite, type Site } from './site';

export { sleep, waitFor } from './wait';

export interface Harness {
  collector: Collector;
  site: Site;
  /** The running Chromium; replaced by `restartBrowser()`. */
  browser: ChromiumSession;
  /** SIGKILLs Chromium and starts it again on the same profile, as after a crash. */
  restartBrowser(): Promise<ChromiumSession>;
  /** Closes the browser, the site and the collector. */
  close(): Promise<void>;
}

export interface SetupOptions {
  /** Ingest host names (default `['primary', 'alternate']`). */
  hosts?: string[];
  /** Serve dist/ from the collector's `script` host, with its fault modes. */
  scriptHost?: boolean;
  /** Any other collector option. */
  collector?: CollectorOptions;
  /** Extra Chromium flags. */
  chromiumArgs?: string[];
}

/**
 * Starts the collector and the site, then `launch` (a browser); whatever started is closed
 * again when a later step fails.
 */
export async function startServers<B>(
  opts: SetupOptions,
  launch: () => Promise<B>,
): Promise<{ collector: Collector; site: Site; browser: B }> {
  const collector = await startCollector({
    hosts: opts.hosts ?? ['primary', 'alternate'],
    ...(opts.scriptHost ? { scriptHost: { dir: DIST_DIR } } : {}),
    ...opts.collector,
  });
  const site = await startSite().catch(async (e) => {
    await collector.close();
    throw e;
  });
  const browser = await launch().catch(async (e) => {
    await Promise.all([site.close(), collector.close()]);
    throw e;
  });
  return { collector, site, browser };
}

/** Starts everything a browser test needs; call `close()` in `afterAll`. */
export async function setup(opts: SetupOptions = {}): Promise<Harness> {
  const { collector, site, browser } = await startServers(opts, () => launchChromium({ args: opts.chromiumArgs }));
  const harness: Harness = {
    collector,
    site,
    browser,
    async restartBrowser() {
      const { userDataDir } = harness.browser;
      await harness.browser.kill();
      harness.browser = await launchChromium({ userDataDir, args: opts.chromiumArgs });
      return harness.browser;
    },
    async close() {
      await harness.browser.close().catch(() => {});
      await Promise.all([site.close(), collector.close()]);
    },
  };
  return harness;
}

/** The distinct `$insert_id`s of the track events the collector accepted (any host unless filtered). */
export function uniqueInsertIds(collector: Collector, filter: EventFilter = {}): Set<string> {
  const ids = new Set<string>();
  for (const e of collector.events({ ...filter, endpoint: 'track' })) {
    const id = (e.data.properties as Record<string, unknown> | undefined)?.$insert_id;
    if (typeof id === 'string' || typeof id === 'number') ids.add(String(id));
  }
  return ids;
}
