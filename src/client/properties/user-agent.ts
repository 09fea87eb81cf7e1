/**
 * `$browser`, `$browser_version`, `$os` and `$device` from a user agent, with
 * mixpanel-browser's names and precedence (`_.info.browser`,
 * `_.info.browserVersion`, `_.info.os`, `_.info.device` in its utils.js), so
 * that breakdowns by browser or OS in existing reports keep their values.
 * Each rule is a plain test on the user agent; the first that matches wins,
 * which is why Opera, Samsung Internet and Edge come before Chrome (their
 * user agents say "Chrome" too) and iOS before Mac OS X.
 */

/** A browser name, the test that recognises it, and the pattern whose last-but-one group is its version. */
type BrowserRule = [name: string, test: (ua: string, vendor: string, opera: boolean) => boolean, version?: RegExp];

const has = (ua: string, part: string): boolean => ua.indexOf(part) >= 0;
const BLACKBERRY = /BlackBerry|PlayBook|BB10/i;

/** mixpanel-browser's browser list, in its order. */
const BROWSERS: BrowserRule[] = [
  ['Opera Mini', (ua, _, opera) => (opera || has(ua, ' OPR/')) && has(ua, 'Mini')],
  ['Opera', (ua, _, opera) => opera || has(ua, ' OPR/'), /(Opera|OPR)\/(\d+(\.\d+)?)/],
  ['BlackBerry', (ua) => BLACKBERRY.test(ua), /BlackBerry (\d+(\.\d+)?)/],
  ['Internet Explorer Mobile', (ua) => has(ua, 'IEMobile') || has(ua, 'WPDesktop'), /rv:(\d+(\.\d+)?)/],
  ['Samsung Internet', (ua) => has(ua, 'SamsungBrowser/'), /SamsungBrowser\/(\d+(\.\d+)?)/],
  ['Microsoft Edge', (ua) => has(ua, 'Edge') || has(ua, 'Edg/'), /Edge?\/(\d+(\.\d+)?)/],
  ['Facebook Mobile', (ua) => has(ua, 'FBIOS')],
  ['Whale Browser', (ua) => has(ua, 'Whale/'), /Whale\/(\d+(\.\d+)?)/],
  ['Chrome', (ua) => has(ua, 'Chrome'), /Chrome\/(\d+(\.\d+)?)/],
  ['Chrome iOS', (ua) => has(ua, 'CriOS'), /CriOS\/(\d+(\.\d+)?)/],
  ['UC Browser', (ua) => has(ua, 'UCWEB') || has(ua, 'UCBrowser'), /(UCBrowser|UCWEB)\/(\d+(\.\d+)?)/],
  ['Firefox iOS', (ua) => has(ua, 'FxiOS'), /FxiOS\/(\d+(\.\d+)?)/],
  ['Mobile Safari', (ua, vendor) => has(vendor, 'Apple') && has(ua, 'Mobile'), /Version\/(\d+(\.\d+)?)/],
  ['Safari', (_, vendor) => has(vendor, 'Apple'), /Version\/(\d+(\.\d+)?)/],
  ['Android Mobile', (ua) => has(ua, 'Android'), /android\s(\d+(\.\d+)?)/],
  ['Konqueror', (ua) => has(ua, 'Konqueror'), /Konqueror:(\d+(\.\d+)?)/],
  ['Firefox', (ua) => has(ua, 'Firefox'), /Firefox\/(\d+(\.\d+)?)/],
  ['Internet Explorer', (ua) => has(ua, 'MSIE') || has(ua, 'Trident/'), /(rv:|MSIE )(\d+(\.\d+)?)/],
  ['Mozilla', (ua) => has(ua, 'Gecko'), /rv:(\d+(\.\d+)?)/],
];

/** `[name, version]` of the browser: `''` and null when unknown, as mixpanel-browser gives them. */
export function browserOf(ua: string, vendor: string, opera: boolean): [name: string, version: number | null] {
  for (const [name, test, version] of BROWSERS)
    if (test(ua, vendor, opera)) {
      const match = version && version.exec(ua);
      // the version is the group before the optional minor part: the last-but-one
      return [name, match ? parseFloat(match[match.length - 2]!) : null];
    }
  return ['', null];
}

/** The operating system as mixpanel-browser names it (`_.info.os`), `''` when unknown. */
export function osOf(ua: string): string {
  if (/Windows/i.test(ua)) return /Phone/.test(ua) || /WPDesktop/.test(ua) ? 'Windows Phone' : 'Windows';
  if (/iPhone|iPad|iPod/.test(ua)) return 'iOS';
  if (/Android/.test(ua)) return 'Android';
  if (BLACKBERRY.test(ua)) return 'BlackBerry';
  if (/Mac/i.test(ua)) return 'Mac OS X';
  if (/Linux/.test(ua)) return 'Linux';
  if (/CrOS/.test(ua)) return 'Chrome OS';
  return '';
}

/** The device as mixpanel-browser names it (`_.info.device`), `''` for desktops and the unknown. */
export function deviceOf(ua: string): string {
  if (/Windows Phone/i.test(ua) || /WPDesktop/.test(ua)) return 'Windows Phone';
  if (/iPad/.test(ua)) return 'iPad';
  if (/iPod/.test(ua)) return 'iPod Touch';
  if (/iPhone/.test(ua)) return 'iPhone';
  if (BLACKBERRY.test(ua)) return 'BlackBerry';
  if (/Android/.test(ua)) return 'Android';
  return '';
}
