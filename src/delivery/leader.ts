import type { Config } from '../config';
import { STORAGE_PREFIX } from '../constants';
import { guard, safeLocalStorage } from '../utils/env';
import { uuid } from '../utils/uuid';
import { storedJson } from './stored-json';

/** The part of `LockManager` used here (a fake one in tests). */
export interface LockLike {
  request(name: string, options: { signal?: AbortSignal }, callback: () => Promise<void>): Promise<unknown>;
}

/** The part of `BroadcastChannel` used here. */
export interface ChannelLike {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  close(): void;
}

/** Where the election finds the browser; each entry defaults to the real global and may be null to say "missing". */
export interface ElectionEnv {
  locks?: LockLike | null;
  storage?: Storage | null;
  channel?: ((name: string) => ChannelLike) | null;
  now?: () => number;
}

export interface Election {
  /** Whether this tab sends for the origin and token. */
  isLeader(): boolean;
  /** Ask the sending tab to flush (from a tab that only writes). */
  nudge(): void;
  /** Called when another tab nudges this one. */
  onNudge(cb: () => void): void;
  /** Tell the other tabs these records were acknowledged, so they stop beaconing them on unload. */
  announce(ids: string[]): void;
  /** Called with the ids another tab's sender had acknowledged. */
  onAck(cb: (ids: string[]) => void): void;
  /** Give up the lock or lease and close the channel. */
  close(): void;
}

/** The Web Lock held by whatever sends for `token`: a page's elected sender, or the service worker (`src/worker/`). */
export const senderLockName = (token: string): string => 'outlast-sender-' + token;

/**
 * Elect one sending tab per origin and token. With Web Locks, the tab
 * holding `outlast-sender-<token>` for its life sends, and the lock passes to
 * a waiting tab when it closes. Without them, a lease in localStorage,
 * renewed at half its length and taken over once expired, does the same.
 * With neither, this tab sends itself. Nudges travel on a BroadcastChannel,
 * else on storage events. `onChange` hears every change of role.
 */
export function electSender(
  token: string,
  onChange: (leader: boolean) => void,
  config: () => Pick<Config, 'sender_lease_ms'>,
  env: ElectionEnv = {},
): Election {
  const locks = 'locks' in env ? env.locks : guard(() => (navigator as { locks?: LockLike }).locks, undefined);
  const storage = 'storage' in env ? env.storage : safeLocalStorage();
  const now = env.now || Date.now;
  const nudgeKey = STORAGE_PREFIX + 'nudge_' + token;
  const id = uuid();
  const cleanups: Array<() => void> = [];
  let nudged = () => {};
  let acked = (_ids: string[]) => {};
  let leader = false;
  let closed = false;

  const setLeader = (value: boolean) => {
    if (!closed && value !== leader) {
      leader = value;
      onChange(value);
    }
  };
  const leaseStore = storedJson(STORAGE_PREFIX + 'sender_' + token, () => storage!);
  const lease = (): { id?: string; exp?: number } => leaseStore.read() || {};

  // nudges
  const channel = guard(
    () => ('channel' in env ? env.channel! : (name: string) => new BroadcastChannel(name) as ChannelLike)('outlast-' + token),
    null,
  );
  if (channel) {
    // a string is a nudge; an array lists acknowledged ids
    channel.onmessage = (e) => {
      if (e.data === 'nudge') nudged();
      else if (Array.isArray(e.data)) acked(e.data);
    };
    cleanups.push(() => channel.close());
  } else if (storage) {
    const onStorage = (e: StorageEvent): void => {
      if (e.key === nudgeKey) nudged();
    };
    guard(() => addEventListener('storage', onStorage), undefined);
    cleanups.push(() => removeEventListener('storage', onStorage));
  }

  // role
  if (locks) {
    const ctl = new AbortController();
    let release = () => {};
    locks
      .request(senderLockName(token), { signal: ctl.signal }, () => {
        setLeader(true);
        return new Promise<void>((resolve) => (release = resolve));
      })
      .catch(() => undefined);
    cleanups.push(
      () => ctl.abort(),
      () => release(),
    );
  } else if (storage) {
    let timer: ReturnType<typeof setTimeout>;
    const leaseMs = () => Math.max(1, config().sender_lease_ms || 1);
    const tick = () => {
      timer = setTimeout(tick, leaseMs() / 2);
      const held = lease();
      // free, expired or ours: take it (another tab's that is still valid is left alone)
      if (held.id === id || !(held.exp! > now())) leaseStore.write({ id, exp: now() + leaseMs() });
      setLeader(lease().id === id); // read back: of two tabs that wrote at once, the last write wins for both
    };
    tick();
    cleanups.push(() => {
      clearTimeout(timer);
      if (lease().id === id) leaseStore.write(null); // hand over at once
    });
  } else setLeader(true);

  return {
    isLeader: () => leader,
    nudge() {
      if (closed) return;
      guard(() => {
        if (channel) channel.postMessage('nudge');
        else if (storage) storage.setItem(nudgeKey, `${now()}${Math.random()}`); // a new value, or no storage event fires
      }, undefined);
    },
    onNudge(cb) {
      nudged = cb;
    },
    announce(ids) {
      // only over a channel: storage events would cost a write per batch for a saving in duplicates only
      if (!closed && channel) guard(() => channel.postMessage(ids), undefined);
    },
    onAck(cb) {
      acked = cb;
    },
    close() {
      if (!closed) {
        closed = true;
        leader = false;
        cleanups.forEach((c) => guard(c, undefined));
      }
    },
  };
}
