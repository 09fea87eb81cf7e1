/**
 * What the CDN entry needs from the client library, and nothing more, so the
 * replay can be tested with a recording fake. The real object comes from
 * `createLibrary()` in `src/client/library.ts`.
 */

/** One instance (the default or a named one): Mixpanel's methods, looked up by name at replay. */
export interface LibInstance {
  [method: string]: unknown;
  /** Resolves once everything enqueued so far is durable in the outbox. */
  _settle?: () => Promise<void>;
}

/** The library object that becomes `window.mixpanel`: the default instance plus `init` and `push`. */
export interface LibraryLike extends LibInstance {
  init(token: unknown, config?: unknown, name?: string): unknown;
  __loaded?: boolean;
}
