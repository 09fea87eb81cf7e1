import { RETENTION_MS } from '../constants';
import { createReporter, type ErrorReport, type Reporter } from '../utils/report';
import { DEFAULT_INSTANCE_NAME, type LibInstance, type LibraryLike } from './library-shape';
import { createPersistedReplayer } from './persisted-calls';
import { initFromStub, replayStubCalls, type Stub } from './replay-stub';
import { settle } from './settle';

/** The globals the CDN entry reads and writes. */
export interface InstallTarget {
  mixpanel?: unknown;
}

export interface InstallOptions {
  /** localStorage, or null when unavailable (then nothing persisted is replayed or removed). */
  storage: Storage | null;
  /** Wait before deleting saved calls when an instance has no `_settle`. */
  settleFallbackMs: number;
  retentionMs?: number;
  now?: () => number;
}

/** Reports through the default instance's `debug` and `on_error` settings. */
function reporterFor(lib: LibraryLike): Reporter {
  return createReporter(() => {
    try {
      const get = lib.get_config as ((key: string) => unknown) | undefined;
      if (typeof get !== 'function') return { debug: false, on_error: null };
      const onError = get.call(lib, 'on_error');
      return { debug: !!get.call(lib, 'debug'), on_error: typeof onError === 'function' ? (onError as (r: ErrorReport) => void) : null };
    } catch {
      return { debug: false, on_error: null };
    }
  });
}

/**
 * Replace the stub at `target.mixpanel` with the library and hand it every
 * call made so far: inits from `_i`, then calls earlier pages left in
 * localStorage for the same tokens, then this page's recorded calls. The stub's
 * own saved blob is removed once those calls are durable. If `target.mixpanel`
 * already is the library (`__loaded`: the file was loaded twice), it is left
 * alone and returned. Never throws.
 */
export function installLibrary(target: InstallTarget, createLibrary: () => LibraryLike, options: InstallOptions): LibraryLike | undefined {
  try {
    const current = target.mixpanel as { __loaded?: unknown } | undefined;
    if (current && current.__loaded) return current as LibraryLike;
    const stub = Array.isArray(current) ? (current as Stub) : null;
    const lib = createLibrary();
    lib.__loaded = true;
    // Published before replaying, so a replayed function or `loaded` callback that uses window.mixpanel reaches the library.
    target.mixpanel = lib;
    const reporter = reporterFor(lib);
    const waitDurable = (instance: LibInstance) => settle(instance, options.settleFallbackMs);
    const instances = stub ? initFromStub(lib, stub, reporter) : [];
    const storage = options.storage;
    const ownKey = stub && typeof stub._k === 'string' ? stub._k : undefined;
    const persisted = storage
      ? createPersistedReplayer({ storage, reporter, ownKey, settle: waitDurable, retentionMs: options.retentionMs ?? RETENTION_MS, now: options.now })
      : null;

    persisted?.replay((token) => instances.find((x) => x.token === token)?.instance);
    replayStubCalls(instances, reporter);
    if (storage && ownKey) {
      Promise.all(instances.map((x) => waitDurable(x.instance))).then(
        () => storage.removeItem(ownKey),
        () => undefined, // not durable: the blob stays for a later page, whose replay $insert_id dedupes
      );
    }
    if (persisted) replayOnLaterInit(lib, persisted.replay);
    return lib;
  } catch {
    return undefined;
  }
}

/** Calls saved for a token this page only inits later (after the library arrived) are replayed at that `init`. */
function replayOnLaterInit(lib: LibraryLike, replay: (find: (token: string) => LibInstance | undefined) => Promise<void>): void {
  const init = lib.init;
  lib.init = function (this: LibraryLike, ...args: [string, Record<string, unknown>?, string?]) {
    const result = init.apply(this, args);
    try {
      const [token, , name] = args;
      const instance = (name && name !== DEFAULT_INSTANCE_NAME ? lib[name] ?? result : lib) as LibInstance | undefined;
      if (instance && typeof instance === 'object') void replay((t) => (t === token ? instance : undefined));
    } catch {
      // replaying old calls must never break init
    }
    return result;
  };
}
