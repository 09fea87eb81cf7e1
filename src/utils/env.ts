/**
 * Guards for the globals a browser has and Node (SSR) does not. Every browser
 * API Outlast touches goes through one of these so an import under Node, or a
 * page that has locked an API down, never throws.
 */

/** Run `fn` and swallow anything it throws: used at every boundary with the page. */
export function guard<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

export const isBrowser = (): boolean => typeof window !== 'undefined' && typeof document !== 'undefined';

/** `window.localStorage` or null when missing or when touching it throws (SecurityError in sandboxed iframes, no quota). */
export const safeLocalStorage = (): Storage | null =>
  guard(() => {
    localStorage.setItem('__outlast_probe__', '1');
    localStorage.removeItem('__outlast_probe__');
    return localStorage;
  }, null);

/** Whether the browser says it is offline; unknown counts as online. */
export const isOffline = (): boolean => guard(() => navigator.onLine === false, false);
