/**
 * Identity, super properties and event timers of one instance, kept as one
 * flat JSON object under `mp_<token>_mixpanel`: the name and shape
 * mixpanel-browser uses, so a site that switches keeps its users' ids.
 * Keys starting with `__` are internal (`__timers` here, mixpanel-browser's
 * own ones when migrating) and never become event properties.
 *
 * Storage is someone else's too: whatever is found there is checked, a bad
 * field is replaced by a fresh one, and the problem is reported once.
 */
import type { Config } from '../config';
import { STORAGE_PREFIX } from '../constants';
import type { Reporter } from '../utils/report';
import { uuid } from '../utils/uuid';
import { isRecord } from './core';
import { cleanProperties, type Props } from './sanitize';
import { memoryKV, pickKV, cookieKV, type KV } from './storage';

/** Prefix of an anonymous distinct_id, as mixpanel-browser writes it. */
export const DEVICE_PREFIX = '$device:';

export interface Persistence {
  /** `distinct_id`, `$device_id`, `$user_id` and the super properties. */
  props: Props;
  /** Start times (ms) of `time_event()` timers, by event name. */
  timers: Record<string, number>;
  /** Write now, unless `off`; a refused write is reported once. */
  save(): void;
  /** Forget everything stored and start with a new anonymous identity (`reset()`, opt-out). */
  clear(): void;
  /** While true nothing is written (the user opted out). */
  off: boolean;
}

const isId = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** A new anonymous identity. */
const freshIdentity = (): Props => {
  const id = uuid();
  return { distinct_id: DEVICE_PREFIX + id, $device_id: id };
};

/** Opens the persistence of `token` as configured, reading what a previous page left. */
export function openPersistence(token: string, config: Config, reporter: Reporter): Persistence {
  const name = STORAGE_PREFIX + (config.persistence_name || token + '_mixpanel');
  const kv: KV = config.disable_persistence ? memoryKV() : pickKV(config.persistence, config);
  const bad: string[] = [];
  let reported = false;
  const report = (message: string): void => {
    if (!reported) reporter.report({ code: 'storage', message, detail: { key: name, store: kv.kind } });
    reported = true;
  };

  // mixpanel-browser defaults to a cookie: when moving to localStorage, read the cookie left behind
  const cookie = kv.kind === 'localStorage' && cookieKV(config);
  const raw = kv.get(name) || (cookie && cookie.get(name));
  let stored: Record<string, unknown> = {};
  if (raw) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (isRecord(parsed)) stored = parsed;
      else bad.push('the whole value (not an object)');
    } catch {
      bad.push('the whole value (not JSON)');
    }
  }
  const { __timers, ...rest } = stored;
  const notes: string[] = [];
  const props = cleanProperties(rest, notes);
  if (notes.length) bad.push(...notes);
  if (!isId(props.distinct_id)) {
    if ('distinct_id' in props) bad.push('distinct_id');
    delete props.$device_id;
    Object.assign(props, freshIdentity());
  } else if (!isId(props.$device_id)) {
    // an id from an older mixpanel-browser: keep it, and give the device its own id
    if ('$device_id' in props) bad.push('$device_id');
    props.$device_id = props.distinct_id.indexOf(DEVICE_PREFIX) ? uuid() : props.distinct_id.slice(DEVICE_PREFIX.length);
  }
  if ('$user_id' in props && !isId(props.$user_id)) {
    bad.push('$user_id');
    delete props.$user_id;
  }
  const timers: Record<string, number> = {};
  if (isRecord(__timers)) {
    for (const k of Object.keys(__timers)) {
      const t = __timers[k];
      if (typeof t === 'number' && isFinite(t) && k !== '__proto__') timers[k] = t;
      else bad.push(`__timers.${k}`);
    }
  } else if (__timers !== undefined) bad.push('__timers');
  if (bad.length) report(`"${name}" partly unreadable; reset ${bad.join('; ')}`);

  const p: Persistence = {
    props,
    timers,
    off: false,
    save() {
      if (p.off) return;
      const value = JSON.stringify({ ...p.props, __timers: p.timers });
      if (!kv.set(name, value)) report(`could not write "${name}" to ${kv.kind}`);
    },
    clear() {
      kv.remove(name);
      p.props = freshIdentity();
      p.timers = {};
    },
  };
  return p;
}
