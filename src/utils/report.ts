/**
 * The one way Outlast tells the page something went wrong: a structured
 * report to `on_error` and, with `debug: true`, a console line. Nothing here
 * may throw, since it runs inside other people's pages.
 */

/** What kind of problem a report describes. */
export type ErrorCode =
  | 'invalid_call' // a public method got arguments it cannot use
  | 'invalid_property' // a property value was changed or dropped to make it sendable
  | 'invalid_config' // init/set_config got an option it refused
  | 'dropped' // events left the outbox without being delivered (cap, retention, poison)
  | 'storage' // a storage layer failed and the outbox fell back
  | 'delivery'; // a request failed (it will be retried unless `dropped` follows)

/** Passed to `on_error`. */
export interface ErrorReport {
  code: ErrorCode;
  message: string;
  /** Why events were dropped: `cap`, `retention`, `rejected` (a 400 for that event), `corrupt`. */
  reason?: string;
  /** How many events a `dropped` report covers. */
  count?: number;
  /** Whatever else helps: the method name, the host, the HTTP status. */
  detail?: Record<string, unknown>;
}

export interface Reporter {
  report(r: ErrorReport): void;
  debug(...args: unknown[]): void;
}

/** A reporter bound to a config that may change after creation (set_config). */
export function createReporter(get: () => { debug: boolean; on_error: ((r: ErrorReport) => void) | null }): Reporter {
  /** A console line with `debug: true`; the page may have replaced console, so it is guarded. */
  const log = (level: 'log' | 'warn', args: unknown[]): void => {
    try {
      if (get().debug) console[level](...args);
    } catch {
      /* console or the config getter failed: stay silent */
    }
  };
  return {
    report(r) {
      log('warn', [`[outlast] ${r.code}: ${r.message}`, r.detail || '']);
      try {
        get().on_error!(r);
      } catch {
        // no callback, or a throwing one: the page's bug must not become ours
      }
    },
    debug: (...args) => log('log', ['[outlast]', ...args]),
  };
}
