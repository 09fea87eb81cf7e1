// The servers every browser test file starts for itself (a collector and a site, on ephemeral
// ports, so that files run in parallel without colliding), and how to count what arrived. The
// browser and the life cycle around them are the engine harness's (engines/harness.ts).
import { startCollector, type Collector, type CollectorOptions, type EventFilter } from '../../examples/collector/collector.mjs';
import { DIST_DIR, startSite, type Site } from './site';

export { sleep, waitFor } from './wait';

export interface SetupOptions {
  /** Ingest host names (default `['primary', 'alternate']`). */
  hosts?: string[];
  /** Serve dist/ from the collector's `script` host, with its fault modes. */
  scriptHost?: boolean;
  /** Any other collector option. */
  collector?: CollectorOptions;
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

/** The distinct `$insert_id`s of the track events the collector accepted (any host unless filtered). */
export function uniqueInsertIds(collector: Collector, filter: EventFilter = {}): Set<string> {
  const ids = new Set<string>();
  for (const e of collector.events({ ...filter, endpoint: 'track' })) {
    const id = (e.data.properties as Record<string, unknown> | undefined)?.$insert_id;
    if (typeof id === 'string' || typeof id === 'number') ids.add(String(id));
  }
  return ids;
}
