// Per-file setup for browser scenarios, the one harness of the repository: a collector and a site
// on ephemeral ports and a browser of this project's engine on a fresh profile, so that files (and
// engines) run in parallel without colliding. The few Chromium-only files in test/browser use it
// too, and reach the Playwright page behind a tab with `playwrightPage` (engines/chromium.ts).
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Collector } from '../../../examples/collector/collector.mjs';
import { startServers, type SetupOptions } from '../fixtures';
import type { Site } from '../site';
import { currentEngine, launchEngine, type EngineBrowser, type EngineName, type Tab } from './index';

export interface EngineHarness {
  engine: EngineName;
  collector: Collector;
  site: Site;
  /** The running browser; replaced by `restartBrowser()`. */
  browser: EngineBrowser;
  /** SIGKILLs the browser and starts it again on the same profile, as after a crash. */
  restartBrowser(): Promise<EngineBrowser>;
  /** Closes the browser, the site and the collector. */
  close(): Promise<void>;
}

/** Starts everything a scenario needs on this project's engine; call `close()` in `afterAll`. */
export async function setupEngine(opts: Omit<SetupOptions, 'chromiumArgs'> = {}): Promise<EngineHarness> {
  const { collector, site, browser } = await startServers(opts, () => launchEngine());
  const harness: EngineHarness = {
    engine: currentEngine(),
    collector,
    site,
    browser,
    async restartBrowser() {
      await harness.browser.kill();
      harness.browser = await harness.browser.restart();
      return harness.browser;
    },
    async close() {
      await harness.browser.close().catch(() => {});
      await Promise.all([site.close(), collector.close()]);
    },
  };
  return harness;
}

/**
 * The life cycle of a scenario file: one harness for the file (handed to `onHarness`), the
 * tabs a test opened closed after it, the collector reset to `ok`, and the console of every
 * tab the test opened printed when it fails. Returns `open(url?)`, which opens a tab.
 */
export function useEngineScenario(
  onHarness: (h: EngineHarness) => void,
  opts: Omit<SetupOptions, 'chromiumArgs'> = {},
): (url?: string) => Promise<Tab> {
  let h: EngineHarness | undefined;
  let tabs: Tab[] = [];
  beforeAll(async () => {
    h = await setupEngine(opts);
    onHarness(h);
  });
  afterAll(() => h?.close());
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && h) printFailure(h, tabs);
    await Promise.all(tabs.map((t) => t.close().catch(() => undefined)));
    tabs = [];
    await h?.collector.reset();
  });
  return async (url) => {
    const tab = await h!.browser.newTab();
    tabs.push(tab);
    if (url) await tab.goto(url);
    return tab;
  };
}

/** What a failed test leaves to read: each tab's console, the service workers' console, the collector's last requests. */
function printFailure(h: EngineHarness, tabs: Tab[]): void {
  tabs.forEach((t, i) => console.log(`--- tab ${i + 1} (${h.engine})\n${t.logs.join('\n')}`));
  if (h.browser.workerLogs.length) console.log(`--- service workers (${h.engine})\n${h.browser.workerLogs.join('\n')}`);
  const requests = h.collector.requests().slice(-40);
  const line = (r: (typeof requests)[number]): string =>
    `${new Date(r.time).toISOString().slice(11, 23)} ${r.host} ${r.method} ${r.path} ${r.status} items=${r.count}`;
  console.log(`--- collector, last ${requests.length} requests (${h.engine})\n${requests.map(line).join('\n')}`);
}
