/**
 * Who the visitor is, and whether they may be tracked: `identify`, `alias`,
 * `reset`, the people updates made before `identify`, and the opt-in/out
 * choice, each as mixpanel-browser does it (the functions of its
 * mixpanel-core.js and mixpanel-people.js named on each below).
 *
 * The client itself never merges identities: it sends what mixpanel-browser
 * sends (`$identify` whenever the distinct_id changes, `$create_alias`,
 * `$device_id` and `$user_id` on every event and update), and Mixpanel's
 * servers apply the project's ID merge rules, simplified or original, to it.
 *
 * Every change starts from what is stored now (another tab may have
 * identified or reset meanwhile), and a change made by another tab is taken
 * over when it writes localStorage or when this tab becomes visible again.
 */
import { MAX_STRING_LENGTH } from '../constants';
import type { Pipeline } from '../delivery/types';
import { guard } from '../utils/env';
import { refuse } from './call-reports';
import type { InstanceState } from './instance-state';
import { isRecord, own } from './values';
import { buildEngage } from './event-builder';
import { adoptMixpanelQueues } from './mixpanel-queues';
import { DEVICE_PREFIX } from './persistence';
import type { Json, Props } from './sanitize';
import { cookieKV } from './storage';
import { describe } from './validate-config';

/** What the identity rules need from the instance. */
export interface IdentitySenders {
  /** `track(event, properties)` through the instance (opt-out checked there). */
  track(core: InstanceState, event: string, properties?: unknown): void;
  /** Sends `people[op](a, b)` now, past the queue for updates made before `identify`. */
  engage(core: InstanceState, op: string, a: unknown, b?: unknown): void;
  /** The instance's pipeline, built on first need; null under Node. */
  pipeline(core: InstanceState): Pipeline | null;
}

/**
 * Whether `identify()` ran on this page (mixpanel-browser's
 * `_flags.identify_called`): until it does, people updates wait in
 * persistence, also for a visitor identified on an earlier page.
 */
const identified = new WeakSet<InstanceState>();

/**
 * Re-reads persistence; when another tab changed it, the shared event properties are made again.
 * Called before every change and every request, as mixpanel-browser reads its persistence before
 * each (MixpanelPersistence.properties, load_prop, register).
 */
export function refresh(core: InstanceState): void {
  // once per task: a burst of calls reads storage once, and what another tab writes meanwhile counts from the next task
  if (readThisTask.has(core)) return;
  readThisTask.add(core);
  void Promise.resolve().then(() => readThisTask.delete(core));
  if (core.store.load()) core.rev++;
}

/** The instances whose persistence `refresh` read in the current task. */
const readThisTask = new WeakSet<InstanceState>();

/**
 * Takes the identity over from a previous page or from mixpanel-browser, as
 * its `_init` and `_gdpr_init` do, and starts delivery unless the visitor is
 * opted out. Called once by `init`, after the config is applied.
 */
export function startIdentity(core: InstanceState, senders: IdentitySenders): void {
  const { consent, config, store } = core;
  // an opt-out kept in a cookie moves to localStorage when that is where choices are kept
  if (config.opt_out_tracking_persistence_type === 'localStorage') {
    const cookie = { persistence_type: 'cookie' };
    if (!consent.optedIn() && consent.optedIn(cookie)) consent.set('1');
    if (!consent.optedOut() && consent.optedOut(cookie)) consent.set('0');
    consent.clear(cookie);
  }
  if (consent.out()) {
    // mixpanel-browser: an opted-out visitor's persistence is cleared and stays off
    store.off = true;
    store.remove();
  } else if (!consent.optedIn() && (config.opt_out_tracking_by_default || hasOptOutCookie())) {
    guard(() => cookieKV(config)?.remove('mp_optout'), undefined);
    optOut(core, { clear_persistence: config.opt_out_persistence_by_default }, senders);
  }
  store.save();
  if (!consent.out()) {
    const pipeline = senders.pipeline(core);
    if (pipeline) {
      const adopted = adoptMixpanelQueues(core.token, pipeline);
      if (adopted) core.reporter.debug(`sending ${adopted} mixpanel-browser request(s)`);
    }
  }
  // another tab's identify(), reset() or opt-out: localStorage says so at once; a cookie is read again when the tab is seen again
  const onChange = () => refresh(core);
  guard(() => {
    window.addEventListener('storage', (e) => {
      if (e.key === store.name || e.key === null) onChange();
    });
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') onChange();
    });
  }, undefined);
}

/** mixpanel-browser's `mp_optout` cookie, an older way of opting out by default. */
const hasOptOutCookie = (): boolean => guard(() => /(^|;\s*)mp_optout=/.test(document.cookie), false);

/** `register()` of mixpanel-browser's persistence: set and write. */
function register(core: InstanceState, props: Props): void {
  Object.assign(core.store.props, props);
  core.store.save();
  // what every event carries changed within one method call (alias() tracks, then identifies):
  // the shared part of the next event is made again
  core.rev++;
}

/**
 * mixpanel-browser's `identify(new_distinct_id)`. Without an id it keeps the
 * current one (and sends the people updates waiting for it). Returns -1 when
 * the id is refused, as mixpanel-browser does.
 */
export function identify(core: InstanceState, id: unknown, senders: IdentitySenders): -1 | undefined {
  refresh(core);
  const { store } = core;
  const previous = store.props.distinct_id as string;
  let next = id == null ? previous : id;
  if (typeof next === 'number') next = String(next);
  if (typeof next !== 'string' || !next || next.length > MAX_STRING_LENGTH || (next !== previous && next.startsWith(DEVICE_PREFIX))) {
    refuse(
      core.reporter,
      'identify',
      `id must be 1-${MAX_STRING_LENGTH} characters, not starting with "${DEVICE_PREFIX}"; got ${describe(id)}`,
    );
    return -1;
  }
  if (next !== previous) register(core, { $user_id: next });
  // an id stored by an older mixpanel-browser, before it kept $device_id: that id was the device's
  if (!store.props.$device_id) register(core, { $had_persisted_distinct_id: true, $device_id: previous });
  // a new id replaces the distinct_id, unless it is the one alias() just made
  if (next !== previous && next !== store.props.__alias) {
    delete store.props.__alias;
    register(core, { distinct_id: next });
  }
  identified.add(core);
  flushPeople(core, senders);
  // on every change of id: Mixpanel's ID merge decides on the server what it means
  if (next !== previous) senders.track(core, '$identify', { distinct_id: next, $anon_distinct_id: previous });
  return undefined;
}

/**
 * mixpanel-browser's `alias(alias, original)`: `$create_alias` from the
 * current (or given) id, then `identify(alias)`. mixpanel-browser runs that
 * identify once the `$create_alias` request is answered; Outlast right after
 * enqueueing it, so that events that follow carry the same ids at once.
 * Returns -1 (alias equals the id) or -2 (alias is a people distinct_id) as
 * mixpanel-browser does.
 */
export function alias(core: InstanceState, name: unknown, original: unknown, senders: IdentitySenders): -1 | -2 | undefined {
  refresh(core);
  const { store } = core;
  const from = original === undefined ? store.props.distinct_id : original;
  if (typeof name !== 'string' || !name || name.length > MAX_STRING_LENGTH || typeof from !== 'string' || !from) {
    refuse(core.reporter, 'alias', `needs ids of 1-${MAX_STRING_LENGTH} characters; got ${describe(name)}`);
    return undefined;
  }
  if (name === store.props.$people_distinct_id) {
    refuse(core.reporter, 'alias', 'alias is an existing people distinct_id');
    return -2;
  }
  if (name === from) {
    refuse(core.reporter, 'alias', 'alias equals the distinct_id');
    identify(core, name, senders);
    return -1;
  }
  store.props.__alias = name;
  store.save();
  senders.track(core, '$create_alias', { alias: name, distinct_id: from });
  identify(core, name, senders);
  return undefined;
}

/**
 * mixpanel-browser's `reset()`: everything persisted goes (super
 * properties, timers, waiting people updates), a new anonymous identity
 * comes, and people updates wait for `identify()` again. Super properties
 * registered with `{ persistent: false }` stay, as they do there.
 */
export function reset(core: InstanceState): void {
  core.store.clear();
  identified.delete(core);
}

/**
 * mixpanel-browser's people queue keys (mixpanel-persistence.js), by update
 * action, in the order its `_flush` sends them; the last two hold lists.
 */
const QUEUE_KEYS: Record<string, string> = {
  $set: '__mps',
  $set_once: '__mpso',
  $unset: '__mpus',
  $add: '__mpa',
  $union: '__mpu',
  $append: '__mpap',
  $remove: '__mpr',
};
const ACTIONS = Object.keys(QUEUE_KEYS);

/** The `people` method that sends each action when the queue is flushed. */
const FLUSH_OPS = ['set', 'set_once', 'unset', 'increment', 'union', 'append', 'remove'];

type JsonObject = Record<string, Json>;

/**
 * mixpanel-browser's `_add_to_people_queue` (with `_get_or_create_queue`,
 * which makes every queue, and `_pop_from_people_queue`): an update made
 * before `identify()` is merged into the waiting ones as there. A `$set`
 * overrides a waiting `$add` or `$union` of the property, an `$add` adds to a
 * waiting `$set` or `$add`, an `$unset` cancels everything waiting on the
 * property, a `$remove` cancels the `$append` of the same value, and any
 * update but `$remove` cancels a waiting `$unset`.
 */
function enqueuePeople(props: Props, action: string, data: Json): void {
  const [set, setOnce, unset, add, union, append, remove] = ACTIONS.map((a, i) => {
    const key = QUEUE_KEYS[a]!;
    if (i > 4 ? !Array.isArray(props[key]) : !isRecord(props[key])) props[key] = i > 4 ? [] : {};
    return props[key] as JsonObject;
  }) as [JsonObject, JsonObject, JsonObject, JsonObject, JsonObject, JsonObject[], JsonObject[]];
  let names: string[] = [];
  if (Array.isArray(data)) names = data.filter((n): n is string => typeof n === 'string');
  else if (isRecord(data)) names = Object.keys(data);
  const cancel = (queues: JsonObject[]) => {
    for (const q of queues) for (const k of names) delete q[k];
  };
  if (action === '$unset') {
    cancel([set, setOnce, add, union, ...append]);
    for (const k of names) unset[k] = true;
    return;
  }
  if (!isRecord(data)) return;
  if (action === '$remove') {
    remove.push(data);
    for (const item of append) for (const k of names) if (item[k] === data[k]) delete item[k];
    return;
  }
  cancel([unset]);
  if (action === '$set') {
    Object.assign(set, data);
    cancel([add, union]);
  } else if (action === '$append') append.push(data);
  else
    for (const k of names) {
      const v = data[k]!;
      if (action === '$set_once') {
        if (!(k in setOnce)) setOnce[k] = v;
      } else if (action === '$add') {
        if (k in set) set[k] = (set[k] as number) + (v as number);
        else add[k] = ((add[k] as number) || 0) + (v as number);
      } else if (action === '$union' && Array.isArray(v)) {
        const list = Array.isArray(union[k]) ? (union[k] as Json[]) : (union[k] = []);
        for (const item of v) if (list.indexOf(item) < 0) list.push(item);
      }
    }
}

/**
 * A people update made before `identify()` on this page waits in
 * persistence, merged with the others, as mixpanel-browser's
 * `MixpanelPeople._send_request` does; the callback gets -1 (queued), as
 * there. `delete_user` before `identify()` is refused, as there. Returns
 * whether the update was kept back (true) or is for the caller to send.
 */
export function holdPeople(core: InstanceState, op: string, a: unknown, b: unknown, callback: unknown): boolean {
  // identified, or opted out (the caller then sends nothing and answers 0)
  if (identified.has(core) || core.consent.out()) return false;
  if (op === 'delete_user') {
    refuse(core.reporter, 'people.delete_user', 'needs identify() first');
  } else {
    const built = buildEngage(core, op, a, b);
    if (!built) return true;
    const body = JSON.parse(built) as JsonObject;
    const action = ACTIONS.find((k) => k in body);
    if (action) {
      refresh(core);
      enqueuePeople(core.store.props, action, body[action]!);
      core.store.save();
      core.reporter.debug('kept until identify()', body);
    }
  }
  if (typeof callback === 'function')
    try {
      callback(-1);
    } catch {
      // the page's callback failing is the page's business
    }
  return true;
}

/**
 * mixpanel-browser's `MixpanelPeople._flush`: sends what waited for
 * `identify()`, one request per queue, and one per `$append` and `$remove`,
 * the last queued first, as it pops them.
 */
function flushPeople(core: InstanceState, senders: IdentitySenders): void {
  const { props } = core.store;
  const sends: Array<[op: string, value: unknown]> = [];
  ACTIONS.forEach((action, i) => {
    const key = QUEUE_KEYS[action]!;
    const q = own(props, key) as Json | undefined;
    if (Array.isArray(q)) {
      for (let j = q.length - 1; j >= 0; j--) if (isRecord(q[j]) && Object.keys(q[j]!).length) sends.push([FLUSH_OPS[i]!, q[j]]);
    } else if (isRecord(q) && Object.keys(q).length) sends.push([FLUSH_OPS[i]!, action === '$unset' ? Object.keys(q) : q]);
    delete props[key];
  });
  if (!sends.length) return;
  core.store.save();
  for (const [op, value] of sends) senders.engage(core, op, value);
}

/** Options of `opt_out_tracking` as mixpanel-browser takes them. */
const optionsOf = (options: unknown): Record<string, unknown> => (isRecord(options) ? options : {});

/**
 * mixpanel-browser's `opt_out_tracking(options)`: the identified user's
 * profile is deleted first (`delete_user`, default true) and their charges
 * cleared; the choice is stored; persistence is removed and stops
 * (`clear_persistence`, default true), keeping this page's ids in memory so
 * that an opt-in on the same page continues them. The caller stops delivery.
 */
export function optOut(core: InstanceState, options: unknown, senders: IdentitySenders): void {
  const o = optionsOf(options);
  if (o.delete_user !== false && identified.has(core)) {
    senders.engage(core, 'delete_user', undefined);
    senders.engage(core, 'set', { $transactions: [] });
  }
  core.consent.set('0', o);
  if (o.clear_persistence !== false && !core.store.off) {
    core.store.remove();
    core.store.off = true;
  }
}

/**
 * mixpanel-browser's `opt_in_tracking(options)`: the choice is stored, an
 * `$opt_in` event (or `track_event_name`, with `track_properties`) is
 * tracked unless `track` is false (or made by the `track` function given),
 * and persistence starts again (`enable_persistence`, default true). The
 * caller starts delivery.
 */
export function optIn(core: InstanceState, options: unknown, senders: IdentitySenders): void {
  const o = optionsOf(options);
  core.consent.set('1', o);
  const event = typeof o.track_event_name === 'string' && o.track_event_name ? o.track_event_name : '$opt_in';
  if (typeof o.track === 'function')
    guard(() => (o.track as (e: string, p: unknown, x: unknown) => void)(event, o.track_properties, { send_immediately: true }), undefined);
  else if (o.track !== false) senders.track(core, event, o.track_properties);
  if (o.enable_persistence !== false) enablePersistence(core);
}

/**
 * mixpanel-browser's `clear_opt_in_out_tracking(options)`: forgets the
 * choice, and starts persistence again (`enable_persistence`, default true).
 */
export function clearOptInOut(core: InstanceState, options: unknown): void {
  const o = optionsOf(options);
  core.consent.clear(o);
  if (o.enable_persistence !== false) enablePersistence(core);
}

function enablePersistence(core: InstanceState): void {
  if (core.config.disable_persistence || !core.store.off) return;
  core.store.off = false;
  core.store.save();
}
