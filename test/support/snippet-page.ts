// Pages that install Outlast the way a customer site does: the paste-in snippet from dist/,
// pointed at script URLs the test controls, with the fast delays browser tests use.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Collector } from '../../examples/collector/collector.mjs';
import type { Tab } from './engines/types';
import { FAST_CONFIG, type PageLike } from './sdk-page';
import { DIST_DIR } from './site';
import { waitFor } from './wait';

/** What every `PageLike` can do. */
type Evaluator = Pick<Tab, 'evaluate'>;

/** The built snippet, read at call time so a rebuild between runs is picked up. */
export function snippetSource(): string {
  return readFileSync(join(DIST_DIR, 'snippet.min.js'), 'utf8').trim();
}

/** The SRI hash the build writes next to the CDN file. */
export function libIntegrity(): string {
  return readFileSync(join(DIST_DIR, 'mixpanel.min.js.sri'), 'utf8').trim();
}

/** `init` options with the short delays tests use (`FAST_CONFIG`), sending to the collector's ingest hosts. */
export function fastConfig(collector: Collector, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...FAST_CONFIG, api_host: [collector.urls.primary, collector.urls.alternate], ...extra };
}

export interface SnippetOptions {
  /** `window.MIXPANEL_LIB_URLS`. */
  urls?: string[];
  /** `window.MIXPANEL_LIB_TIMEOUT_MS` (the snippet's default is 3 s). */
  timeoutMs?: number;
  /** `window.MIXPANEL_LIB_INTEGRITY`. */
  integrity?: string;
  /** `nonce` attribute of both script tags. */
  nonce?: string;
}

/** The two script tags a site pastes: the settings, then the snippet itself. */
export function snippetTags(opts: SnippetOptions = {}): string {
  const nonce = opts.nonce ? ` nonce="${opts.nonce}"` : '';
  const settings = [
    opts.urls ? `window.MIXPANEL_LIB_URLS=${JSON.stringify(opts.urls)};` : '',
    opts.timeoutMs ? `window.MIXPANEL_LIB_TIMEOUT_MS=${opts.timeoutMs};` : '',
    opts.integrity ? `window.MIXPANEL_LIB_INTEGRITY=${JSON.stringify(opts.integrity)};` : '',
  ].join('');
  return `<script${nonce}>${settings}</script><script${nonce}>${snippetSource()}</script>`;
}

/** Console errors and uncaught errors of a tab, as far as its engine's driver reports them. */
export function errorsIn(tab: Pick<Tab, 'consoleErrors' | 'pageErrors'>): string[] {
  return [...tab.consoleErrors, ...tab.pageErrors.map((e) => `pageerror: ${e}`)];
}

/** Resolves once the library (not the stub) is `window.mixpanel`. */
export async function libraryRan(page: PageLike, timeoutMs = 10_000): Promise<void> {
  await waitFor(
    () => (page as Evaluator).evaluate(() => !!(window as unknown as { mixpanel?: { __loaded?: boolean } }).mixpanel?.__loaded),
    timeoutMs,
    20,
  );
}

/** `loadEventStart` of the page's navigation, in ms since its time origin. */
export function loadEventStart(page: PageLike): Promise<number> {
  return (page as Evaluator).evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventStart);
}

/** Median of a non-empty list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
