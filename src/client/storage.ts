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
export type CookieOptions = Pick<Config, 'cookie_domain' | 'cross_subdomain_cookie' | 'secure_cookie' | 'cookie_expiration'>;

/** `backend` with every call guarded; a write that throws returns false. */
const wrap = (kind: string, b: Backend | null): KV | null =>
  b && {
    kind,
    get: (k) => guard(() => b.getItem(k), null),
    set: (k, v) => guard(() => (b.setItem(k, v), true), false),
    remove: (k) => guard(() => b.removeItem(k), undefined),
  };

/** localStorage, or null when the page may not use it. */
export const localKV = (): KV | null => wrap('localStorage', safeLocalStorage());

/**
 * The domain a cross-subdomain cookie is set on: the last two labels of the
 * host, or three when the second-level one is short under a country code
 * (`example.co.uk`). A guess, so a write the browser refuses is retried
 * without a domain.
 */
export function cookieDomain(host: string): string {
  const m = /[^.]+\.(?:[^.]{2,3}\.[a-z]{2}|[^.]+)$/i.exec(host);
  return m && !/^[\d.]+$|:/.test(host) ? '.' + m[0] : '';
}

/** `document.cookie`, or null when there is no document or cookies are blocked. */
export function cookieKV(o: CookieOptions): KV | null {
  const get = (k: string): string | null => {
    for (const part of document.cookie.split(/;\s*/)) {
      const i = part.indexOf('=');
      if (part.slice(0, i) === k) return decodeURIComponent(part.slice(i + 1));
    }
    return null;
  };
  const write = (k: string, v: string, days: number, domain: string): void => {
    document.cookie = `${k}=${encodeURIComponent(v)}; expires=${new Date(Date.now() + days * 864e5).toUTCString()}; path=/; SameSite=Lax${o.secure_cookie || location.protocol == 'https:' ? '; Secure' : ''}${domain ? '; domain=' + domain : ''}`;
  };
  const domain = (): string => o.cookie_domain || (o.cross_subdomain_cookie ? cookieDomain(location.hostname) : '');
  return guard(() => typeof document.cookie === 'string', false)
    ? wrap('cookie', {
        getItem: get,
        setItem(k, v) {
          const d = domain();
          write(k, v, o.cookie_expiration, d);
          if (get(k) !== v && d) write(k, v, o.cookie_expiration, '');
          if (get(k) !== v) throw 0;
        },
        removeItem: (k) => (write(k, '', -1, domain()), write(k, '', -1, '')),
      })
    : null;
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
