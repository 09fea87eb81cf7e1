import { STUB_STORAGE_KEY } from '../constants';
import type { Reporter } from '../utils/report';
import { DEFAULT_INSTANCE_NAME, type LibInstance } from './library-shape';
import { isRecordedCall, replayCalls } from './replay-calls';

/** What the snippet writes on hide: when, its `_i` list, and in `q[k]` the queue of the instance `i[k]` inits. */
export interface PersistedBlob {
  t?: number;
  i: unknown[];
  q: unknown[];
}

export interface PersistedReplayOptions {
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem' | 'key' | 'length'>;
  reporter: Reporter;
  /** This page's own stub key: its calls are replayed from the live stub, not from storage. */
  ownKey?: string | undefined;
  /** Waits until an instance's replayed calls are durable; a rejection keeps the blob. */
  settle: (instance: LibInstance) => Promise<void>;
  /** Blobs older than this are dropped: Mixpanel discards such events anyway. */
  retentionMs: number;
  now?: () => number;
}

/** Prefix of every page's stub key. */
export const STUB_KEY_PREFIX = STUB_STORAGE_KEY + ':';

/** The blob under `raw`, or null when it is not JSON of the snippet's shape. */
export function parseBlob(raw: string | null): PersistedBlob | null {
  if (raw == null) return null;
  try {
    const blob = JSON.parse(raw) as Partial<PersistedBlob> | null;
    if (!blob || typeof blob !== 'object' || !Array.isArray(blob.i) || !Array.isArray(blob.q)) return null;
    return blob as PersistedBlob;
  } catch {
    return null;
  }
}

/** The instance name an init entry gives, or null when the entry is malformed. */
function nameOf(entry: unknown): string | null {
  if (!Array.isArray(entry) || typeof entry[0] !== 'string') return null;
  return entry[2] == null || entry[2] === '' ? DEFAULT_INSTANCE_NAME : String(entry[2]);
}

/** `[token, name, calls]` of each well-formed init of a blob, first init per name only (its queue holds every call). */
function initsOf(blob: PersistedBlob): Array<[string, string, unknown[]]> {
  const out: Array<[string, string, unknown[]]> = [];
  blob.i.forEach((entry, k) => {
    const name = nameOf(entry);
    const calls = blob.q[k];
    if (name !== null && !out.some(([, n]) => n === name)) out.push([(entry as string[])[0] as string, name, Array.isArray(calls) ? calls : []]);
  });
  return out;
}

/** Every stub key in storage but `ownKey`, read before anything is removed (removal shifts indices). */
function stubKeys(storage: PersistedReplayOptions['storage'], ownKey: string | undefined): string[] {
  const keys: string[] = [];
  for (let i = 0; i < storage.length; i++) {
    const key = storage.key(i);
    if (key && key.indexOf(STUB_KEY_PREFIX) === 0 && key !== ownKey) keys.push(key);
  }
  return keys;
}

/**
 * Replays the calls that earlier pages' stubs left in localStorage, and
 * deletes each page's calls only once they are durable in the outbox.
 *
 * `replay(findInstance)` hands every saved init whose token has a live
 * instance here that init's saved calls (oldest blob first, in
 * mixpanel-browser's order) synchronously, then returns a promise that
 * settles once the storage is cleaned: a blob whose instances all settled is
 * removed, one with inits for tokens absent from this page is rewritten with
 * just those, for a later page. Corrupt blobs are removed and reported once.
 * Call it again after a later `init` with a finder for the new instance only:
 * a page never replays the same saved init twice. Never throws.
 */
export function createPersistedReplayer(options: PersistedReplayOptions): { replay(findInstance: (token: string) => LibInstance | undefined): Promise<void> } {
  const { storage, reporter, ownKey, settle, retentionMs } = options;
  const now = options.now ?? Date.now;
  const claimed: Record<string, true> = {};

  /** Rewrite `key` without the names in `done`, reading it again since another replay may have changed it. */
  function forget(key: string, done: string[]): void {
    try {
      const blob = parseBlob(storage.getItem(key));
      if (!blob) return;
      const keep = blob.i.map((e) => nameOf(e)).map((name) => name !== null && done.indexOf(name) === -1);
      if (keep.indexOf(true) === -1) {
        storage.removeItem(key);
        return;
      }
      storage.setItem(key, JSON.stringify({ t: blob.t, i: blob.i.filter((_, k) => keep[k]), q: blob.q.filter((_, k) => keep[k]) }));
    } catch {
      // storage gone: the blob stays and a later page may replay it; $insert_id dedupes its events
    }
  }

  function replay(findInstance: (token: string) => LibInstance | undefined): Promise<void> {
    const cleanups: Array<Promise<void>> = [];
    try {
      const blobs: Array<{ key: string; blob: PersistedBlob }> = [];
      let corrupt = 0;
      for (const key of stubKeys(storage, ownKey)) {
        const blob = parseBlob(storage.getItem(key));
        if (!blob) {
          corrupt++;
          storage.removeItem(key);
        } else if (typeof blob.t === 'number' && now() - blob.t > retentionMs) {
          storage.removeItem(key);
          const count = initsOf(blob).reduce((n, [, , calls]) => n + calls.filter(isRecordedCall).length, 0);
          reporter.report({ code: 'dropped', reason: 'retention', count, message: 'calls saved by an earlier page were too old to replay' });
        } else blobs.push({ key, blob });
      }
      if (corrupt) reporter.report({ code: 'dropped', reason: 'corrupt', count: corrupt, message: 'removed unreadable calls saved by earlier pages' });
      blobs.sort((a, b) => (a.blob.t ?? 0) - (b.blob.t ?? 0));

      for (const { key, blob } of blobs) {
        const done: string[] = [];
        const pending: Array<Promise<void>> = [];
        for (const [token, name, calls] of initsOf(blob)) {
          const instance = claimed[key + '\n' + name] ? undefined : findInstance(token);
          if (!instance) continue;
          claimed[key + '\n' + name] = true;
          replayCalls(instance, calls, reporter);
          done.push(name);
          pending.push(settle(instance));
        }
        if (done.length) cleanups.push(Promise.all(pending).then(() => forget(key, done), () => undefined));
      }
    } catch (e) {
      reporter.report({ code: 'storage', message: 'could not read calls saved by earlier pages', detail: { error: String(e) } });
    }
    return Promise.all(cleanups).then(() => undefined);
  }

  return { replay };
}
