import type { Reporter } from '../utils/report';
import { DEFAULT_INSTANCE_NAME, type LibInstance, type LibraryLike } from './library-shape';
import { replayCalls } from './replay-calls';

/** An instance created from the stub, with the calls its stub queue recorded. */
export interface StubInstance {
  name: string;
  /** Undefined for default-stub calls made without any `init` for the default instance. */
  token: unknown;
  instance: LibInstance;
  calls: unknown[];
}

/** The stub as the snippet (or Mixpanel's own snippet) leaves it: an array of calls with `_i` and named stubs. */
export type Stub = unknown[] & { _i?: unknown; people?: unknown; _k?: unknown; [name: string]: unknown };

/**
 * Calls from a Mixpanel-style stub's `people` array (`['set', ...]`), renamed
 * to the `people.set` form. Outlast's snippet records people calls on the
 * instance queue itself, so there this is empty.
 */
function legacyPeopleCalls(queue: Stub): unknown[] {
  const people = queue.people;
  if (!Array.isArray(people)) return [];
  return people.filter((c): c is unknown[] => Array.isArray(c) && typeof c[0] === 'string').map(([m, ...args]) => ['people.' + String(m), ...args]);
}

/**
 * Init every instance the stub's `_i` list names (default or named, in call
 * order) and collect each one's recorded calls, without replaying them yet,
 * so calls persisted by earlier pages can go first. The default stub's calls
 * are always collected: those made before any `init` are replayed after it.
 */
export function initFromStub(lib: LibraryLike, stub: Stub, reporter: Reporter): StubInstance[] {
  const found: StubInstance[] = [];
  const seen: Record<string, true> = {};
  const inits = Array.isArray(stub._i) ? stub._i : [];
  let defaultToken: unknown;
  for (const entry of inits) {
    if (!Array.isArray(entry)) continue;
    const [token, config, rawName] = entry as [unknown, unknown, unknown];
    const name = rawName == null || rawName === '' ? DEFAULT_INSTANCE_NAME : String(rawName);
    const isDefault = name === DEFAULT_INSTANCE_NAME;
    let instance: unknown;
    try {
      const returned = isDefault ? lib.init(token as string, config as Record<string, unknown>) : lib.init(token as string, config as Record<string, unknown>, name);
      instance = isDefault ? lib : lib[name] ?? returned;
    } catch (e) {
      reporter.report({ code: 'invalid_call', message: 'init from the snippet threw', detail: { name, error: String(e) } });
    }
    if (isDefault) {
      if (defaultToken === undefined) defaultToken = token;
      continue; // the default queue is collected once, below
    }
    if (seen[name] || !instance || typeof instance !== 'object') continue;
    seen[name] = true;
    const queue = stub[name];
    const calls = Array.isArray(queue) ? [...legacyPeopleCalls(queue as Stub), ...queue] : [];
    found.push({ name, token, instance: instance as LibInstance, calls });
  }
  found.unshift({ name: DEFAULT_INSTANCE_NAME, token: defaultToken, instance: lib, calls: [...legacyPeopleCalls(stub), ...stub] });
  return found;
}

/** Replay each instance's recorded calls (see `replayCalls` for the order). */
export function replayStubCalls(instances: readonly StubInstance[], reporter: Reporter): void {
  for (const { instance, calls } of instances) replayCalls(instance, calls, reporter);
}
