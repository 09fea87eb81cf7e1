/**
 * Guards for the globals a browser has and Node (SSR) does not. Every browser
 * API Outlast touches goes through one of these so an import under Node, or a
 * page that has locked an API down, never throws.
 */

export const isBrowser = (): boolean => typeof window !== 'undefined' && typeof document !== 'undefined';

/** `window.localStorage` or null when missing or when touching it throws (SecurityError in sandboxed iframes). */
export function safeLocalStorage(): Storage | null {
  try {
    const ls = typeof localStorage !== 'undefined' ? localStorage : null;
    if (!ls) return null;
    const probe = '__outlast_probe__';
    ls.setItem(probe, '1');
    ls.removeItem(probe);
    return ls;
  } catch {
    return null;
  }
}

/** `indexedDB` or null when missing or when touching it throws. */
export function safeIndexedDB(): IDBFactory | null {
  try {
    return typeof indexedDB !== 'undefined' && indexedDB ? indexedDB : null;
  } catch {
    return null;
  }
}

/** Whether the browser says it is offline; unknown counts as online. */
export function isOffline(): boolean {
  try {
    return typeof navigator !== 'undefined' && navigator.onLine === false;
  } catch {
    return false;
  }
}

/** Run `fn` and swallow anything it throws: used at every boundary with the page. */
export function guard<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}
