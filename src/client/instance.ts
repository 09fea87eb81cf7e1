/**
 * One Mixpanel instance: the public methods over an instance's core.
 * Before `init` a method call is queued (with the time it was made) and
 * replayed by `init` in order; getters answer with defaults. Every method is
 * wrapped so that nothing it does can throw into the page.
 */
import { DEFAULT_CONFIG, type Config, type Endpoint } from '../config';
import { MAX_STRING_LENGTH } from '../constants';
import type { PipelineOptions } from '../delivery/pipeline';
import type { DeliveryState, Pipeline } from '../delivery/types';
import { isBrowser, isOffline } from '../utils/env';
import { createReporter, type ErrorReport, type Reporter } from '../utils/report';
import { isRecord, own, refuse, reportNotes, type Core } from './core';
import { buildEngage, buildEvent, PEOPLE_ACTIONS, type Built } from './event-builder';
import { pageviewProperties } from './environment';
import { alias, holdPeople, identify, optIn, optOut, reset, startIdentity, type IdentitySenders } from './identity';
import { openConsent, openPersistence } from './persistence';
import { cleanProperties, type Props } from './sanitize';
import type { Mixpanel } from './types';
import { describe, validateConfig } from './validate-config';

export type { PipelineOptions };
export type PipelineFactory = (options: PipelineOptions) => Pipeline;

/**
 * Calls kept before `init`. mixpanel-browser's stub keeps all; a page that
 * never calls `init` must not grow memory forever, and no page makes a
 * thousand calls before it does.
 */
const MAX_QUEUED_CALLS = 1000;

export interface Instance {
  api: Mixpanel;
  started(): boolean;
  /** Initialises with `token`; false (reported) when the token is unusable. */
  start(token: unknown, config: unknown): boolean;
  report(r: ErrorReport): void;
}

/** What a getter (`get_*`, `has_*`) answers before `init`, or when it fails: `has_*` false, the others undefined. */
const idle = (name: string): false | undefined => (name[0] === 'h' ? false : undefined);

const isName = (v: unknown): v is string => typeof v === 'string' && v !== '';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Impl = (c: Core, ...args: any[]) => unknown;

/** A new, uninitialised instance whose `init` is the library's. */
export function createInstance(createPipeline: PipelineFactory, init: Mixpanel['init']): Instance {
  let core: Core | null = null;
  let pipe: Pipeline | null = null;
  let replayAt = 0;
  let overflow = 0;
  const queue: [string, unknown[], number][] = [];
  let fallback: Reporter = createReporter(() => DEFAULT_CONFIG);
  const reporter: Reporter = { report: (r) => (core ? core.reporter : fallback).report(r), debug() {} };
  const invalid = (method: string, why: string): null => refuse(reporter, method, why);

  /** `f()` as a promise that never rejects: a failure is reported and answered with `otherwise`. */
  const later = <T>(f: () => T | Promise<T>, otherwise: T): Promise<T> =>
    Promise.resolve()
      .then(f)
      .catch((e) => (reporter.report({ code: 'delivery', message: String(e) }), otherwise));

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

  /** The instance's pipeline, built on first need; none under Node. */
  const pipeline = (c: Core): Pipeline | null => {
    try {
      return pipe || (isBrowser() ? (pipe = createPipeline({ token: c.token, config: () => c.config, reporter: c.reporter })) : null);
    } catch (e) {
      return (reporter.report({ code: 'delivery', message: 'delivery could not start: ' + e }), null);
    }
  };

  /** Enqueues what `build()` returns unless opted out; `callback` gets 1 once it is durable, else 0. */
  const send = (c: Core, ep: Endpoint, build: () => Built | null, callback?: unknown): void => {
    const built = c.consent.out() ? null : build();
    const p = built && pipeline(c);
    if (p) p.enqueue(ep, built!);
    if (typeof callback === 'function')
      (p
        ? p.settle().then(
            () => 1,
            () => 0,
          )
        : Promise.resolve(0)
      ).then((status) => {
        try {
          callback(status);
        } catch {
          // the page's callback failing is the page's business
        }
      });
  };

  const track = (c: Core, event: unknown, properties?: unknown, callback?: unknown, base?: Props): void =>
    send(c, 'track', () => buildEvent(c, event, properties, base), callback);

  /** Sanitized properties for register-like calls, changes reported. */
  const clean = (c: Core, where: string, props: unknown): Props => {
    const notes: string[] = [];
    const out = cleanProperties(props, notes);
    reportNotes(c, where, notes);
    return out;
  };

  /** Wraps an implementation as a public method: queued before `init`, never throwing. */
  const method = (name: string, impl: Impl) => {
    const changes = !/^(track|get_|has_|people\.)/.test(name);
    return (...args: unknown[]): unknown => {
      try {
        if (core) {
          // before too: identify() changes identity, then tracks $identify with it
          if (changes) core.rev++;
          try {
            return impl(core, ...args);
          } finally {
            if (changes) core.rev++;
          }
        }
        if (/^(get|has)_/.test(name)) return idle(name);
        // under Node (SSR) nothing will ever run these: keep nothing
        if (isBrowser()) queue.length < MAX_QUEUED_CALLS ? queue.push([name, args, Date.now()]) : overflow++;
      } catch (e) {
        invalid(name, 'failed: ' + e);
        return idle(name);
      }
    };
  };

  /** What the identity rules send through. */
  const senders: IdentitySenders = {
    track: (c, event, properties) => track(c, event, properties),
    engage: (c, op, a, b) => send(c, 'engage', () => buildEngage(c, op, a, b)),
    pipeline,
  };

  const impls: Record<string, Impl> = {
    track: (c, event, properties, options, callback) => track(c, event, properties, typeof options === 'function' ? options : callback),
    track_pageview: (c, properties) => track(c, '$mp_web_page_view', properties, undefined, pageviewProperties()),
    register: (c, props, options) => {
      const p = clean(c, 'register', props);
      if (isRecord(options) && options.persistent === false) Object.assign(c.extra, p);
      else (Object.assign(c.store.props, p), c.store.save());
    },
    register_once: (c, props, dflt = 'None') => {
      const p = clean(c, 'register_once', props);
      const s = c.store.props;
      for (const k in p) if (own(s, k) === undefined || s[k] === dflt) s[k] = p[k]!;
      c.store.save();
    },
    unregister: (c, name) => {
      if (name === 'distinct_id' || name === '$device_id') return invalid('unregister', name + ' is identity; use reset()');
      if (!isName(name)) return invalid('unregister', 'needs a property name; got ' + describe(name));
      delete c.store.props[name];
      delete c.extra[name];
      c.store.save();
    },
    get_property: (c, name) => {
      const v = own(c.store.props, String(name));
      return v === undefined ? own(c.extra, String(name)) : v;
    },
    identify: (c, id) => identify(c, id, senders),
    alias: (c, name, original) => alias(c, name, original, senders),
    reset: (c) => reset(c),
    get_distinct_id: (c) => c.store.props.distinct_id,
    time_event: (c, name) => {
      if (!isName(name)) return invalid('time_event', 'needs an event name; got ' + describe(name));
      c.store.timers[name] = c.now();
      c.store.save();
    },
    set_config: (c, partial) => applyConfig(c.config, partial, c.reporter),
    get_config: (c, key) => (key === undefined ? { ...c.config } : own(c.config, String(key))),
    opt_out_tracking: (c, options) => {
      optOut(c, options, senders);
      const p = pipeline(c);
      if (p) p.purge().catch((e) => reporter.report({ code: 'delivery', message: String(e) }));
    },
    opt_in_tracking: (c, options) => {
      optIn(c, options, senders);
      if (pipe) pipe.resume();
      else if (!c.consent.out()) pipeline(c);
    },
    has_opted_out_tracking: (c) => c.consent.out(),
    has_opted_in_tracking: (c) => c.consent.optedIn(),
    push: (_, item) => {
      if (typeof item === 'function') item.call(api, api);
      else if (Array.isArray(item) && isName(item[0])) call(item[0], item.slice(1));
      else invalid('push', 'needs a function or [method, ...args]; got ' + describe(item));
    },
  };
  const people: Record<string, unknown> = {};
  for (const op in PEOPLE_ACTIONS)
    people[op] = method('people.' + op, (c, ...args: unknown[]) => {
      const callback = typeof args[args.length - 1] === 'function' ? args.pop() : undefined;
      // before identify() on this page, the update waits in persistence as mixpanel-browser's
      if (holdPeople(c, op, args[0], args[1], callback)) return;
      send(c, 'engage', () => buildEngage(c, op, args[0], args[1]), callback);
    });
  const api = {
    init,
    people,
    // these work before `init` too, and never reject
    get_delivery_state: () => later(() => (pipe ? pipe.state() : idleState()), idleState()),
    flush: () => later(() => (pipe ? pipe.flush() : undefined), undefined),
    _settle: () => later(() => (pipe ? pipe.settle() : undefined), undefined),
  } as unknown as Mixpanel & Record<string, unknown>;
  for (const name in impls) api[name] = method(name, impls[name]!);

  /** Calls a method by its dotted name (`people.set`, or `<instance>.track` on the library). */
  function call(path: string, args: unknown[]): void {
    let owner: unknown;
    let target: unknown = api;
    for (const part of path.split('.')) ((owner = target), (target = target && typeof target === 'object' ? own(target, part) : undefined));
    if (typeof target === 'function') target.apply(owner, args);
    else invalid('push', `no method "${path}"`);
  }

  function start(token: unknown, config: unknown): boolean {
    // a token goes into every event and storage key: Mixpanel's are 32 characters
    if (!isName(token) || token.length > MAX_STRING_LENGTH) {
      const cfg = isRecord(config) ? config : {};
      fallback = createReporter(() => ({ debug: cfg.debug === true, on_error: cfg.on_error as never }));
      invalid('init', 'needs your project token (a string of 1-' + MAX_STRING_LENGTH + ' characters); got ' + describe(token));
      return false;
    }
    const live = { ...DEFAULT_CONFIG, token } as Core['config'];
    const reporter = createReporter(() => live);
    // config first (on_error and debug included), so that what follows is reported as the page asked
    applyConfig(live, config, reporter);
    const c: Core = (core = {
      token,
      config: live,
      reporter,
      store: openPersistence(token, live, reporter),
      extra: {},
      consent: openConsent(token, live),
      now: () => replayAt || Date.now(),
      rev: 0,
    });
    api.__loaded = true;
    if (overflow) invalid('init', `${overflow} calls made before init() were dropped (over ${MAX_QUEUED_CALLS})`);
    startIdentity(c, senders);
    for (const [name, args, at] of queue.splice(0)) {
      replayAt = at;
      call(name, args);
    }
    replayAt = 0;
    try {
      if (live.loaded) live.loaded(api);
    } catch (e) {
      invalid('init', 'the loaded callback threw: ' + e);
    }
    if (live.track_pageview) api.track_pageview();
    return true;
  }

  return { api, started: () => !!core, start, report: reporter.report };
}

/** Merges the acceptable options of `partial` into `config` and reports the others. */
function applyConfig(config: Core['config'], partial: unknown, reporter: Reporter): void {
  const problems: string[] = [];
  const notes: string[] = [];
  Object.assign(config, validateConfig(partial, config, problems, notes));
  for (const message of problems) reporter.report({ code: 'invalid_config', message });
  for (const note of notes) reporter.debug(note);
}
