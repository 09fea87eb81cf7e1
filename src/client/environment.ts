/**
 * What the page and the browser tell about themselves, read at call time
 * (single-page apps change the URL) and always guarded: under Node, or on a
 * page that has locked an API down, each value is simply missing.
 */
import { PAGE_PROPERTIES_MS } from '../constants';
import { guard } from '../utils/env';
import { cutString, type Props } from './sanitize';

/** Browser name as Mixpanel reports it, and the pattern whose first group is its version. Order matters: Edge and Opera also say "Chrome". */
const BROWSERS: [string, RegExp][] = [
  ['Microsoft Edge', /Edg(?:e|A|iOS)?\/(\d+(?:\.\d+)?)/],
  ['Opera', /(?:OPR|Opera)\/(\d+(?:\.\d+)?)/],
  ['Samsung Internet', /SamsungBrowser\/(\d+(?:\.\d+)?)/],
  ['Chrome iOS', /CriOS\/(\d+(?:\.\d+)?)/],
  ['Firefox iOS', /FxiOS\/(\d+(?:\.\d+)?)/],
  ['Chrome', /Chrome\/(\d+(?:\.\d+)?)/],
  ['Firefox', /Firefox\/(\d+(?:\.\d+)?)/],
  ['Android Mobile', /Android.*Version\/(\d+(?:\.\d+)?)/],
  ['Mobile Safari', /Version\/(\d+(?:\.\d+)?).*Mobile.*Safari/],
  ['Safari', /Version\/(\d+(?:\.\d+)?).*Safari/],
];

/** Operating system as Mixpanel reports it. iOS and Android before Mac and Linux, whose names their user agents also contain. */
const SYSTEMS: [string, RegExp][] = [
  ['Windows', /Windows/],
  ['iOS', /iPhone|iPad|iPod/],
  ['Android', /Android/],
  ['Chrome OS', /CrOS/],
  ['Mac OS X', /Mac/],
  ['Linux', /Linux/],
];

/** `$browser`, `$browser_version` (a number, as Mixpanel sends it) and `$os` for a user agent; unknown ones are left out. */
export function parseUserAgent(ua: string): Props {
  const out: Props = {};
  for (const [name, re] of BROWSERS) {
    const m = re.exec(ua);
    if (m) {
      out.$browser = name;
      out.$browser_version = parseFloat(m[1]!);
      break;
    }
  }
  const os = SYSTEMS.find(([, re]) => re.test(ua));
  if (os) out.$os = os[0];
  return out;
}

/** The last user agent parsed and its properties: ten regular expressions per `track()` were a third of its cost. */
let parsed: [string, Props] | undefined;

/** Browser name, version and OS of this page, the same object while the user agent stays the same. */
const uaProperties = (): Props =>
  guard(() => {
    const ua = navigator.userAgent;
    if (!parsed || parsed[0] !== ua) parsed = [ua, parseUserAgent(ua)];
    return parsed[1];
  }, {});

/** Browser name, version and OS of this page, for `people.set` (a fresh object each time). */
export const browserProperties = (): Props => ({ ...uaProperties() });

/** `props` with its strings cut to Mixpanel's 255 bytes (as the call's own are), as mixpanel-browser cuts a long URL or title. */
const cut = (props: Props): Props => {
  for (const k in props) {
    const v = props[k];
    if (typeof v === 'string') props[k] = cutString(v);
  }
  return props;
};

/** What `pageProperties()` last read: the document, its URL, when, and the properties made of them. */
let page: [doc: unknown, href: string, at: number, props: Props] | undefined;

/**
 * The automatic properties of an event that come from the page. The object is
 * shared between calls while the URL stays the same, for `PAGE_PROPERTIES_MS` at most
 * (building it was a fifth of a `track()`): callers copy it, never change it.
 */
export const pageProperties = (): Props => {
  try {
    const href = location.href;
    const now = Date.now();
    if (!page || page[0] !== document || page[1] !== href || !(now - page[2] < PAGE_PROPERTIES_MS)) {
      const referrer = document.referrer || '';
      const props: Props = {
        $current_url: href,
        $referrer: referrer,
        $referring_domain: (/^[a-z][\w+.-]*:\/\/([^/?#:]+)/i.exec(referrer) || [])[1] || '$direct',
        ...uaProperties(),
        $screen_width: screen.width,
        $screen_height: screen.height,
      };
      page = [document, href, now, cut(props)];
    }
    return page[3];
  } catch {
    // under Node, or where the page has locked these away: what can be read
    return uaProperties();
  }
};

/** Properties of `track_pageview()`, named as mixpanel-browser names them. */
export const pageviewProperties = (): Props =>
  guard(
    (): Props =>
      cut({
        current_page_title: document.title,
        current_domain: location.hostname,
        current_url_path: location.pathname,
        current_url_protocol: location.protocol,
        current_url_search: location.search,
      }),
    {},
  );

/** Whether the browser asks not to be tracked (the three places browsers have put it, as mixpanel-browser reads them). */
export const doNotTrack = (): boolean =>
  guard(() => {
    const flag: unknown = (navigator as any).doNotTrack || (navigator as any).msDoNotTrack || (window as any).doNotTrack;
    return flag === '1' || flag === 'yes' || flag === true;
  }, false);
