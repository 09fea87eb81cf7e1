/**
 * Small string key-value stores for what the client keeps between pages
 * (identity, super properties, the opt-out choice): localStorage, a cookie, or
 * memory. Every method is guarded; a write reports whether it took.
 */
import { guard, safeLocalStorage } from '../utils/env';

export interface KV {
  readonly kind: 'localStorage' | 'cookie' | 'memory';
  get(key: string): string | null;
  /** False when the browser refused the write (quota, blocked cookies). */
  set(key: string, value: string): boolean;
  remove(key: string): void;
}

/** Cookie attributes, from the config options of the same names. */
export interface CookieOptions {
  cookie_domain: string;
  cross_subdomain_cookie: boolean;
  secure_cookie: boolean;
  cookie_expiration: number;
}

const DAY_MS = 864e5;

/** localStorage, or null when the page may not use it. */
export function localKV(): KV | null {
  const ls = safeLocalStorage();
  return (
    ls && {
      kind: 'localStorage',
      get: (k) => guard(() => ls.getItem(k), null),
      set: (k, v) => guard(() => (ls.setItem(k, v), true), false),
      remove: (k) => guard(() => ls.removeItem(k), undefined),
    }
  );
}

/**
 * The domain a cross-subdomain cookie is set on: the last two labels of the
 * host, or three when the second-level one is short under a country code
 * (`example.co.uk`). A guess, so a write the browser refuses is retried
 * without a domain.
 */
export function cookieDomain(host: string): string {
  if (!/\./.test(host) || /^[\d.]+$|:/.test(host)) return '';
  const m = /[^.]+\.(?:[^.]{2,3}\.[a-z]{2}|[^.]+)$/i.exec(host);
  return m ? '.' + m[0] : '';
}

/** `document.cookie`, or null when there is no document or cookies are blocked. */
export function cookieKV(o: CookieOptions): KV | null {
  if (!guard(() => typeof document.cookie === 'string', false)) return null;
  const read = (k: string): string | null =>
    guard(() => {
      for (const part of document.cookie.split(/;\s*/)) {
        const i = part.indexOf('=');
        if (part.slice(0, i) === k) return decodeURIComponent(part.slice(i + 1));
      }
      return null;
    }, null);
  const write = (k: string, v: string, days: number, domain: string): void => {
    const expires = new Date(Date.now() + days * DAY_MS).toUTCString();
    document.cookie =
      `${k}=${encodeURIComponent(v)}; expires=${expires}; path=/; SameSite=Lax` +
      (o.secure_cookie ? '; Secure' : '') +
      (domain ? '; domain=' + domain : '');
  };
  const domain = (): string =>
    o.cookie_domain || (o.cross_subdomain_cookie ? guard(() => cookieDomain(location.hostname), '') : '');
  return {
    kind: 'cookie',
    get: read,
    set: (k, v) =>
      guard(() => {
        const d = domain();
        write(k, v, o.cookie_expiration, d);
        if (read(k) !== v && d) write(k, v, o.cookie_expiration, '');
        return read(k) === v;
      }, false),
    remove: (k) => guard(() => (write(k, '', -1, domain()), write(k, '', -1, '')), undefined),
  };
}

/** A store that lasts as long as the page. */
export function memoryKV(): KV {
  const m = new Map<string, string>();
  return {
    kind: 'memory',
    get: (k) => m.get(k) || null,
    set: (k, v) => (m.set(k, v), true),
    remove: (k) => void m.delete(k),
  };
}

/**
 * The store for `persistence: 'cookie' | 'localStorage'`, falling back to the
 * cookie when localStorage is unusable, then to memory.
 */
export function pickKV(kind: string, o: CookieOptions): KV {
  return (kind === 'cookie' ? null : localKV()) || cookieKV(o) || memoryKV();
}
