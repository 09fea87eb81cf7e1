import { RETENTION_MS } from '../constants';
import { createReporter } from '../utils/report';
import type { LibInstance, LibraryLike } from './library-shape';
import { nameOf, readTaken, replayCalls, savedCallsReplayer, takenKey, writeTaken } from './replay';

export interface InstallOptions {
  /** localStorage, or null when unavailable (then nothing saved is replayed or removed). */
  storage: Storage | null;
  /** Wait before deleting saved calls when an instance has no `_settle`. */
  settleFallbackMs: number;
  retentionMs?: number;
  now?: () => number;
}

/** The stub as the snippet (or Mixpanel's own snippet) leaves it: an array of calls with `_i`, `_k` and named stubs. */
type Stub = unknown[] & Record<string, unknown>;

/**
 * Replaces the stub at `target.mixpanel` with the library and hands it every
 * call made so far: the inits of `_i` (in call order), then calls earlier
 * pages saved for the same tokens, then this page's recorded calls (those
 * made on the default stub before any `init` come after it). This page's own
 * saved blob (`_k`) is removed once those calls are durable. A library that
 * is already there (`__loaded`: the file ran twice) is left alone. Never throws.
 */
export function installLibrary(
  target: { mixpanel?: unknown },
  createLibrary: () => LibraryLike,
  options: InstallOptions,
): LibraryLike | undefined {
  try {
    const stub = target.mixpanel as Stub | undefined;
    if (stub && stub.__loaded) return stub as unknown as LibraryLike;
    const lib = createLibrary();
    lib.__loaded = true;
    // published first, so a replayed function or `loaded` callback that uses window.mixpanel reaches the library
    target.mixpanel = lib;
    const get = (k: string): any => lib.get_config && (lib.get_config as (k: string) => unknown)(k);
    const reporter = createReporter(() => ({ debug: !!get('debug'), on_error: get('on_error') }));
    const { storage } = options;
    /** Resolves when what `instance` got so far is in the outbox; rejects (keeping saved copies) when that fails. */
    const settle = (instance: LibInstance): Promise<unknown> =>
      typeof instance._settle === 'function'
        ? Promise.resolve().then(() => instance._settle!())
        : new Promise((resolve) => setTimeout(resolve, options.settleFallbackMs));

    // [token, instance, calls, name] per instance, the default one first with every call of the default stub
    const found: [unknown, LibInstance, unknown[], string][] = [];
    const queue = (q: unknown): unknown[] => {
      if (!Array.isArray(q)) return [];
      // Mixpanel's own snippet records people calls as ['set', ...] in `q.people`
      const people = (q as Stub).people;
      return (Array.isArray(people) ? people.map((c) => Array.isArray(c) && ['people.' + c[0], ...c.slice(1)]) : []).concat(q);
    };
    const main: [unknown, LibInstance, unknown[], string] = [undefined, lib, queue(stub), 'mixpanel'];
    if (Array.isArray(stub) && Array.isArray(stub._i))
      for (const init of stub._i as unknown[]) {
        if (!Array.isArray(init)) continue;
        const name = nameOf(init[2]);
        // the library's init never throws, and answers with the instance (undefined when refused)
        const made = lib.init(init[0], init[1], name) as LibInstance | undefined;
        if (name === 'mixpanel') main[0] = main[0] === undefined ? init[0] : main[0];
        else if (made && !found.some((f) => f[1] === made)) found.push([init[0], made, queue(stub[name]), name]);
      }
    found.unshift(main);
    const ownKey = Array.isArray(stub) && stub._k;
    const now = options.now || Date.now;
    const replaySaved = storage && savedCallsReplayer(storage, reporter, ownKey, settle, options.retentionMs || RETENTION_MS, now);
    if (replaySaved) replaySaved((token) => (found.find((f) => f[0] === token) || [])[1]);
    // this page's calls that another page already replayed from its saved blob are skipped; the rest are noted as taken
    const own = storage && typeof ownKey === 'string' ? ownKey : '';
    const taken = own ? readTaken(storage!, own) : {};
    if (own && storage!.getItem(own))
      writeTaken(storage!, own, Object.assign({}, taken, ...found.map(([, , calls, name]) => ({ [name]: calls.length }))), now());
    for (const [, instance, calls, name] of found) replayCalls(instance, calls.slice(taken[name] || 0), reporter);
    if (own)
      Promise.all(found.map((f) => settle(f[1])))
        .then(() => {
          storage!.removeItem(own);
          storage!.removeItem(takenKey(own));
        })
        .catch(() => storage!.removeItem(takenKey(own))); // not durable: the blob stays for a later page to replay it all, $insert_id dedupes

    if (replaySaved) {
      // calls saved for a token this page only inits now are replayed at that init
      const init = lib.init;
      lib.init = function (this: unknown, token, config, name) {
        const made = init.call(this, token, config, name);
        const instance = nameOf(name) === 'mixpanel' ? lib : lib[name!] || made;
        if (instance && typeof instance === 'object') replaySaved((t) => (t === token ? (instance as LibInstance) : undefined));
        return made;
      };
    }
    return lib;
  } catch {
    return undefined;
  }
}
