// The driver layer: what a browser scenario may ask of any engine. Chromium is driven by
// Playwright over CDP, Firefox by puppeteer-core over WebDriver BiDi, WebKit (WebKitGTK's
// MiniBrowser) over W3C WebDriver. A scenario written against these types runs on all three;
// a step an engine cannot do is `null` here, so the scenario has to say what it skips.

export type EngineName = 'chromium' | 'firefox' | 'webkit';

export const ENGINES: readonly EngineName[] = ['chromium', 'firefox', 'webkit'];

/** A cookie as the browser stored it. */
export interface Cookie {
  name: string;
  value: string;
  /** `Lax`, `Strict` or `None`, as the engine reports it. */
  sameSite: string;
}

/** A tab of one engine. */
export interface Tab {
  /** Navigates and resolves once the page's `load` event has fired. */
  goto(url: string): Promise<void>;
  /**
   * Runs `fn(arg)` in the page and returns its result (a promise is awaited). `fn` is sent as
   * source, so it must not close over anything; `arg` and the result must be JSON values.
   */
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>;
  /** The tab's current URL. */
  url(): Promise<string>;
  /** Waits until the tab's URL is `url` (or matches it); throws after `timeoutMs`. */
  waitForURL(url: string | RegExp, timeoutMs?: number): Promise<void>;
  /** Console lines and uncaught page errors seen so far, oldest first (for a failing test's output). */
  readonly logs: string[];
  /** Uncaught errors and unhandled rejections of the page, as messages. */
  readonly pageErrors: string[];
  /**
   * Console lines of level error, the browser's own included (a CSP or SRI refusal, a failed
   * load) where the engine's driver reports them; uncaught errors are in `pageErrors` instead.
   */
  readonly consoleErrors: string[];
  /** The cookies the browser holds for the tab's current URL, with the attributes it stored. */
  cookies(): Promise<Cookie[]>;
  close(): Promise<void>;
}

/** One running browser of one engine, on a profile folder of its own. */
export interface EngineBrowser {
  readonly name: EngineName;
  /** Product and version, e.g. `Firefox 153.7.0esr`. */
  readonly version: string;
  /** Process id of the browser's main process, the leader of its process group. */
  readonly pid: number;
  /** Opens a tab (a new top-level browsing context) on about:blank. */
  newTab(): Promise<Tab>;
  /**
   * Switches every tab offline (`navigator.onLine` false, requests fail) or back online;
   * `null` where the engine's driver cannot emulate it.
   */
  readonly setOffline: ((offline: boolean) => Promise<void>) | null;
  /**
   * Whether storage (IndexedDB, localStorage) written before `kill()` can be there after
   * `restart()`. False where the engine's automation sessions are ephemeral.
   */
  readonly persistentProfile: boolean;
  /** Console lines of the browser's service workers where the driver sees them (Chromium); empty elsewhere. */
  readonly workerLogs: string[];
  /** SIGKILLs every process of the browser at once, as a crash would; the profile is kept. */
  kill(): Promise<void>;
  /** Starts the same engine again on the same profile (after `kill()`), as the user reopening it. */
  restart(): Promise<EngineBrowser>;
  /** Closes the browser as a user would and removes a temporary profile. */
  close(): Promise<void>;
}

export interface EngineLaunchOptions {
  /** Profile folder to reuse; by default a temporary one, removed on close. */
  profileDir?: string;
}
