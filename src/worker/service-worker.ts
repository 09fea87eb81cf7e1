/**
 * Entry of `dist/outlast-sw.js`, the opt-in service worker that a site serves from its own origin
 * and names in the `service_worker` option. It sends what the outbox holds after the site's last
 * tab is gone, with the library's own delivery code (`drain.ts`).
 *
 * - A page that hides with records unacknowledged asks the worker to drain at once, within that
 *   message's event (`WORKER_DRAIN_MS` at most), retrying with the configured backoff, for as
 *   long as the browser keeps the worker running (Chromium: the event's whole time; Firefox and
 *   Safari may stop an idle worker sooner).
 * - Where Background Sync exists (Chromium), that page also registers the sync `outlast-<token>`.
 *   The browser fires it when online and it joins the drain under way. When time is up with
 *   records left it registers the sync again; the browser refuses that once no window of the
 *   site is open, and the event then fails, so that the browser retries it later by its own
 *   schedule (Chromium: twice more, minutes apart).
 *
 * It never starts for a token no page registered, or one that opted out (the page says `forget`).
 * Once no token is left it unregisters itself. It has no `fetch` handler: it never sees the
 * site's requests, and its scope (its own URL) covers no page.
 */
import { WORKER_DRAIN_MS } from '../constants';
import { syncTag, type WorkerMessage } from '../delivery/service-worker-registration';
import { guard } from '../utils/env';
import { createReporter } from '../utils/report';
import { drainOutbox, type DrainOutcome, type WorkerLocks } from './drain';
import { openTokenRegistry } from './token-registry';

/** The parts of the service worker's global scope used here; TypeScript's DOM types do not have them. */
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface WorkerScope {
  skipWaiting(): Promise<void>;
  registration: { unregister(): Promise<boolean>; sync?: { register(tag: string): Promise<void> } };
  navigator: { locks?: WorkerLocks };
  addEventListener(type: 'install' | 'activate', listener: (e: ExtendableEvent) => void): void;
  addEventListener(type: 'message', listener: (e: ExtendableEvent & { data: unknown }) => void): void;
  addEventListener(type: 'sync', listener: (e: ExtendableEvent & { tag: string }) => void): void;
}
declare const self: WorkerScope;

const registry = openTokenRegistry();
/** The drain under way per token: a second trigger joins it instead of starting another. */
const draining = new Map<string, Promise<DrainOutcome>>();
/** Tokens forgotten since this worker started: a drain under way stops at its next look. */
const forgotten = new Set<string>();

/** Drains `token` with its stored options, unless it is not registered; one drain per token at a time. */
function drain(token: string): Promise<DrainOutcome> {
  const running = draining.get(token);
  if (running) return running;
  const run = registry.load(token).then((config) => {
    if (!config) return 'empty' as const;
    const reporter = createReporter(() => ({ debug: config.debug, on_error: null }));
    return drainOutbox({
      token,
      config,
      reporter,
      deadline: Date.now() + WORKER_DRAIN_MS,
      locks: guard(() => self.navigator.locks || null, null),
      cancelled: () => forgotten.has(token),
    });
  });
  const done = run.finally(() => draining.delete(token));
  draining.set(token, done);
  return done;
}

async function onMessage(message: WorkerMessage): Promise<void> {
  const token = message.outlast;
  if (message.forget) {
    forgotten.add(token);
    await registry.forget(token);
    if (!(await registry.size())) await self.registration.unregister();
    return;
  }
  forgotten.delete(token);
  if (message.config && typeof message.config === 'object') await registry.save(token, message.config);
  if (message.drain) await drain(token);
}

async function onSync(token: string, tag: string): Promise<void> {
  if ((await drain(token)) !== 'timed-out') return;
  // Records are left and ingest still fails. Register again (the browser allows it while a
  // window of the site is open); else fail the event, so that the browser retries it later.
  const sync = self.registration.sync;
  if (!sync) throw Error('outlast: records left');
  await sync.register(tag);
}

const isMessage = (data: unknown): data is WorkerMessage =>
  !!data && typeof data === 'object' && typeof (data as WorkerMessage).outlast === 'string';

// A new version takes over at once: it keeps no state but IndexedDB, which both versions read.
self.addEventListener('install', (e) => e.waitUntil(self.skipWaiting()));
self.addEventListener('message', (e) => {
  if (isMessage(e.data)) e.waitUntil(onMessage(e.data));
});
self.addEventListener('sync', (e) => {
  const prefix = syncTag('');
  if (e.tag.indexOf(prefix) === 0) e.waitUntil(onSync(e.tag.slice(prefix.length), e.tag));
});
