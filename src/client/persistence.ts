/**
 * What an instance keeps between pages.
 *
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
import { isRecord } from './values';
import { cleanProperties, type Props } from './sanitize';
import { doNotTrack } from './environment';
import { cookieKV, localKV, memoryKV, pickKV } from './storage';

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
const freshIdentity = (id = uuid()): Props => ({ distinct_id: DEVICE_PREFIX + id, $device_id: id });

/** Opens the persistence of `token` as configured, reading what a previous page left. */
export function openPersistence(token: string, config: Config, reporter: Reporter): Persistence {
  const name = STORAGE_PREFIX + (config.persistence_name || token + '_mixpanel');
  const kv = config.disable_persistence ? memoryKV() : pickKV(config.persistence, config);
  let reported = 0;
  const report = (message: string): unknown =>
    reported++ || reporter.report({ code: 'storage', message, detail: { key: name, store: kv.kind } });

  // mixpanel-browser defaults to a cookie: when moving to localStorage, read the cookie left behind
  const cookie = kv.kind === 'localStorage' && cookieKV(config);
  const raw = kv.get(name) || (cookie && cookie.get(name));
  const bad: string[] = [];
  let stored: unknown;
  try {
    stored = JSON.parse(raw || '{}');
  } catch {
    /* reported below */
  }
  if (!isRecord(stored)) ((stored = {}), bad.push('the whole value'));
  const { __timers, ...rest } = stored as Record<string, unknown>;
  const props = cleanProperties(rest, bad);
  if (!isId(props.distinct_id)) {
    if ('distinct_id' in props) bad.push('distinct_id');
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
  if (__timers !== undefined && !isRecord(__timers)) bad.push('__timers');
  else
    for (const [k, t] of Object.entries(__timers || {}))
      if (typeof t === 'number' && isFinite(t)) timers[k] = t;
      else bad.push('__timers.' + k);
  if (bad.length) report(`"${name}" partly unreadable; reset ${bad.join('; ')}`);

  const p: Persistence = {
    props,
    timers,
    off: false,
    save: () =>
      p.off || kv.set(name, JSON.stringify({ ...p.props, __timers: p.timers })) || report(`could not write "${name}" to ${kv.kind}`),
    clear() {
      kv.remove(name);
      p.props = freshIdentity();
      p.timers = {};
    },
  };
  return p;
}

/**
 * The user's tracking choice, stored as mixpanel-browser stores it:
 * `__mp_opt_in_out_<token>` = `0` (out) or `1` (in), in localStorage or a
 * cookie. Kept even with `disable_persistence`, since forgetting an opt-out
 * would track someone who said no.
 */
export interface Consent {
  /** Whether nothing may be sent: opted out, DNT (unless `ignore_dnt`), or no choice yet with `opt_out_tracking_by_default`. */
  out(): boolean;
  /** Whether the user explicitly opted in. */
  optedIn(): boolean;
  /** Store the choice. */
  set(inOut: '0' | '1'): void;
  /** Forget the choice, wherever it is stored (`clear_opt_in_out_tracking()`). */
  clear(): void;
}

export function openConsent(token: string, config: Config): Consent {
  const key = '__mp_opt_in_out_' + token;
  // a choice stored by either kind of persistence counts
  const local = localKV(),
    cookie = cookieKV(config);
  let choice = (local && local.get(key)) || (cookie && cookie.get(key));
  return {
    out: () => choice === '0' || (!config.ignore_dnt && doNotTrack()) || (!choice && config.opt_out_tracking_by_default),
    optedIn: () => choice === '1',
    set: (v) => pickKV(config.persistence, config).set(key, (choice = v)),
    clear() {
      choice = null;
      for (const kv of [local, cookie]) if (kv) kv.remove(key);
    },
  };
}
