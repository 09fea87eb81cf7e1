// mixpanel-browser 2.83's own helpers (its `_`), loaded under Node for comparison
// in tests only: without a window it uses its stand-in, and these helpers take
// everything they read as arguments.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface Reference {
  info: {
    browser(ua: string, vendor: string, opera?: boolean): string;
    browserVersion(ua: string, vendor: string, opera?: boolean): number | null;
    device(ua: string): string;
    referringDomain(referrer: string): string;
    searchInfo(referrer: string): Record<string, string>;
  };
  isBlockedUA(ua: string): boolean;
  getQueryParam(url: string, name: string): string;
}

export const reference: Reference = require('mixpanel-browser/dist/mixpanel.cjs.js')._;
