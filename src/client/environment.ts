/**
 * What the page and the browser tell about themselves, named and typed as
 * mixpanel-browser sends them (`_.info.properties`, `_.info.people_properties`
 * and `_.info.mpPageViewProperties` in its utils.js), read at call time
 * (single-page apps change the URL) and always guarded: under Node, or on a
 * page that has locked an API down, each value is simply missing.
 *
 * What cannot change within a page is computed once: the user agent's
 * properties once per user agent, the URL's once per URL.
 */
import { PAGE_PROPERTIES_MS } from '../constants';
import { guard } from '../utils/env';
import { isCrawler } from './properties/bots';
import { campaignParams, clickParams } from './properties/campaign';
import { referringDomain, searchInfo } from './properties/referrer';
import { browserOf, deviceOf, osOf } from './properties/user-agent';
import { cutString, type Props } from './sanitize';

/**
 * Only the non-empty strings of `props`, as mixpanel-browser's
 * `strip_empty_properties` keeps them (an unknown OS, browser, device or
 * referrer is left out), cut to Mixpanel's 255 bytes as the call's own are
 * (mixpanel-browser cuts a long URL or title too).
 */
const nonEmptyStrings = (props: Record<string, unknown>): Props => {
  const out: Props = {};
  for (const key in props) {
    const value = props[key];
    if (typeof value === 'string' && value) out[key] = cutString(value);
  }
  return out;
};

/** What one user agent says, for events and for profiles. */
interface Agent {
  ua: string;
  /** `$os`, `$browser`, `$device` (each left out when unknown) and `$browser_version` (a number, null when unknown). */
  event: Props;
  /** What mixpanel-browser adds to every `people.set`: `$os`, `$browser`, `$browser_version`. */
  people: Props;
  crawler: boolean;
}

/**
 * The properties of a user agent, in the order mixpanel-browser writes them.
 * `vendor` is `navigator.vendor` ("Apple Computer, Inc." in Safari: the only
 * way it tells Safari from other WebKit browsers); `opera` whether `window.opera` exists.
 */
export function parseUserAgent(ua: string, vendor = '', opera = false): Props {
  const [browser, version] = browserOf(ua, vendor, opera);
  const props = nonEmptyStrings({ $os: osOf(ua), $browser: browser, $device: deviceOf(ua) });
  props.$browser_version = version;
  return props;
}

/** The last user agent read and what it says: the user agent does not change within a page, so it is parsed once. */
let agent: Agent | undefined;

const EMPTY_AGENT: Agent = { ua: '', event: {}, people: {}, crawler: false };

/** This page's user agent's properties, the same objects while the user agent stays the same. */
const currentAgent = (): Agent =>
  guard(() => {
    const ua = navigator.userAgent;
    if (!agent || agent.ua !== ua) {
      const opera = guard(() => !!(window as { opera?: unknown }).opera, false);
      const event = parseUserAgent(ua, navigator.vendor || '', opera);
      const people = nonEmptyStrings({ $os: event.$os, $browser: event.$browser });
      people.$browser_version = event.$browser_version!;
      agent = { ua, event, people, crawler: isCrawler(ua) };
    }
    return agent;
  }, EMPTY_AGENT);

/** `$os`, `$browser` and `$browser_version` of this page, for `people.set` (a fresh object each time). */
export const browserProperties = (): Props => ({ ...currentAgent().people });

/** Whether this page runs in a crawler, whose events mixpanel-browser never sends. */
export const isCrawlerPage = (): boolean => currentAgent().crawler;

/** What the automatic properties of this page's events are made of. Shared between calls: callers never change it. */
export interface Page {
  /** The automatic properties of every event. */
  props: Props;
  url: string;
  /** `document.referrer`, `''` for none. */
  referrer: string;
  /** The URL's `utm_*` parameters. */
  campaign: Props;
  /** The URL's campaign parameters and click ids, as `track_marketing` adds them to every event. */
  marketing: Props;
  /** The referrer's search engine and keyword. */
  search: Props;
}

/** What comes of the URL and the referrer, made again only when either changes: twenty patterns read it. */
let parsedUrl: { key: string; parts: Pick<Page, 'campaign' | 'marketing' | 'search'> } | undefined;

function fromUrl(url: string, referrer: string): Pick<Page, 'campaign' | 'marketing' | 'search'> {
  const key = url + '\n' + referrer;
  if (!parsedUrl || parsedUrl.key !== key) {
    const campaign = nonEmptyStrings(campaignParams(url));
    parsedUrl = {
      key,
      parts: { campaign, marketing: { ...campaign, ...nonEmptyStrings(clickParams(url)) }, search: nonEmptyStrings(searchInfo(referrer)) },
    };
  }
  return parsedUrl.parts;
}

/** What `currentPage()` last read, with the document and the time it read them. */
let page: { doc: unknown; at: number; agent: Agent; page: Page } | undefined;

/** Where reading the page fails (under Node), the user agent's properties alone, one object per user agent. */
let unreadable: { agent: Agent; page: Page } | undefined;

/**
 * The page as events see it. The object is the same between calls while the
 * document, URL and user agent stay the same, for `PAGE_PROPERTIES_MS` at most
 * (the screen may turn): building it was a fifth of a `track()`.
 */
export const currentPage = (): Page => {
  const ua = currentAgent();
  try {
    const url = location.href;
    const now = Date.now();
    if (!page || page.doc !== document || page.page.url !== url || page.agent !== ua || !(now - page.at < PAGE_PROPERTIES_MS)) {
      const referrer = document.referrer || '';
      const props: Props = nonEmptyStrings({
        $os: ua.event.$os,
        $browser: ua.event.$browser,
        $referrer: referrer,
        $referring_domain: referringDomain(referrer),
        $device: ua.event.$device,
      });
      props.$current_url = cutString(url);
      if ('$browser_version' in ua.event) props.$browser_version = ua.event.$browser_version!;
      props.$screen_height = screen.height;
      props.$screen_width = screen.width;
      page = {
        doc: document,
        at: now,
        agent: ua,
        page: { props, url, referrer, ...fromUrl(url, referrer) },
      };
    }
    return page.page;
  } catch {
    // under Node, or where the page has locked these away: what can be read
    if (!unreadable || unreadable.agent !== ua)
      unreadable = { agent: ua, page: { props: ua.event, url: '', referrer: '', campaign: {}, marketing: {}, search: {} } };
    return unreadable.page;
  }
};

/**
 * Properties of `track_pageview()`, named as mixpanel-browser names them
 * (`_.info.mpPageViewProperties`, empty ones left out), with the URL's campaign
 * parameters and click ids, which a page view carries whatever `track_marketing` says.
 */
export const pageviewProperties = (): Props =>
  guard(
    (): Props => ({
      ...nonEmptyStrings({
        current_page_title: document.title,
        current_domain: location.hostname,
        current_url_path: location.pathname,
        current_url_protocol: location.protocol,
        current_url_search: location.search,
      }),
      ...currentPage().marketing,
    }),
    {},
  );

/** Whether the browser asks not to be tracked (the three places browsers have put it, as mixpanel-browser reads them). */
export const doNotTrack = (): boolean =>
  guard(() => {
    const flag: unknown = (navigator as any).doNotTrack || (navigator as any).msDoNotTrack || (window as any).doNotTrack;
    return flag === '1' || flag === 'yes' || flag === true;
  }, false);
