/**
 * Small string key-value stores for what the client keeps between pages
 * (identity, super properties, the opt-out choice): localStorage, a cookie, or
 * memory, all behind the same guarded face. A write reports whether it took.
 */
import type { Config } from '../config';
import { guard, safeLocalStorage } from '../utils/env';

type Backend = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export interface KV {
  readonly kind: string;
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

/** `backend` with every call guarded; a write that throws returns false. */
const wrap = (kind: string, b: Backend | null): KV | null =>
  b && {
    kind,
    get: (k) => guard(() => b.getItem(k), null),
    set: (k, v) =>
      guard(() => {
        b.setItem(k, v);
        return true;
      }, false),
    remove: (k) => guard(() => b.removeItem(k), undefined),
  };

/** localStorage, or null when the page may not use it. */
export const localKV = (): KV | null => wrap('localStorage', safeLocalStorage());

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

/** One `document.cookie` line, as mixpanel-browser writes them (`_.cookie.set`). */
function cookieLine(o: CookieOptions, name: string, value: string, days: number, domain: string): string {
  let line = name + '=' + encodeURIComponent(value);
  // mixpanel-browser: no expiry is a session cookie
  if (days) line += '; expires=' + new Date(Date.now() + days * 864e5).toUTCString();
  line += '; path=/';
  if (domain) line += '; domain=' + domain;
  if (o.cross_site_cookie) return line + '; SameSite=None; Secure';
  // a cookie that only https pages need is never sent in clear: Secure on https even without secure_cookie
  return line + '; SameSite=Lax' + (o.secure_cookie || location.protocol === 'https:' ? '; Secure' : '');
}

/** `document.cookie`, or null when there is no document or cookies are blocked. */
export function cookieKV(o: CookieOptions): KV | null {
  const get = (k: string): string | null => {
    for (const part of document.cookie.split(/;\s*/)) {
      const i = part.indexOf('=');
      if (part.slice(0, i) === k) return guard(() => decodeURIComponent(part.slice(i + 1)), null);
    }
    return null;
  };
  const write = (k: string, v: string, days: number, domain: string): void => {
    document.cookie = cookieLine(o, k, v, days, domain);
  };
  const domain = (): string => {
    if (o.cookie_domain) return o.cookie_domain;
    return o.cross_subdomain_cookie ? cookieDomain(location.hostname) : '';
  };
  if (!guard(() => typeof document.cookie === 'string', false)) return null;
  return wrap('cookie', {
    getItem: get,
    setItem(k, v) {
      const d = domain();
      write(k, v, o.cookie_expiration, d);
      if (get(k) !== v && d) write(k, v, o.cookie_expiration, '');
      if (get(k) !== v) throw new Error('cookie refused');
    },
    // both the site-wide and the host-only cookie: either may be there (mixpanel-browser's remove does the same)
    removeItem(k) {
      write(k, '', -1, domain());
      write(k, '', -1, '');
    },
  });
}

/** A store that lasts as long as the page. */
export const memoryKV = (): KV => {
  const m = new Map<string, string>();
  return wrap('memory', { getItem: (k) => m.get(k) || null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) })!;
};

/**
 * The store for `persistence: 'cookie' | 'localStorage'`, falling back to the
 * cookie when localStorage is unusable, then to memory.
 */
export const pickKV = (kind: string, o: CookieOptions): KV => (kind === 'cookie' ? null : localKV()) || cookieKV(o) || memoryKV();
