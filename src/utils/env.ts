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

/** The localStorage object that took a probe write, so that it is probed once, not on every call. */
let probed: Storage | undefined;

/**
 * `window.localStorage` or null when missing or when touching it throws
 * (SecurityError in sandboxed iframes, no quota). It is probed with a write
 * once per storage object: the opt-out choice is read on every `track()`, and
 * a write and a remove per event would be most of its cost. A storage that
 * fails later is caught where it is used.
 */
export const safeLocalStorage = (): Storage | null =>
  guard(() => {
    const storage = localStorage;
    if (storage === probed) return storage;
    storage.setItem('__outlast_probe__', '1');
    storage.removeItem('__outlast_probe__');
    probed = storage;
    return storage;
  }, null);

/** Whether the browser says it is offline; unknown counts as online. */
export const isOffline = (): boolean => guard(() => navigator.onLine === false, false);
