import type { Config } from '../config';
import { STORAGE_PREFIX } from '../constants';
import { safeLocalStorage } from '../utils/env';
import { uuid } from '../utils/uuid';

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
  channel?: ((name: string) => ChannelLike | null) | null;
  now?: () => number;
}

export interface Election {
  /** Whether this tab sends for the origin and token. */
  isLeader(): boolean;
  /** Ask the sending tab to flush (from a tab that only writes). */
  nudge(): void;
  /** Called when another tab nudges this one. */
  onNudge(cb: () => void): void;
  /** Give up the lock or lease and close the channel. */
  close(): void;
}

interface Lease {
  id: string;
  exp: number;
}

/**
 * Elect one sending tab per origin and token. With Web Locks, the tab
 * holding `outlast-sender-<token>` for its life sends, and the lock passes
 * to a waiting tab when it closes. Without them, a lease in localStorage,
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
  const locks = env.locks !== undefined ? env.locks : defaultLocks();
  const storage = env.storage !== undefined ? env.storage : safeLocalStorage();
  const now = env.now || Date.now;
  const nudgeKey = `${STORAGE_PREFIX}nudge_${token}`;
  const listeners: Array<() => void> = [];
  let leader = false;
  let closed = false;
  const cleanups: Array<() => void> = [];

  const setLeader = (value: boolean) => {
    if (closed || value === leader) return;
    leader = value;
    try {
      onChange(value);
    } catch {
      /* the sender guards itself; an election must survive anything */
    }
  };
  const heard = () => listeners.forEach((cb) => safe(cb));

  // Nudges
  const channel = openChannel(env, `outlast-${token}`);
  if (channel) {
    channel.onmessage = (e) => {
      if (e && (e.data as { type?: unknown } | null)?.type === 'nudge') heard();
    };
    cleanups.push(() => channel.close());
  } else if (storage && typeof addEventListener === 'function') {
    const onStorage = (e: StorageEvent) => {
      if (e.key === nudgeKey) heard();
    };
    addEventListener('storage', onStorage);
    cleanups.push(() => removeEventListener('storage', onStorage));
  }

  // Role
  if (locks) {
    const ctl = typeof AbortController === 'function' ? new AbortController() : null;
    let release: (() => void) | null = null;
    locks
      .request(`outlast-sender-${token}`, ctl ? { signal: ctl.signal } : {}, () => {
        if (closed) return Promise.resolve();
        setLeader(true);
        return new Promise<void>((resolve) => (release = resolve));
      })
      .catch(() => undefined);
    cleanups.push(() => {
      if (ctl) ctl.abort();
      if (release) release();
    });
  } else if (storage) {
    const key = `${STORAGE_PREFIX}sender_${token}`;
    const id = uuid();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const leaseMs = () => Math.max(1, Number(config().sender_lease_ms) || 1);
    const tick = () => {
      const t = now();
      const held = readLease(storage, key);
      if (!held || held.id === id || held.exp <= t) {
        safe(() => storage.setItem(key, JSON.stringify({ id, exp: t + leaseMs() })));
        // Read back: of two tabs that wrote at once, the last write wins for both.
        const mine = readLease(storage, key);
        setLeader(!!mine && mine.id === id);
      } else setLeader(false);
      timer = setTimeout(tick, leaseMs() / 2);
    };
    tick();
    cleanups.push(() => {
      clearTimeout(timer);
      const held = readLease(storage, key);
      if (held && held.id === id) safe(() => storage.removeItem(key)); // hand over at once
    });
  } else {
    setLeader(true);
  }

  return {
    isLeader: () => leader,
    nudge() {
      if (closed) return;
      if (channel) safe(() => channel.postMessage({ type: 'nudge' }));
      else if (storage) safe(() => storage.setItem(nudgeKey, String(now()) + Math.random()));
    },
    onNudge(cb) {
      listeners.push(cb);
    },
    close() {
      if (closed) return;
      closed = true;
      leader = false;
      cleanups.forEach((c) => safe(c));
    },
  };
}

function defaultLocks(): LockLike | null {
  try {
    const l = typeof navigator !== 'undefined' ? (navigator as { locks?: LockLike }).locks : undefined;
    return l && typeof l.request === 'function' ? l : null;
  } catch {
    return null;
  }
}

function openChannel(env: ElectionEnv, name: string): ChannelLike | null {
  try {
    if (env.channel !== undefined) return env.channel ? env.channel(name) : null;
    return typeof BroadcastChannel === 'function' ? (new BroadcastChannel(name) as unknown as ChannelLike) : null;
  } catch {
    return null;
  }
}

function readLease(storage: Storage, key: string): Lease | null {
  try {
    const v = JSON.parse(storage.getItem(key) || 'null') as Lease | null;
    return v && typeof v.id === 'string' && typeof v.exp === 'number' ? v : null;
  } catch {
    return null;
  }
}

function safe(fn: () => void): void {
  try {
    fn();
  } catch {
    /* never into the page */
  }
}
