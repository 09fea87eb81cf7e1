/**
 * `track_links()` and `track_forms()`: an event per click on a link, or per
 * form submission. mixpanel-browser stops the navigation, waits up to
 * `track_links_timeout` (300 ms) for its request, then navigates itself.
 * Outlast needs no such wait and never holds the page: the event is in the
 * outbox the moment it is tracked, and the unload path sends what the page
 * leaves behind. So the browser navigates or submits as it would without
 * the tracker, and only a callback returning `false` stops it.
 */
import type { Reporter } from '../utils/report';
import type { Properties } from './types';
import { refuse } from './call-reports';
import { isRecord } from './values';

export type ElementKind = 'click' | 'submit';

/**
 * The page's optional fourth argument, as mixpanel-browser's `DomTracker`
 * calls it: `(timedOut, properties)`. Outlast never times out, so it gets
 * `false`; returning `false` stops the navigation or submission.
 */
type ElementCallback = (timedOut: boolean, properties: Properties) => unknown;

/** The elements `query` names: a selector, one element, or a list (a NodeList, a jQuery object). */
function resolve(query: unknown): Element[] {
  if (typeof query === 'string') return Array.from(document.querySelectorAll(query));
  if (query && typeof (query as Element).addEventListener === 'function') return [query as Element];
  if (query && typeof (query as ArrayLike<Element>).length === 'number') return Array.from(query as ArrayLike<Element>);
  return [];
}

/**
 * Listens on the elements of `query` once the document has been parsed (as
 * mixpanel-browser waits for DOMContentLoaded) and tracks `event` each time.
 * `args` are the page's `(query, event, properties, callback)`; `track` is
 * the instance's public `track`, so hooks and `disable()` apply.
 */
export function trackElements(
  kind: ElementKind,
  method: string,
  args: unknown[],
  track: (event: string, properties: Properties) => void,
  reporter: Reporter,
): void {
  const [query, event, properties, callback] = args;
  const invalid = (why: string): void => void refuse(reporter, method, why);
  if (typeof event !== 'string' || !event) return invalid('needs an event name');

  const listen = () => {
    let elements: Element[];
    try {
      elements = resolve(query);
    } catch (e) {
      return invalid('the selector is not valid (' + e + ')');
    }
    if (!elements.length) return invalid(`the DOM query (${String(query)}) returned 0 elements`);
    for (const element of elements)
      element.addEventListener(kind, (domEvent) => {
        try {
          const own: unknown = typeof properties === 'function' ? properties(element) : properties;
          const props: Properties = Object.assign({}, isRecord(own) ? own : {});
          const href = (element as HTMLAnchorElement).href;
          if (kind === 'click' && typeof href === 'string' && href) props.url = href;
          track(event, props);
          if (typeof callback === 'function' && (callback as ElementCallback)(false, props) === false) domEvent.preventDefault();
        } catch (e) {
          // the page's properties function or callback failed: the page goes on as it would without us
          invalid('failed: ' + e);
        }
      });
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', listen);
  else listen();
}
