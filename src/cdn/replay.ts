import { STUB_STORAGE_KEY } from '../constants';
import type { Reporter } from '../utils/report';
import type { LibInstance } from './library-shape';
import { REPLAYABLE_SAVED_METHOD } from './replayable-methods';

const own = (owner: unknown, key: string): boolean => owner != null && Object.prototype.hasOwnProperty.call(owner, key);

/**
 * Replays recorded items (`[method, ...args]`, `people.set`-style names, or
 * functions pushed with `push(fn)`) on `instance` in mixpanel-browser's order:
 * `alias` first, then everything else, then the tracking group (any method
 * with `track` in its name, opt-outs included, but no `people.*`), each group
 * in call order, so early events carry the identity set around them. Items
 * that are neither (a function saved as null) are skipped; an unknown method
 * or one that throws is reported and skipped, never stopping the others.
 * Methods are looked up as own properties of the instance (and of `people`),
 * never through the prototype chain. With `allowed` (calls read from
 * storage), only those methods replay, and functions never do.
 */
export function replayCalls(instance: LibInstance, items: readonly unknown[], reporter: Reporter, allowed?: RegExp): void {
  // A chained call `[['get_group', key, id], [method, ...args]]` (mixpanel-browser's snippet form for a Group's
  // methods) replays as the call `get_group.method` on the Group that `get_group(key, id)` answers.
  const chained = (x: unknown): x is [unknown[], unknown[]] => Array.isArray(x) && Array.isArray(x[0]);
  const methodOf = (x: unknown): string => {
    if (!chained(x)) return (x as string[])[0]!;
    return x[0][0] === 'get_group' && Array.isArray(x[1]) ? 'get_group.' + x[1][0] : '';
  };
  // alias 0, tracking and chained calls 2 (not people.*), the rest and functions 1, as mixpanel-browser's
  // `_execute_array` orders them
  const rank = (x: unknown): number => {
    if (typeof x === 'function') return 1;
    if (chained(x)) return 2;
    const method = methodOf(x);
    if (method === 'alias') return 0;
    return /^(?!people\.).*track/.test(method) ? 2 : 1;
  };
  const why = (e: unknown): string => {
    if (e === 0) return 'is no method';
    return e === 1 ? 'is not replayed from storage' : 'threw';
  };
  items
    .filter((x) => typeof x === 'function' || (Array.isArray(x) && typeof methodOf(x) === 'string'))
    // Array#sort is stable: each group keeps its call order
    .sort((a, b) => rank(a) - rank(b))
    .forEach((item) => {
      const method = typeof item === 'function' ? 'function' : methodOf(item);
      try {
        if (allowed && !(Array.isArray(item) && allowed.test(method))) throw 1;
        if (typeof item === 'function') return void item.call(instance, instance);
        const path = method.split('.');
        const last = path.pop()!;
        let owner: any = instance;
        for (const k of path) owner = own(owner, k) ? owner[k] : undefined;
        // a Group is what get_group answers, not a property: call it with the recorded key and id
        if (chained(item) && typeof owner === 'function') owner = owner.apply(instance, item[0].slice(1));
        const fn = own(owner, last) ? owner[last] : undefined;
        if (typeof fn !== 'function') throw 0;
        fn.apply(owner, (chained(item) ? item[1] : (item as unknown[])).slice(1));
      } catch (e) {
        reporter.report({
          code: 'invalid_call',
          message: `replay: ${method} ${why(e)}`,
          detail: { error: String(e) },
        });
      }
    });
}

/** What the snippet writes on hide: when, its `_i` list, and in `q[k]` the queue of the instance `i[k]` inits. */
interface SavedBlob {
  t?: number;
  i: unknown[][];
  q: unknown[][];
}

/** mixpanel-browser's name for the default instance; `_i` entries without a name mean it. */
export const nameOf = (n: unknown): string => (n == null || n === '' ? 'mixpanel' : String(n));

/** The blob under `key`, or null when it is not JSON of the snippet's shape (any object with `any`). */
function read(storage: Storage, key: string, any?: 1): SavedBlob | null {
  try {
    const b = JSON.parse(storage.getItem(key)!) as SavedBlob;
    return any || (Array.isArray(b.i) && Array.isArray(b.q)) ? b : null;
  } catch {
    return null;
  }
}

/**
 * Where replayers note, per instance name, how many calls of the blob under
 * `key` they have taken. The page that wrote the blob may still be open (a
 * hidden tab saves its calls too) and replay them itself once its library
 * arrives, and it rewrites the whole blob on its next hide: both must skip
 * what another page already took. A key of its own, so those rewrites keep it.
 */
export const takenKey = (key: string): string => key.replace(':', '-taken:');

/** The counts noted under `takenKey(key)`. */
export const readTaken = (storage: Storage, key: string): Record<string, number> =>
  ((read(storage, takenKey(key), 1) || {}) as { n?: Record<string, number> }).n || {};

/** Notes that the first `counts[name]` calls of each instance's queue in the blob under `key` are taken. */
export const writeTaken = (storage: Storage, key: string, counts: Record<string, number>, now: number): void =>
  storage.setItem(takenKey(key), JSON.stringify({ t: now, n: counts }));

/**
 * Replays calls that earlier pages' stubs left in localStorage and deletes
 * each page's calls only once they are durable in the outbox.
 *
 * The returned `replay(find)` hands each saved init whose token `find` knows
 * its saved calls (oldest blob first) synchronously; once they settle, the
 * blob is rewritten without them, or removed when nothing is left, so inits
 * for tokens absent here wait for a later page. Corrupt blobs and blobs past
 * `retentionMs` are removed and reported. Call it again after a later `init`:
 * no saved init is replayed twice on one page. Never throws.
 */
export function savedCallsReplayer(
  storage: Storage,
  reporter: Reporter,
  ownKey: unknown,
  settle: (instance: LibInstance) => Promise<unknown>,
  retentionMs: number,
  now: () => number,
): (find: (token: unknown) => LibInstance | undefined) => void {
  const claimed: Record<string, 1> = {};
  const drop = (key: string, reason: string, count: number): void => {
    storage.removeItem(key);
    reporter.report({ code: 'dropped', reason, count, message: `removed ${reason} calls saved by an earlier page` });
  };
  return (find) => {
    try {
      const blobs: [string, SavedBlob][] = [];
      // keys first: removing shifts the indices
      const keys: string[] = [];
      for (let n = 0; n < storage.length; n++) keys.push(storage.key(n)!);
      let corrupt = 0;
      for (const key of keys) {
        // a note of taken calls outlives its blob while the page that wrote it may be open, then goes with retention
        if (!key.indexOf(takenKey(STUB_STORAGE_KEY + ':')) && !(now() - (read(storage, key, 1) || {}).t! <= retentionMs))
          storage.removeItem(key);
        if (key.indexOf(STUB_STORAGE_KEY + ':') || key === ownKey) continue;
        const b = read(storage, key);
        if (!b) {
          corrupt++;
          storage.removeItem(key);
        } else if (now() - (b.t as number) > retentionMs)
          drop(key, 'retention', ([] as unknown[]).concat(...b.q).filter(Array.isArray).length);
        else blobs.push([key, b]);
      }
      if (corrupt)
        reporter.report({ code: 'dropped', reason: 'corrupt', count: corrupt, message: 'removed corrupt calls saved by earlier pages' });
      blobs.sort((x, y) => (x[1].t || 0) - (y[1].t || 0));
      for (const [key, b] of blobs) {
        const done: string[] = [];
        const pending: Promise<unknown>[] = [];
        const taken = readTaken(storage, key);
        b.i.forEach((init, k) => {
          const name = nameOf(Object(init)[2]);
          const instance = typeof Object(init)[0] === 'string' && !claimed[key + name] ? find(init[0]) : undefined;
          if (!instance) return;
          claimed[key + name] = 1;
          const calls = Array.isArray(b.q[k]) ? b.q[k]! : [];
          const from = taken[name] || 0;
          // noted before the replay: the narrowest window for the writing page, or another, to take them too
          // (an opted-out instance refuses them, and keeps nothing)
          const out = instance.has_opted_out_tracking;
          if (!(typeof out === 'function' && out.call(instance)))
            writeTaken(storage, key, { ...taken, [name]: (taken[name] = Math.max(from, calls.length)) }, now());
          replayCalls(instance, calls.slice(from), reporter, REPLAYABLE_SAVED_METHOD);
          done.push(name);
          pending.push(settle(instance));
        });
        if (done.length)
          Promise.all(pending)
            .then(() => {
              // read again: another replay may have rewritten it meanwhile
              const now = read(storage, key);
              if (!now) return;
              const keep = now.i.map((init) => done.indexOf(nameOf(Object(init)[2])) < 0);
              if (keep.indexOf(true) < 0) storage.removeItem(key);
              else
                storage.setItem(key, JSON.stringify({ t: now.t, i: now.i.filter((_, k) => keep[k]), q: now.q.filter((_, k) => keep[k]) }));
            })
            .catch(() => {}); // not durable, or storage gone: the blob stays for a later page, whose replay $insert_id dedupes
      }
    } catch (e) {
      reporter.report({ code: 'storage', message: 'could not read calls saved by earlier pages', detail: { error: String(e) } });
    }
  };
}
