/**
 * Crawlers whose page loads must not become events: mixpanel-browser drops
 * every `track()` from them (`_.isBlockedUA`, checked by `_event_is_disabled`),
 * and a migrating site's counts must not jump when crawlers start counting.
 */

/**
 * Lower-case parts of crawler user agents: mixpanel-browser 2.83's list, same
 * entries in the same order (Google's crawlers from `adsbot-google` on), as one
 * pattern of alternatives: none has a character that means something in a pattern.
 */
const CRAWLERS =
  /ahrefsbot|ahrefssiteaudit|amazonbot|baiduspider|bingbot|bingpreview|chrome-lighthouse|facebookexternal|petalbot|pinterest|screaming frog|yahoo! slurp|yandex|adsbot-google|apis-google|duplexweb-google|feedfetcher-google|google favicon|google web preview|google-read-aloud|googlebot|googleweblight|mediapartners-google|storebot-google/;

/** Whether `ua` is a crawler's that mixpanel-browser would not track. */
export const isCrawler = (ua: string): boolean => CRAWLERS.test(ua.toLowerCase());
