/**
 * What the pipeline does when the page is hidden, shown again, or back
 * online. Each step is one call into the part that owns it; this module only
 * decides when each runs and in which order.
 */
export interface LifecycleSteps {
  /** Start no new request: from here the beacon carries what is unacknowledged, and a request started now would send it twice. */
  stopSender(): void;
  /**
   * Write everything buffered at once (no later task may come), unless the page is entering the
   * back/forward cache, and copy every record not yet durable to localStorage, synchronously.
   */
  secureOutbox(intoCache: boolean): void;
  /**
   * Beacon what this page enqueued and no host acknowledged, minus what is in keepalive requests
   * and what an earlier hide handed off, and record the hand-off so that no later sender sends it
   * again while it may have arrived (skipped while paused).
   */
  beacon(): void;
  /** Give up the sender lock (or lease): a page kept in WebKit's back/forward cache would hold it and no other page would send. */
  releaseSenderLock(): void;
  /** Abort the unfinished IndexedDB transactions: WebKit suspends them in the back/forward cache, and they block every other page's writes. */
  abortStoreWork(): void;
  /** Ask for the sender lock again, after `releaseSenderLock`. */
  standForElection(): void;
  /** Start the sender again if this tab holds the lock and is not paused. */
  resume(): void;
  /** The browser is back online: send what waits. */
  flush(): void;
}

/** The event targets the lifecycle listens on; `window` and `document` by default. */
export interface LifecycleTargets {
  window: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;
  document: Pick<EventTarget, 'addEventListener' | 'removeEventListener'> & { readonly visibilityState: DocumentVisibilityState };
}

/**
 * The one listener for `pagehide`, `pageshow`, `visibilitychange` and
 * `online`, so that the order of what runs is written in one place, not
 * decided by the order in which the parts are built. Returns the function
 * that removes every listener.
 *
 * On `pagehide` (the page is being unloaded, or frozen into the back/forward
 * cache when `persisted`), in this order:
 * 1. `stopSender`: no request starts after this point;
 * 2. `secureOutbox`: the buffer is written, and what is not yet durable is
 *    copied to localStorage, before anything can be lost with the page;
 * 3. `beacon`: once per hide (skipped if `visibilitychange` to hidden already
 *    sent it);
 * 4. `releaseSenderLock`: another page may take over sending at once;
 * 5. `abortStoreWork`, only when `persisted`: last, so that the writes it
 *    aborts have been copied to localStorage by step 2.
 *
 * On `visibilitychange` to hidden (a tab switch, or the first sign of an
 * unload on mobile, where `pagehide` may never come): `beacon`, once per hide.
 *
 * On `pageshow` after a `pagehide` (restored from the back/forward cache):
 * `standForElection`, then `resume`. A `pageshow` or a `visibilitychange` to
 * visible lets the next hide beacon again.
 *
 * On `online`: `flush`.
 *
 * A step that throws is reported to `failed` and does not stop the next one.
 */
export function watchPageLifecycle(
  steps: LifecycleSteps,
  failed: (step: string, error: unknown) => void,
  targets: LifecycleTargets = { window, document },
): () => void {
  let beaconed = false;
  let hidden = false;

  const run = (name: keyof LifecycleSteps, ...args: [] | [boolean]): void => {
    try {
      (steps[name] as (...a: [] | [boolean]) => void)(...args);
    } catch (e) {
      failed(name, e);
    }
  };
  const beaconOnce = (): void => {
    if (!beaconed) {
      beaconed = true;
      run('beacon');
    }
  };

  const onPageHide = (event: Event): void => {
    const intoCache = (event as PageTransitionEvent).persisted === true;
    hidden = true;
    run('stopSender');
    run('secureOutbox', intoCache);
    beaconOnce();
    run('releaseSenderLock');
    if (intoCache) run('abortStoreWork');
  };
  const onPageShow = (): void => {
    beaconed = false;
    if (hidden) {
      hidden = false;
      run('standForElection');
    }
    run('resume');
  };
  const onVisibilityChange = (): void => {
    if (targets.document.visibilityState === 'hidden') beaconOnce();
    else beaconed = false;
  };
  const onOnline = (): void => run('flush');

  const listen = (method: 'addEventListener' | 'removeEventListener'): void => {
    targets.window[method]('pagehide', onPageHide);
    targets.window[method]('pageshow', onPageShow);
    targets.window[method]('online', onOnline);
    targets.document[method]('visibilitychange', onVisibilityChange);
  };
  listen('addEventListener');
  return () => listen('removeEventListener');
}
