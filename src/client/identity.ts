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
 * Every change is a `store.update()`, which starts from what is stored now
 * (another tab may have identified or reset meanwhile); a change made by
 * another tab is taken over when it writes localStorage or when this tab
 * becomes visible again.
 */
import { MAX_STRING_LENGTH } from '../constants';
import type { Pipeline } from '../delivery/types';
import { guard, safeLocalStorage } from '../utils/env';
import { refuse } from './call-reports';
import type { InstanceState } from './instance-state';
import { isName, isRecord, own } from './values';
import { buildEngage, PEOPLE_ACTIONS } from './event-builder';
import type { PeopleStubMethod } from './method-names';
import { adoptMixpanelQueues } from './mixpanel-queues';
import { DEVICE_PREFIX } from './persistence';
import type { Json, Props } from './sanitize';
import { openKV } from './storage';
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
 * Re-reads persistence, at most once per task, as mixpanel-browser reads its
 * persistence before each request (MixpanelPersistence.properties, load_prop).
 */
export const refresh = (core: InstanceState): void => core.store.refresh();

/**
 * Takes the identity over from a previous page or from mixpanel-browser, as
 * its `_init` and `_gdpr_init` do, and starts delivery unless the visitor is
 * opted out. Called once by `init`, after the config is applied.
 */
export function startIdentity(core: InstanceState, senders: IdentitySenders): void {
  const { consent, config, store } = core;
  // an opt-in or opt-out kept in a cookie moves to localStorage when that is where choices are kept
  if (config.opt_out_tracking_persistence_type === 'localStorage' && safeLocalStorage()) {
    const cookie = { persistence_type: 'cookie' };
    const choice = consent.get(cookie);
    if (choice === '0' || choice === '1') consent.set(choice);
    consent.set(null, cookie);
  }
  const cookies = openKV('cookie', config);
  if (consent.out()) {
    // mixpanel-browser: an opted-out visitor's persistence is cleared and stays off
    store.stop();
  } else if (!consent.optedIn() && (config.opt_out_tracking_by_default || (cookies && cookies.get('mp_optout')))) {
    // mp_optout: mixpanel-browser's cookie of an older way of opting out by default
    if (cookies) cookies.remove('mp_optout');
    optOut(core, { clear_persistence: config.opt_out_persistence_by_default }, senders);
  }
  store.update();
  const pipeline = consent.out() ? null : senders.pipeline(core);
  if (pipeline) {
    const adopted = adoptMixpanelQueues(core.token, pipeline);
    if (adopted) core.reporter.debug(`sending ${adopted} mixpanel-browser request(s)`);
  }
  // another tab's identify(), reset() or opt-out, for the getters: a write to localStorage says so at once, a
  // cookie is read again when the tab is shown again (a read that finds the entry unchanged costs one string compare)
  const refreshStore = () => store.refresh();
  guard(() => {
    addEventListener('storage', refreshStore);
    document.addEventListener('visibilitychange', refreshStore);
  }, undefined);
}

/** An id identify() and alias() accept: a string of 1 to `MAX_STRING_LENGTH` characters. */
const isId = (v: unknown): v is string => isName(v) && v.length <= MAX_STRING_LENGTH;

/**
 * mixpanel-browser's `identify(new_distinct_id)`, in one change of the
 * stored entry: `$user_id`, the `$device_id` of an older visitor, the
 * distinct_id (unless it is the alias just made), and the people updates
 * that waited for it, which are sent, then `$identify`. Without an id it
 * keeps the current one (and sends the waiting updates). Returns -1 when the
 * id is refused, as mixpanel-browser does.
 */
export function identify(core: InstanceState, id: unknown, senders: IdentitySenders): -1 | undefined {
  let previous = '';
  let next = typeof id === 'number' ? String(id) : id;
  let usable = false;
  const sends: Array<[op: string, value: Json]> = [];
  core.store.update((props) => {
    previous = props.distinct_id as string;
    if (next == null) next = previous;
    usable = isId(next) && (next === previous || !next.startsWith(DEVICE_PREFIX));
    if (!usable) return;
    if (next !== previous) props.$user_id = next as string;
    // an id stored by an older mixpanel-browser, before it kept $device_id: that id was the device's
    if (!props.$device_id) Object.assign(props, { $had_persisted_distinct_id: true, $device_id: previous });
    // a new id replaces the distinct_id, unless it is the one alias() just made
    if (next !== previous && next !== props.__alias) {
      delete props.__alias;
      props.distinct_id = next as string;
    }
    takePeople(props, sends);
  });
  if (!usable) {
    refuse(
      core.reporter,
      'identify',
      `id must be 1-${MAX_STRING_LENGTH} characters, not starting with "${DEVICE_PREFIX}"; got ${describe(id)}`,
    );
    return -1;
  }
  identified.add(core);
  for (const [op, value] of sends) senders.engage(core, op, value);
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
  const { store } = core;
  store.refresh();
  const from = original === undefined ? store.props.distinct_id : original;
  if (!isId(name) || !isId(from)) {
    refuse(core.reporter, 'alias', `needs ids of 1-${MAX_STRING_LENGTH} characters; got ${describe(name)}`);
    return undefined;
  }
  if (name === store.props.$people_distinct_id) {
    refuse(core.reporter, 'alias', 'alias is an existing people distinct_id');
    return -2;
  }
  if (name === from) refuse(core.reporter, 'alias', 'alias equals the distinct_id');
  else {
    store.update((props) => {
      props.__alias = name;
    });
    senders.track(core, '$create_alias', { alias: name, distinct_id: from });
  }
  identify(core, name, senders);
  return name === from ? -1 : undefined;
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
 * mixpanel-browser's people queues (mixpanel-persistence.js): the `people`
 * method of each and its key in the entry, in the order its `_flush` sends
 * them; the last two hold lists.
 */
const QUEUES: Array<[op: PeopleStubMethod, key: string]> = [
  ['set', '__mps'],
  ['set_once', '__mpso'],
  ['unset', '__mpus'],
  ['increment', '__mpa'],
  ['union', '__mpu'],
  ['append', '__mpap'],
  ['remove', '__mpr'],
];

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
function enqueuePeople(props: Props, op: string, data: Json): void {
  const [set, setOnce, unset, add, union, append, remove] = QUEUES.map(([, key], i) => {
    if (i > 4 ? !Array.isArray(props[key]) : !isRecord(props[key])) props[key] = i > 4 ? [] : {};
    return props[key] as JsonObject;
  }) as [JsonObject, JsonObject, JsonObject, JsonObject, JsonObject, JsonObject[], JsonObject[]];
  let names: string[] = [];
  if (Array.isArray(data)) names = data.filter((n): n is string => typeof n === 'string');
  else if (isRecord(data)) names = Object.keys(data);
  const cancel = (queues: JsonObject[]) => {
    for (const q of queues) for (const k of names) delete q[k];
  };
  if (op === 'unset') {
    cancel([set, setOnce, add, union, ...append]);
    for (const k of names) unset[k] = true;
    return;
  }
  if (!isRecord(data)) return;
  if (op === 'remove') {
    remove.push(data);
    for (const item of append) for (const k of names) if (item[k] === data[k]) delete item[k];
    return;
  }
  cancel([unset]);
  if (op === 'set') {
    Object.assign(set, data);
    cancel([add, union]);
  } else if (op === 'append') append.push(data);
  else
    for (const k of names) {
      const v = data[k]!;
      if (op === 'set_once') {
        if (!(k in setOnce)) setOnce[k] = v;
      } else if (op === 'increment') {
        if (k in set) set[k] = (set[k] as number) + (v as number);
        else add[k] = ((add[k] as number) || 0) + (v as number);
      } else if (op === 'union' && Array.isArray(v)) {
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
    core.store.update((props) => enqueuePeople(props, op, body[PEOPLE_ACTIONS[op as PeopleStubMethod]]!));
    core.reporter.debug('kept until identify()', body);
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
 * mixpanel-browser's `MixpanelPeople._flush`: takes what waited for
 * `identify()` out of `props` into `sends`, one request per queue, and one
 * per `$append` and `$remove`, the last queued first, as it pops them.
 */
function takePeople(props: Props, sends: Array<[op: string, value: Json]>): void {
  for (const [op, key] of QUEUES) {
    const q = own(props, key) as Json | undefined;
    if (Array.isArray(q)) {
      for (let j = q.length - 1; j >= 0; j--) if (isRecord(q[j]) && Object.keys(q[j]!).length) sends.push([op, q[j]!]);
    } else if (isRecord(q) && Object.keys(q).length) sends.push([op, op === 'unset' ? Object.keys(q) : q]);
    delete props[key];
  }
}

/** Options of the opt-in/out methods as mixpanel-browser takes them. */
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
  if (o.clear_persistence !== false) core.store.stop();
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
  const event = isName(o.track_event_name) ? o.track_event_name : '$opt_in';
  if (typeof o.track === 'function')
    guard(() => (o.track as (e: string, p: unknown, x: unknown) => void)(event, o.track_properties, { send_immediately: true }), undefined);
  else if (o.track !== false) senders.track(core, event, o.track_properties);
  enablePersistence(core, o);
}

/**
 * mixpanel-browser's `clear_opt_in_out_tracking(options)`: forgets the
 * choice, and starts persistence again (`enable_persistence`, default true).
 */
export function clearOptInOut(core: InstanceState, options: unknown): void {
  const o = optionsOf(options);
  core.consent.set(null, o);
  enablePersistence(core, o);
}

/** mixpanel-browser's `_gdpr_update_persistence({ enable_persistence })`: what this page holds is stored again. */
function enablePersistence(core: InstanceState, o: Record<string, unknown>): void {
  if (o.enable_persistence === false || !core.store.off) return;
  core.store.off = false;
  core.store.update();
}
