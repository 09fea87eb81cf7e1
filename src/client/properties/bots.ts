/**
 * Crawlers whose page loads must not become events: mixpanel-browser drops
 * every `track()` from them (`_.isBlockedUA`, checked by `_event_is_disabled`),
 * and a migrating site's counts must not jump when crawlers start counting.
 */

/** Lower-case parts of crawler user agents: mixpanel-browser 2.83's list, same entries. */
const CRAWLERS = [
  'ahrefsbot',
  'ahrefssiteaudit',
  'amazonbot',
  'baiduspider',
  'bingbot',
  'bingpreview',
  'chrome-lighthouse',
  'facebookexternal',
  'petalbot',
  'pinterest',
  'screaming frog',
  'yahoo! slurp',
  'yandex',
  // Google's crawlers
  'adsbot-google',
  'apis-google',
  'duplexweb-google',
  'feedfetcher-google',
  'google favicon',
  'google web preview',
  'google-read-aloud',
  'googlebot',
  'googleweblight',
  'mediapartners-google',
  'storebot-google',
];

/** Whether `ua` is a crawler's that mixpanel-browser would not track. */
export function isCrawler(ua: string): boolean {
  const lower = ua.toLowerCase();
  return CRAWLERS.some((part) => lower.indexOf(part) >= 0);
}
