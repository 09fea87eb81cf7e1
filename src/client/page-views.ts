/**
 * Page views on single-page-app URL changes, as mixpanel-browser's
 * `track_pageview` option makes them (`Autocapture.initPageListeners` and
 * `initPageviewTracking` in its autocapture/index.js): after
 * `history.pushState`, `history.replaceState`, `popstate` and `hashchange`,
 * a `$mp_web_page_view` when the URL changed in the part the option names:
 *
 * - `'full-url'`: any change, the hash included;
 * - `'url-with-path-and-query-string'`: the URL without its hash;
 * - `'url-with-path'`: the URL without its query string and hash;
 * - `true`: only the page view at `init`.
 *
 * The option is read at each change, so `set_config` can turn it off or on.
 */
import { guard } from '../utils/env';

export type PageviewOption = boolean | 'full-url' | 'url-with-path-and-query-string' | 'url-with-path';

/** The values `track_pageview` takes. */
export const PAGEVIEW_OPTIONS: readonly PageviewOption[] = [true, false, 'full-url', 'url-with-path-and-query-string', 'url-with-path'];

/** Called on each URL change; registered by every instance that tracks page views. */
const listeners: Array<() => void> = [];

const notify = (): void => {
  for (const listener of listeners) listener();
};

/** Wraps `history[name]` once per page, so that a change of URL by script is seen; the page's own call keeps its result and errors. */
function watch(name: 'pushState' | 'replaceState'): void {
  const native = history[name];
  if (typeof native !== 'function') return;
  history[name] = function (this: History, ...args: Parameters<History['pushState']>) {
    native.apply(this, args);
    notify();
  };
}

/** The `history` whose methods are wrapped: one per page (a test may bring another). */
let watched: History | undefined;

/** Starts listening to URL changes, once per page. */
function startWatching(): void {
  if (watched === history) return;
  watched = history;
  addEventListener('popstate', notify);
  addEventListener('hashchange', notify);
  watch('pushState');
  watch('replaceState');
}

/** The part of `url` that `option` compares, or null when URL changes make no page view. */
function comparedPart(option: unknown, url: string): string | null {
  if (option === 'full-url') return url;
  if (option === 'url-with-path-and-query-string') return url.split('#')[0]!;
  if (option === 'url-with-path') return url.split('#')[0]!.split('?')[0]!;
  return null;
}

/**
 * Tracks the page view of `init` with `trackPageview`, which says whether it
 * was tracked (not opted out, not a crawler), then one on each URL change
 * that `option()` counts, compared with the last URL tracked.
 */
export function trackPageViews(option: () => unknown, trackPageview: () => boolean): void {
  const href = (): string => guard(() => location.href, '');
  let last = trackPageview() ? href() : '';
  guard(() => {
    startWatching();
    listeners.push(() => {
      // a listener never throws into the page's pushState
      guard(() => {
        const url = href();
        const part = comparedPart(option(), url);
        if (part !== null && part !== comparedPart(option(), last) && trackPageview()) last = url;
      }, undefined);
    });
  }, undefined);
}
