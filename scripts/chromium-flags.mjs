// Debian's Chromium and the flags every launcher here uses (tests, bench, demo). Playwright's own
// browser download does not work on these machines, so it drives /usr/bin/chromium.

/** Set CHROMIUM_PATH to use another build. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Flags that work as root, headless, without background traffic: Chromium's own connections
 * would be refused by the closed network here and would muddy request counts.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-default-apps',
  '--disable-extensions',
  '--password-store=basic',
  '--use-mock-keychain',
];
