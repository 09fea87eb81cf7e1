// $browser, $browser_version, $os, $device and the crawler filter, against
// mixpanel-browser 2.83's `_.info.browser`, `_.info.browserVersion`,
// `_.info.os`, `_.info.device` and `_.isBlockedUA` (utils.js).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseUserAgent } from '../../../src/client/environment';
import { isCrawler } from '../../../src/client/properties/bots';
import { browserOf, deviceOf, osOf } from '../../../src/client/properties/user-agent';
import { reference } from './mixpanel-reference';
import { withMixpanelBrowser } from './mixpanel-reference-page';
import { removeBrowser, setup } from './fake-browser';

const APPLE = 'Apple Computer, Inc.';
const GOOGLE = 'Google Inc.';

// [user agent, navigator.vendor, $browser, $browser_version, $os, $device]
const AGENTS: [string, string, string, number | null, string, string][] = [
  [
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36',
    GOOGLE,
    'Chrome',
    120,
    'Mac OS X',
    '',
  ],
  [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91',
    GOOGLE,
    'Microsoft Edge',
    120,
    'Windows',
    '',
  ],
  [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 OPR/105.0.0.0',
    GOOGLE,
    'Opera',
    105,
    'Windows',
    '',
  ],
  ['Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0', '', 'Firefox', 121, 'Linux', ''],
  [
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15',
    APPLE,
    'Safari',
    17.2,
    'Mac OS X',
    '',
  ],
  [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1',
    APPLE,
    'Mobile Safari',
    17.2,
    'iOS',
    'iPhone',
  ],
  [
    'Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1',
    APPLE,
    'Chrome iOS',
    120,
    'iOS',
    'iPad',
  ],
  [
    'Mozilla/5.0 (iPod touch; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/121.0 Mobile/15E148 Safari/605.1.15',
    APPLE,
    'Firefox iOS',
    121,
    'iOS',
    'iPod Touch',
  ],
  // in-app browsers: Facebook's says FBIOS; Instagram's is Mobile Safari to mixpanel-browser
  [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/17.2;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]',
    APPLE,
    'Facebook Mobile',
    null,
    'iOS',
    'iPhone',
  ],
  [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 312.0.0.32.112',
    APPLE,
    'Mobile Safari',
    null,
    'iOS',
    'iPhone',
  ],
  [
    'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36',
    GOOGLE,
    'Samsung Internet',
    23,
    'Android',
    'Android',
  ],
  [
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36',
    GOOGLE,
    'Chrome',
    120,
    'Android',
    'Android',
  ],
  [
    'Mozilla/5.0 (Linux; U; Android 4.0.3; en-us) AppleWebKit/534.30 (KHTML, like Gecko) Version/4.0 Mobile Safari/534.30',
    '',
    // its version pattern is lower-case "android": null for every Android user agent
    'Android Mobile',
    null,
    'Android',
    'Android',
  ],
  [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Whale/3.23.214.17 Safari/537.36',
    GOOGLE,
    'Whale Browser',
    3.23,
    'Windows',
    '',
  ],
  [
    'Mozilla/5.0 (Linux; U; Android 10; en-US; RMX2030 Build/QKQ1.200209.002) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/78.0.3904.108 UCBrowser/13.4.0.1306 Mobile Safari/537.36',
    GOOGLE,
    // "Chrome" is tested before "UCBrowser"
    'Chrome',
    78,
    'Android',
    'Android',
  ],
  // Opera Mini is recognised only by window.opera or " OPR/"
  [
    'Opera/9.80 (Android; Opera Mini/7.5.33361/31.1448; U; en) Presto/2.8.119 Version/11.1010',
    '',
    'Android Mobile',
    null,
    'Android',
    'Android',
  ],
  [
    'Mozilla/5.0 (Linux; U; Android 9; Opera Mini/62.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/97.0 Mobile Safari/537.36 OPR/62.0',
    GOOGLE,
    'Opera Mini',
    null,
    'Android',
    'Android',
  ],
  [
    'Mozilla/5.0 (BB10; Touch) AppleWebKit/537.10+ (KHTML, like Gecko) Version/10.0.9.2372 Mobile Safari/537.10+',
    '',
    'BlackBerry',
    null,
    'BlackBerry',
    'BlackBerry',
  ],
  ['Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko', '', 'Internet Explorer', 11, 'Windows', ''],
  [
    'Mozilla/5.0 (Mobile; Windows Phone 8.1; Android 4.0; ARM; Trident/7.0; Touch; rv:11.0; IEMobile/11.0; NOKIA; Lumia 635) like iPhone OS 7_0_3 Mac OS X AppleWebKit/537 (KHTML, like Gecko) Mobile Safari/537',
    '',
    'Internet Explorer Mobile',
    11,
    'Windows Phone',
    'Windows Phone',
  ],
  [
    'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    GOOGLE,
    'Chrome',
    120,
    'Chrome OS',
    '',
  ],
  ['curl/8.0', '', '', null, '', ''],
];

describe('browserOf / deviceOf follow _.info.browser, _.info.browserVersion and _.info.device', () => {
  it.each(AGENTS)('%s', (ua, vendor, browser, version, os, device) => {
    expect(browserOf(ua, vendor, false)).toEqual([browser, version]);
    expect(deviceOf(ua)).toBe(device);
    // _.info.os reads the page's own user agent: its rules are checked by the expected values here
    expect(osOf(ua)).toBe(os);
    // and the same answers as mixpanel-browser's own code
    expect([reference.info.browser(ua, vendor), reference.info.browserVersion(ua, vendor)]).toEqual([browser, version]);
    expect(reference.info.device(ua)).toBe(device);
  });

  it('window.opera means Opera, as for old Presto Opera (_.info.browser)', () => {
    expect(browserOf('Opera/9.80 (Windows NT 6.1) Presto/2.12.388 Version/12.16', '', true)).toEqual(['Opera', 9.8]);
    expect(reference.info.browserVersion('Opera/9.80 (Windows NT 6.1) Presto/2.12.388 Version/12.16', '', true)).toBe(9.8);
  });

  it('parseUserAgent leaves out what is unknown, and sends $browser_version null as _.info.properties does', () => {
    expect(parseUserAgent('curl/8.0')).toEqual({ $browser_version: null });
    expect(parseUserAgent(AGENTS[5]![0], APPLE)).toEqual({
      $os: 'iOS',
      $browser: 'Mobile Safari',
      $device: 'iPhone',
      $browser_version: 17.2,
    });
  });
});

describe('crawlers (_.isBlockedUA)', () => {
  afterEach(() => removeBrowser());

  const CRAWLERS = [
    'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36',
    'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
    'Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)',
    'Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse',
    'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
    'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.199 Mobile Safari/537.36 (compatible; Google-Read-Aloud; +https://support.google.com/webmasters/answer/1061943)',
  ];

  it.each(CRAWLERS)('%s is a crawler', (ua) => {
    expect(isCrawler(ua)).toBe(true);
    expect(reference.isBlockedUA(ua)).toBe(true);
  });

  it.each(AGENTS.map(([ua]) => ua))('%s is not', (ua) => {
    expect(isCrawler(ua)).toBe(reference.isBlockedUA(ua));
    expect(isCrawler(ua)).toBe(false);
  });

  it("every entry of mixpanel-browser's BLOCKED_UA_STRS, in any case, and nothing short of one", () => {
    const source = readFileSync(fileURLToPath(new URL('../../../node_modules/mixpanel-browser/src/utils.js', import.meta.url)), 'utf8');
    const list = /var BLOCKED_UA_STRS = \[([^\]]*)\]/.exec(source)![1]!;
    const entries = [...list.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
    expect(entries).toHaveLength(24);
    for (const entry of entries)
      for (const ua of [entry, 'Mozilla/5.0 (' + entry.toUpperCase() + '/2.1)', entry.slice(0, -1), entry.slice(1)]) {
        expect([ua, isCrawler(ua)]).toEqual([ua, reference.isBlockedUA(ua)]);
      }
  });

  it('a crawler page sends no event, and the callback hears 0 (_event_is_disabled)', async () => {
    const { lib, pipes } = setup({ userAgent: CRAWLERS[0] });
    lib.init('tok', { track_pageview: true });
    const status = await new Promise((resolve) => lib.track('x', {}, resolve));
    expect(status).toBe(0);
    expect(pipes.events()).toHaveLength(0);
  });
});

describe('every rule of the tables, against mixpanel-browser on made-up user agents', () => {
  // one token per rule of _.info.browser, _.info.browserVersion, _.info.os and _.info.device (and look-alikes)
  const TOKENS = [
    ' OPR/50.1',
    'Opera/9.80',
    'Mini',
    'BlackBerry 9.1',
    'PlayBook',
    'bb10',
    'IEMobile',
    'WPDesktop',
    'wpdesktop',
    'SamsungBrowser/12.1',
    'Edge/18.1',
    'Edg/120',
    'FBIOS',
    'Whale/2.9',
    'Chrome/120.1',
    'CriOS/100',
    'UCWEB/2',
    'UCBrowser/3.2',
    'FxiOS/9',
    'Mobile',
    'Android 10',
    'android 9.1',
    'Konqueror:4.5',
    'Firefox/121',
    'MSIE 9.0',
    'Trident/7.0',
    'rv:11.0',
    'Gecko',
    'Version/17.2',
    'Windows Phone',
    'windows phone',
    'Windows NT',
    'Phone',
    'iPad',
    'iPod',
    'iPhone',
    'Macintosh',
    'mac',
    'Linux',
    'CrOS',
  ];
  const agents: string[] = [];
  for (let i = 0; i < TOKENS.length; i++)
    for (let j = i; j < TOKENS.length; j++) agents.push(i === j ? TOKENS[i]! : TOKENS[i] + ' ' + TOKENS[j]);

  it('$browser, $browser_version and $device, with and without an Apple vendor and window.opera', () => {
    for (const ua of agents)
      for (const vendor of ['', APPLE])
        for (const opera of [false, true]) {
          const expected = [reference.info.browser(ua, vendor, opera), reference.info.browserVersion(ua, vendor, opera)];
          expect([ua, vendor, opera, browserOf(ua, vendor, opera)]).toEqual([ua, vendor, opera, expected]);
          expect([ua, deviceOf(ua)]).toEqual([ua, reference.info.device(ua)]);
        }
  });

  // one mixpanel-browser page per user agent, so fewer: each rule, its case, and two rules at once
  const SYSTEMS = [
    'Windows NT',
    'windows nt',
    'Windows Phone',
    'Windows NT WPDesktop',
    'windows wpdesktop',
    'iPad',
    'iPod',
    'iPhone',
    'Android 10',
    'android',
    'bb10',
    'PlayBook',
    'Macintosh',
    'mac',
    'Linux',
    'linux',
    'CrOS',
    'Android iPhone',
    'BB10 Android',
    'Mac Linux',
    'curl/8.0',
  ];
  it('$os (mixpanel-browser reads it from the page it loads on)', { timeout: 60_000 }, () => {
    for (const ua of SYSTEMS) {
      const expected = withMixpanelBrowser({ url: 'https://example.com/', userAgent: ua, storage: new Map() }, (mp) => {
        mp.init('tok', { persistence: 'localStorage', batch_requests: false });
        return mp.track('x')!.properties.$os ?? '';
      });
      expect([ua, osOf(ua)]).toEqual([ua, expected]);
    }
  });
});
