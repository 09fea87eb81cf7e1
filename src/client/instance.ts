/**
 * One Mixpanel instance: the public methods over an instance's state.
 * Before `init` a command is queued (with the time it was made) and
 * replayed by `init` in order; getters answer with what they answer when
 * nothing is known. Every method is wrapped so that nothing it does can
 * throw into the page.
 */
import { apiHosts, DEFAULT_CONFIG, type Endpoint } from '../config';
import { MAX_STRING_LENGTH } from '../constants';
import type { PipelineOptions } from '../delivery/pipeline';
import type { DeliveryState, Pipeline } from '../delivery/types';
import { isBrowser, isOffline } from '../utils/env';
import { createReporter, type ErrorReport, type Reporter } from '../utils/report';
import { arrive } from './arrival';
import { refuse, reportNotes } from './call-reports';
import { trackElements } from './element-tracking';
import { buildEngage, buildEvent, buildGroupUpdate, GROUP_ACTIONS, PEOPLE_ACTIONS, type BodyJson } from './event-builder';
import { isCrawlerPage, pageviewProperties } from './environment';
import { createHooks } from './hooks';
import type { InstanceState } from './instance-state';
import type { InstanceStubMethod } from './method-names';
import { alias, clearOptInOut, holdPeople, identify, optIn, optOut, refresh, reset, startIdentity, type IdentitySenders } from './identity';
import { openConsent, openPersistence } from './persistence';
import { cleanProperties, type Json, type Props } from './sanitize';
import type { Group, Mixpanel } from './types';
import { createFlags, onceInDebug } from './unsupported';
import { describe, validateConfig } from './validate-config';
import { isName, isRecord, own } from './values';

export type { PipelineOptions };
export type PipelineFactory = (options: PipelineOptions) => Pipeline;

/**
 * Calls kept before `init`. mixpanel-browser's stub keeps all; a page that
 * never calls `init` must not grow memory forever, and no page makes a
 * thousand calls before it does.
 */
const MAX_QUEUED_CALLS = 1000;

/** Group objects kept for `get_group()` to hand back the same one; past this the cache starts again. */
const MAX_CACHED_GROUPS = 100;

export interface Instance {
  api: Mixpanel;
  started(): boolean;
  /** Initialises with `token`; false (reported) when the token is unusable. */
  start(token: unknown, config: unknown): boolean;
  report(r: ErrorReport): void;
}

/**
 * What the getters answer before `init` or when they fail, when it is not
 * undefined: they need the instance's state, so they are never queued (and
 * the stub has none).
 */
const GETTER_IDLE_ANSWERS = {
  get_api_host: '',
  has_opted_out_tracking: false,
  has_opted_in_tracking: false,
} as const;

/** mixpanel-browser's hook for the request bodies of each endpoint (`before_send_<type>`). */
const SEND_HOOKS: Record<Endpoint, string> = { track: 'before_send_events', engage: 'before_send_people', groups: 'before_send_groups' };

type Impl = (c: InstanceState, ...args: any[]) => unknown;

/** The arguments before a trailing callback, and the callback (mixpanel-browser's optional last argument). */
const splitCallback = (args: unknown[]): [unknown[], unknown] =>
  typeof args[args.length - 1] === 'function' ? [args.slice(0, -1), args[args.length - 1]] : [args, undefined];

/** A new, uninitialised instance whose `init` is the library's; `name` is what `toString()` says. */
export function createInstance(createPipeline: PipelineFactory, init: Mixpanel['init'], name = 'mixpanel'): Instance {
  let core: InstanceState | null = null;
  let pipe: Pipeline | null = null;
  let replayAt = 0;
  let overflow = 0;
  /** Whether sending may start: at once, or after `start_batch_senders()` with `batch_autostart: false`. */
  let sendersStarted = false;
  const queue: [string, unknown[], number][] = [];
  let fallback: Reporter = createReporter(() => DEFAULT_CONFIG);
  const current = (): Reporter => (core ? core.reporter : fallback);
  const report = (r: ErrorReport): void => current().report(r);
  const invalid = (method: string, why: string): null => refuse(current(), method, why);
  /** A delivery failure: no call hears of it, `on_error` does. */
  const deliveryFailed = (e: unknown): void => report({ code: 'delivery', message: String(e) });
  const notSupported = onceInDebug(current);

  /** `f()` as a promise that never rejects: a failure is reported and answered with `otherwise`. */
  const later = <T>(f: () => T | Promise<T>, otherwise: T): Promise<T> =>
    Promise.resolve()
      .then(f)
      .catch((e) => {
        deliveryFailed(e);
        return otherwise;
      });

  /** `get_delivery_state()` when there is no pipeline (before `init`, under Node, opted out). */
  const idleState = (): DeliveryState => ({
    queued: 0,
    bytes: 0,
    store: 'memory',
    in_flight: 0,
    delivered: 0,
    retried: 0,
    dropped: 0,
    host: '',
    next_attempt_at: null,
    is_sender: false,
    offline: isOffline(),
  });

  /**
   * The instance's pipeline, built on first need; none under Node. Until the
   * senders are started it is paused, and stays paused whatever asks it to
   * resume: with `batch_autostart: false` nothing leaves before
   * `start_batch_senders()`.
   */
  const pipeline = (c: InstanceState): Pipeline | null => {
    if (pipe || !isBrowser()) return pipe;
    try {
      const made = createPipeline({ token: c.token, config: () => c.config, reporter: c.reporter });
      sendersStarted = sendersStarted || c.config.batch_autostart !== false;
      if (!sendersStarted) made.pause();
      pipe = {
        ...made,
        resume: () => {
          if (sendersStarted) made.resume();
        },
      };
      return pipe;
    } catch (e) {
      deliveryFailed('delivery could not start: ' + e);
      return null;
    }
  };

  /** Sending starts again, or for the first time, unless the visitor is opted out. */
  const resumeSending = (c: InstanceState): void => {
    if (c.consent.out()) return;
    if (pipe) pipe.resume();
    else pipeline(c);
  };

  /** `built` as the page's `before_send_<type>` hooks leave it, or null when they drop it. */
  const sendHooks = (c: InstanceState, ep: Endpoint, built: BodyJson): BodyJson | null => {
    const hook = SEND_HOOKS[ep];
    if (!c.hooks.has(hook)) return built;
    const out = c.hooks.run(hook, [JSON.parse(built)], api);
    if (!out) return null;
    if (!isRecord(out[0])) return invalid(hook, 'must return the request body or null; the call is dropped');
    return JSON.stringify(out[0]);
  };

  /** Enqueues what `build()` returns unless opted out; `callback` gets 1 once it is durable, else 0. */
  const send = (c: InstanceState, ep: Endpoint, build: () => BodyJson | null, callback?: unknown): void => {
    const out = c.consent.out();
    // what another tab stored since (a reset, an identify, a register) is what this request carries
    if (!out) refresh(c);
    const made = out ? null : build();
    const built = made && sendHooks(c, ep, made);
    const p = built && pipeline(c);
    if (p) p.enqueue(ep, built!);
    if (typeof callback !== 'function') return;
    const durable = p
      ? p.settle().then(
          () => 1,
          () => 0,
        )
      : Promise.resolve(0);
    void durable.then((status) => {
      try {
        callback(status);
      } catch {
        // the page's callback failing is the page's business
      }
    });
  };

  /** Whether `disable()` turned `event` off (mixpanel-browser's `_event_is_disabled`). */
  const isDisabled = (c: InstanceState, event: unknown): boolean =>
    c.disabled.all || (typeof event === 'string' && c.disabled.events.indexOf(event) >= 0);

  /**
   * Tracks `event`: with `hooked`, as the page calls `track()`, the page's
   * `before_track` first, as mixpanel-browser runs it; without, what the
   * library itself sends (`$identify`, `$opt_in`...).
   */
  const track = (c: InstanceState, event: unknown, properties?: unknown, callback?: unknown, base?: Props, hooked?: boolean): void => {
    const given = hooked && c.hooks.has('before_track') ? c.hooks.run('before_track', [event, properties], api) : [event, properties];
    // a crawler's page views would count as visits: mixpanel-browser sends nothing for them either
    const sent = given && !isDisabled(c, given[0]) && !isCrawlerPage();
    send(c, 'track', () => (sent ? buildEvent(c, given[0], given[1], base) : null), callback);
  };

  /** Sanitized properties for register-like calls, changes reported. */
  const clean = (c: InstanceState, where: string, props: unknown): Props => {
    const notes: string[] = [];
    const out = cleanProperties(props, notes);
    reportNotes(c, where, notes);
    return out;
  };

  /**
   * Applies a register-like call's change to this page's super properties with `{ persistent: false }`,
   * else to the persisted ones, read afresh and written back whole.
   */
  const changeSuperProperties = (c: InstanceState, options: unknown, change: (target: Props) => unknown): void => {
    if (isRecord(options) && options.persistent === false) change(c.extra);
    else c.store.update(change);
  };

  /** Runs `impl` with the state, counting the call as one that may change what every event carries. */
  const run = (c: InstanceState, changes: boolean, impl: Impl, args: unknown[]): unknown => {
    // before too: identify() changes identity, then tracks $identify with it
    if (changes) c.rev++;
    try {
      return impl(c, ...args);
    } finally {
      if (changes) c.rev++;
    }
  };

  /** Wraps an implementation as a public command: queued before `init`, never throwing. */
  const command = (name: string, impl: Impl) => {
    const changes = !/^(track|people\.|_group_update)/.test(name);
    // mixpanel-browser's before_identify, before_register... run on the arguments first
    const hook = 'before_' + name;
    return (...args: unknown[]): unknown => {
      try {
        if (core) {
          const given = core.hooks.has(hook) ? core.hooks.run(hook, args, api) : args;
          return given ? run(core, changes, impl, given) : undefined;
        }
        // under Node (SSR) nothing will ever run these: keep nothing
        if (!isBrowser()) return;
        if (queue.length < MAX_QUEUED_CALLS) queue.push([name, args, Date.now()]);
        else overflow++;
      } catch (e) {
        invalid(name, 'failed: ' + e);
      }
    };
  };

  /** What the identity rules send through. */
  const senders: IdentitySenders = {
    track: (c, event, properties) => track(c, event, properties),
    engage: (c, op, a, b) => send(c, 'engage', () => buildEngage(c, op, a, b)),
    pipeline,
  };

  /** Wraps a getter: its idle answer before `init` and when it fails. */
  const getter = (name: string, impl: Impl) => {
    const idle: unknown = own(GETTER_IDLE_ANSWERS, name);
    return (...args: unknown[]): unknown => {
      try {
        return core ? impl(core, ...args) : idle;
      } catch (e) {
        invalid(name, 'failed: ' + e);
        return idle;
      }
    };
  };

  /** mixpanel-browser's `addOptOutCheckMixpanelLib`: the call does nothing once the user opted out. */
  const unlessOptedOut =
    (impl: Impl): Impl =>
    (c, ...args) =>
      c.consent.out() ? undefined : impl(c, ...args);

  /** The page's `register`, hooks and all, for the methods mixpanel-browser builds on it. */
  const register = (props: Props) => api.register(props);

  const commands: { [Name in InstanceStubMethod]: Impl } & Record<string, Impl> = {
    track: (c, event, properties, options, callback) =>
      track(c, event, properties, typeof options === 'function' ? options : callback, undefined, true),
    track_pageview: (c, properties, options) =>
      track(
        c,
        isRecord(options) && isName(options.event_name) ? options.event_name : '$mp_web_page_view',
        properties,
        undefined,
        pageviewProperties(),
        true,
      ),
    track_links: (c, ...args) => trackElements('click', 'track_links', args, api.track, c.reporter),
    track_forms: (c, ...args) => trackElements('submit', 'track_forms', args, api.track, c.reporter),
    track_with_groups: unlessOptedOut((c, event, properties, groups, callback) => {
      const props: Record<string, unknown> = Object.assign({}, isRecord(properties) ? properties : {});
      if (isRecord(groups)) for (const key in groups) if (groups[key] != null) props[key] = groups[key];
      api.track(event, props, callback);
    }),
    register: (c, props, options) => {
      const p = clean(c, 'register', props);
      changeSuperProperties(c, options, (target) => Object.assign(target, p));
    },
    register_once: (c, props, dflt = 'None', options) => {
      const p = clean(c, 'register_once', props);
      changeSuperProperties(c, options, (target) => {
        for (const k in p) if (own(target, k) === undefined || target[k] === dflt) target[k] = p[k]!;
      });
    },
    unregister: (c, name, options) => {
      if (name === 'distinct_id' || name === '$device_id') return invalid('unregister', name + ' is identity; use reset()');
      if (!isName(name)) return invalid('unregister', 'needs a property name; got ' + describe(name));
      changeSuperProperties(c, options, (target) => delete target[name]);
      delete c.extra[name];
    },
    identify: (c, id) => identify(c, id, senders),
    alias: (c, name, original) => alias(c, name, original, senders),
    reset,
    name_tag: (_, tag) => register({ mp_name_tag: tag }),
    time_event: (c, name) => {
      if (!isName(name)) return invalid('time_event', 'needs an event name; got ' + describe(name));
      if (isDisabled(c, name)) return;
      c.store.update((_, timers) => {
        timers[name] = c.now();
      });
    },
    set_config: (c, partial) => {
      applyConfig(c.config, partial, c.reporter);
      if (isRecord(partial) && 'hooks' in partial) c.hooks.replace(partial.hooks);
    },
    set_group: unlessOptedOut((_, key, ids, callback) => {
      const list = Array.isArray(ids) ? ids : [ids];
      register({ [key]: list });
      api.people.set(key, list, callback);
    }),
    add_group: unlessOptedOut((c, key, id, callback) => {
      const had = own(c.store.props, String(key));
      const list: Json[] = Array.isArray(had) ? had.slice() : [];
      if (list.indexOf(id) < 0) register({ [key]: list.concat([id]) });
      api.people.union(key, id, callback);
    }),
    remove_group: unlessOptedOut((c, key, id, callback) => {
      const had = own(c.store.props, String(key));
      if (Array.isArray(had)) {
        // mixpanel-browser registers the shorter list under the literal name "group_key" (a bug): here under `key`
        const rest = had.filter((x) => x !== id);
        if (rest.length) register({ [key]: rest });
        else api.unregister(key);
      }
      api.people.remove(key, id, callback);
    }),
    disable: (c, events) => {
      if (events === undefined) c.disabled.all = true;
      else if (Array.isArray(events)) c.disabled.events = c.disabled.events.concat(events.filter(isName));
      else invalid('disable', 'needs a list of event names, or nothing; got ' + describe(events));
    },
    enable: (c, events) => {
      if (events === undefined) c.disabled.all = false;
      else if (Array.isArray(events)) c.disabled.events = c.disabled.events.filter((name) => events.indexOf(name) < 0);
    },
    opt_out_tracking: (c, options) => {
      optOut(c, options, senders);
      const p = pipeline(c);
      // closed, not paused: an opted-out tab keeps no sending role from tabs that opt in again
      pipe = null;
      if (p)
        void p
          .purge()
          .catch(deliveryFailed)
          .then(() => p.close());
    },
    opt_in_tracking: (c, options) => {
      optIn(c, options, senders);
      resumeSending(c);
    },
    clear_opt_in_out_tracking: (c, options) => {
      // the default applies again: mixpanel-browser turns persistence back on
      clearOptInOut(c, options);
      resumeSending(c);
    },
    start_batch_senders: (c) => {
      sendersStarted = true;
      resumeSending(c);
    },
    stop_batch_senders: () => notSupported('stop_batch_senders'),
    add_hook: (c, hookName, hook) => c.hooks.add(hookName, hook),
    remove_hook: (c, hookName, hook) => c.hooks.remove(hookName, hook),
    push: (_, item) => {
      if (typeof item === 'function') item.call(api, api);
      else if (Array.isArray(item) && isName(item[0])) call(item[0], item.slice(1));
      else invalid('push', 'needs a function or [method, ...args]; got ' + describe(item));
    },
    start_session_recording: () => notSupported('session recording'),
    stop_session_recording: () => notSupported('session recording'),
    pause_session_recording: () => notSupported('session recording'),
    resume_session_recording: () => notSupported('session recording'),
    /** What a `Group` object's methods call: queued like any command before `init`. */
    _group_update: (c, key, id, op, args: unknown[]) => {
      const [given, callback] = splitCallback(args);
      send(c, 'groups', () => buildGroupUpdate(c, key, id, op, given[0], given[1]), callback);
    },
  };

  const getters: Record<string, Impl> = {
    get_distinct_id: (c) => c.store.props.distinct_id,
    get_property: (c, name) => {
      const v = own(c.store.props, String(name));
      return v === undefined ? own(c.extra, String(name)) : v;
    },
    get_config: (c, key) => (key === undefined ? { ...c.config } : own(c.config, String(key))),
    get_api_host: (c) => apiHosts(c.config)[0] || '',
    has_opted_out_tracking: (c) => c.consent.out(),
    has_opted_in_tracking: (c) => c.consent.optedIn(),
  };

  /** One `/engage` update per `PEOPLE_ACTIONS` method; the callback is the last argument when it is a function. */
  const sendPeople =
    (op: string): Impl =>
    (c, ...args) => {
      const [given, callback] = splitCallback(args);
      // before identify() on this page, the update waits in persistence as mixpanel-browser's
      if (holdPeople(c, op, given[0], given[1], callback)) return;
      send(c, 'engage', () => buildEngage(c, op, given[0], given[1]), callback);
    };
  const peopleCommands: Record<string, Impl> = {
    track_charge: () => notSupported('people.track_charge (deprecated by Mixpanel)'),
    clear_charges: (_, callback) => api.people.set('$transactions', [], callback),
  };
  for (const op in PEOPLE_ACTIONS) peopleCommands[op] = sendPeople(op);

  const groups = new Map<string, Group>();
  /** mixpanel-browser's `get_group`: one object per key and id, whose methods send `/groups` updates. */
  const getGroup = (key: unknown, id: unknown): Group => {
    let cacheKey = String(key) + '_';
    try {
      cacheKey += JSON.stringify(id);
    } catch {
      cacheKey += String(id);
    }
    let group = groups.get(cacheKey);
    if (group) return group;
    if (groups.size >= MAX_CACHED_GROUPS) groups.clear();
    const made: Record<string, unknown> = {};
    for (const op in GROUP_ACTIONS)
      made[op] = (...args: unknown[]) => {
        api['_group_update' as 'track'](key as string, id as never, op as never, args as never);
        return group;
      };
    group = made as unknown as Group;
    groups.set(cacheKey, group);
    return group;
  };

  const people: Record<string, unknown> = {};
  for (const op in peopleCommands) people[op] = command('people.' + op, peopleCommands[op]!);
  const api = {
    init,
    people,
    flags: createFlags(notSupported),
    // the recording getters need no state: what mixpanel-browser answers when nothing records
    get_session_recording_properties: () => {
      notSupported('session recording');
      // a fresh object each time: the page may change what it is given
      return {};
    },
    get_session_replay_url: () => {
      notSupported('session recording');
      return null;
    },
    is_recording_heatmap_data: () => false,
    get_tab_id: () => null,
    get_group: (key: unknown, id: unknown) => {
      try {
        return getGroup(key, id);
      } catch (e) {
        invalid('get_group', 'failed: ' + e);
        return getGroup('', '');
      }
    },
    toString: () => name,
    // these work before `init` too, and never reject
    get_delivery_state: () => later(() => (pipe ? pipe.state() : idleState()), idleState()),
    flush: () => later(() => (pipe ? pipe.flush() : undefined), undefined),
    _settle: () => later(() => (pipe ? pipe.settle() : undefined), undefined),
  } as unknown as Mixpanel & Record<string, unknown>;
  for (const method in commands) api[method] = command(method, commands[method]!);
  for (const method in getters) api[method] = getter(method, getters[method]!);

  /** Calls a method by its dotted name (`people.set`, or `<instance>.track` on the library). */
  function call(path: string, args: unknown[]): void {
    let owner: unknown;
    let target: unknown = api;
    for (const part of path.split('.')) {
      owner = target;
      target = target && typeof target === 'object' ? own(target, part) : undefined;
    }
    if (typeof target === 'function') target.apply(owner, args);
    else invalid('push', `no method "${path}"`);
  }

  function start(token: unknown, config: unknown): boolean {
    // a token goes into every event and storage key: Mixpanel's are 32 characters
    if (!isName(token) || token.length > MAX_STRING_LENGTH) {
      const cfg = isRecord(config) ? config : {};
      fallback = createReporter(() => ({ debug: cfg.debug === true, on_error: cfg.on_error as never }));
      invalid('init', 'needs your project token (1-' + MAX_STRING_LENGTH + ' characters); got ' + describe(token));
      return false;
    }
    const live = { ...DEFAULT_CONFIG, token } as InstanceState['config'];
    const liveReporter = createReporter(() => live);
    // config first (on_error and debug included), so that what follows is reported as the page asked
    applyConfig(live, config, liveReporter);
    const hooks = createHooks(liveReporter);
    if (isRecord(config) && 'hooks' in config) hooks.replace(config.hooks);
    const c: InstanceState = (core = {
      token,
      config: live,
      reporter: liveReporter,
      store: openPersistence(token, live, liveReporter),
      extra: {},
      consent: openConsent(token, live),
      hooks,
      disabled: { all: false, events: [] },
      now: () => replayAt || Date.now(),
      rev: 0,
    });
    api.__loaded = true;
    if (overflow) invalid('init', `${overflow} calls made before init() were dropped (over ${MAX_QUEUED_CALLS})`);
    startIdentity(c, senders);
    arrive(c, api);
    for (const [method, args, at] of queue.splice(0)) {
      replayAt = at;
      call(method, args);
    }
    replayAt = 0;
    try {
      if (live.loaded) live.loaded(api);
    } catch (e) {
      invalid('init', 'the loaded callback threw: ' + e);
    }
    return true;
  }

  return { api, started: () => !!core, start, report };
}

/** Merges the acceptable options of `partial` into `config` and reports the others. */
function applyConfig(config: InstanceState['config'], partial: unknown, reporter: Reporter): void {
  const problems: string[] = [];
  const notes: string[] = [];
  Object.assign(config, validateConfig(partial, config, problems, notes));
  for (const message of problems) reporter.report({ code: 'invalid_config', message });
  for (const note of notes) reporter.debug(note);
}
