/**
 * The one string key-value face over a cookie and localStorage, for what the
 * client keeps between pages (identity, super properties, the tracking
 * choice, mixpanel-browser's unsent queues). Every call is guarded; a write
 * reports whether it took.
 */
import type { Config } from '../config';
import { guard, safeLocalStorage } from '../utils/env';

export interface KV {
  readonly kind: 'cookie' | 'localStorage';
  get(key: string): string | null;
  /** False when the browser refused the write (quota, blocked cookies). */
  set(key: string, value: string): boolean;
  remove(key: string): void;
}

/** Cookie attributes: the config options of the same names. */
export type CookieOptions = Pick<
  Config,
  'cookie_domain' | 'cross_subdomain_cookie' | 'secure_cookie' | 'cookie_expiration' | 'cross_site_cookie'
>;

/**
 * The registrable domain mixpanel-browser puts its cookie on
 * (`extract_domain` in its utils.js), so that Outlast reads and writes the
 * very cookie a migrating site already has: the last two labels for `.com`,
 * `.org` and top-level labels over four letters; otherwise the last label of
 * at least two letters-or-digits before a 2-6 character suffix, which keeps
 * `example.co.uk` whole. '' for an IP address or a one-label host
 * (`localhost`), where a cookie takes no domain. A guess, as mixpanel-browser's
 * is, so a write the browser refuses is retried without a domain.
 */
export function cookieDomain(host: string): string {
  if (/^[\d.]+$|:/.test(host)) return '';
  const labels = host.split('.');
  const top = labels[labels.length - 1]!;
  const simple = top.length > 4 || top === 'com' || top === 'org';
  const match = (simple ? /[a-z0-9][a-z0-9-]*\.[a-z]+$/i : /[a-z0-9][a-z0-9-]+\.[a-z.]{2,6}$/i).exec(host);
  return match ? '.' + match[0] : '';
}

function readCookie(key: string): string | null {
  for (const part of document.cookie.split(/;\s*/)) {
    const i = part.indexOf('=');
    if (part.slice(0, i) === key) return decodeURIComponent(part.slice(i + 1));
  }
  return null;
}

/** Writes one cookie as mixpanel-browser does (`_.cookie.set`); `days` < 0 deletes it, 0 makes a session cookie. */
function writeCookie(o: CookieOptions, key: string, value: string, days: number, domain: string): void {
  let line = key + '=' + encodeURIComponent(value);
  if (days) line += '; expires=' + new Date(Date.now() + days * 864e5).toUTCString();
  line += '; path=/';
  if (domain) line += '; domain=' + domain;
  if (o.cross_site_cookie) line += '; SameSite=None; Secure';
  // a cookie that only https pages need is never sent in clear: Secure on https even without secure_cookie
  else line += '; SameSite=Lax' + (o.secure_cookie || location.protocol === 'https:' ? '; Secure' : '');
  document.cookie = line;
}

/**
 * The store for `type`: localStorage when asked for and usable, else the
 * cookie (as mixpanel-browser falls back for its persistence and its opt-out
 * choice); null when the page may use neither.
 */
export function openKV(type: string, o: CookieOptions): KV | null {
  const local = type === 'localStorage' ? safeLocalStorage() : null;
  if (local)
    return {
      kind: 'localStorage',
      get: (k) => guard(() => local.getItem(k), null),
      set: (k, v) =>
        guard(() => {
          local.setItem(k, v);
          return true;
        }, false),
      remove: (k) => guard(() => local.removeItem(k), undefined),
    };
  if (!guard(() => typeof document.cookie === 'string', false)) return null;
  const domain = (): string => o.cookie_domain || (o.cross_subdomain_cookie ? cookieDomain(location.hostname) : '');
  return {
    kind: 'cookie',
    get: (k) => guard(() => readCookie(k), null),
    set: (k, v) =>
      guard(() => {
        const d = domain();
        writeCookie(o, k, v, o.cookie_expiration, d);
        if (readCookie(k) !== v && d) writeCookie(o, k, v, o.cookie_expiration, '');
        return readCookie(k) === v;
      }, false),
    // both the site-wide and the host-only cookie: either may be there (mixpanel-browser's remove does the same)
    remove: (k) =>
      guard(() => {
        writeCookie(o, k, '', -1, domain());
        writeCookie(o, k, '', -1, '');
      }, undefined),
  };
}
