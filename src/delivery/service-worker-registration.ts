import type { Config } from '../config';
import { STORAGE_PREFIX } from '../constants';
import { guard, safeLocalStorage } from '../utils/env';
import type { Reporter } from '../utils/report';

/**
 * What a page posts to the service worker (`src/worker/`). `outlast` is the token. With `config`
 * (the page's options, without its functions) the worker keeps them to send for the token later;
 * `drain` asks it to send now; `forget` says the token has opted
 * out, or no longer uses the worker.
 */
export interface WorkerMessage {
  outlast: string;
  config?: Partial<Config>;
  drain?: boolean;
  forget?: boolean;
}

/** The Background Sync tag of a token: one pending sync per token, however often pages register it. */
export const syncTag = (token: string): string => 'outlast-' + token;

/** The page's side of the service worker, for the pipeline. */
export interface WorkerLink {
  /** The page hides with records unacknowledged: have the worker send them once no page does. */
  hidden(): void;
  /** The token opted out: the worker drops it and does nothing more for it. */
  forget(): void;
}

/** Background Sync, where the browser has it (Chromium); not in TypeScript's DOM types. */
type SyncRegistration = ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } };

/**
 * Registers the worker at `config().service_worker` for `token`, with the script's own URL as
 * scope: it controls no page (and has no `fetch` handler), and it cannot replace a worker the
 * site has at `/`. Then it tells the worker the token's options.
 *
 * Without the option, a page that finds the token's note (`mp_sw_<token>`, the URL an earlier
 * page registered) tells that worker to forget the token; the worker unregisters itself once it
 * has no token left. So a site that never used the worker pays one localStorage read per page
 * load, not a `getRegistration()` round trip to the browser. Nothing here throws; a refused
 * registration is reported.
 */
export function linkServiceWorker(token: string, config: () => Config, reporter: Reporter): WorkerLink | null {
  const url = config().service_worker;
  const container = guard(() => navigator.serviceWorker, undefined);
  const storage = safeLocalStorage();
  const note = STORAGE_PREFIX + 'sw_' + token;
  let registration: SyncRegistration | undefined;
  const post = (message: Omit<WorkerMessage, 'outlast'>): void => {
    const reg = registration;
    const worker = reg && (reg.active || reg.waiting || reg.installing);
    // the options without the functions a message cannot carry (`on_error`, `loaded`, hooks)
    if (worker) guard(() => worker.postMessage({ outlast: token, config: JSON.parse(JSON.stringify(config())), ...message }), undefined);
  };
  if (!container) return null;
  if (!url) {
    const registered = storage && guard(() => storage.getItem(note), null);
    if (registered) {
      guard(() => storage.removeItem(note), undefined);
      container.getRegistration(registered).then((reg) => {
        // only ours: with ours gone, the match would be a worker of the site's own at a wider scope
        if (reg && reg.scope === guard(() => new URL(registered, location.href).href, '')) registration = reg;
        post({ forget: true });
      }, String);
    }
    return null;
  }
  void guard(
    () =>
      container.register(url, { scope: url }).then(
        (reg) => {
          registration = reg;
          post({});
          guard(() => storage && storage.setItem(note, url), undefined);
        },
        (e) => reporter.report({ code: 'delivery', message: `service_worker ${url}: ${e}` }),
      ),
    undefined,
  );
  return {
    hidden() {
      // The message starts the drain at once. The sync, where the browser has it, brings the
      // worker back by the browser's schedule (once the drain's time is up with records left, or
      // when the device is online again); the drain cannot rest on it alone, since the browser
      // refuses a sync whose page's window is gone before it checks. One drain per token runs.
      post({ drain: true });
      const sync = registration && registration.sync;
      if (sync) sync.register(syncTag(token)).catch(String);
    },
    forget: () => post({ forget: true }),
  };
}
