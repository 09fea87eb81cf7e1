/**
 * One Mixpanel instance: the public methods over an instance's core.
 * Before `init` a method call is queued (with the time it was made) and
 * replayed by `init` in order; getters answer with defaults. Every method is
 * wrapped so that nothing it does can throw into the page.
 */
import { DEFAULT_CONFIG, type Config, type Endpoint } from '../config';
import { MAX_STRING_LENGTH } from '../constants';
import type { DeliveryState, Pipeline } from '../delivery/types';
import { isBrowser, isOffline } from '../utils/env';
import { createReporter, type ErrorReport, type Reporter } from '../utils/report';
import { isRecord, own, reportNotes, type Core } from './core';
import { buildEvent } from './event-builder';
import { pageviewProperties } from './environment';
import { openConsent } from './opt-out';
import { buildEngage, PEOPLE_ACTIONS } from './people';
import { DEVICE_PREFIX, openPersistence } from './persistence';
import { cleanProperties, type Props } from './sanitize';
import type { Mixpanel } from './types';
import { describe, validateConfig } from './validate-config';

/** What `createPipeline()` in `delivery/pipeline.ts` takes. */
export interface PipelineOptions {
  token: string;
  config: () => Config;
  reporter: Reporter;
}
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

const none = (): undefined => undefined;
const no = (): boolean => false;

/** What getters answer before `init`, or when they fail. */
const IDLE: Record<string, () => unknown> = {
  get_property: none,
  get_distinct_id: none,
  get_config: none,
  has_opted_out_tracking: no,
  has_opted_in_tracking: no,
  get_delivery_state: () => Promise.resolve(idleState()),
  flush: () => Promise.resolve(),
  _settle: () => Promise.resolve(),
};

const isName = (v: unknown): v is string => typeof v === 'string' && v !== '';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Impl = (c: Core, ...args: any[]) => unknown;

/** A new, uninitialised instance whose `init` is the library's. */
export function createInstance(createPipeline: PipelineFactory, init: Mixpanel['init']): Instance {
  let core: Core | null = null;
  let pipe: Pipeline | null = null;
  let replayAt: number | null = null;
  let overflow = 0;
  const queue: [string, unknown[], number][] = [];
  let fallback: Reporter = createReporter(() => DEFAULT_CONFIG);
  const report = (r: ErrorReport): void => (core ? core.reporter : fallback).report(r);
  const invalid = (method: string, message: string): void => report({ code: 'invalid_call', message, detail: { method } });

  /** Wraps an implementation as a public method; `idle` answers (and replaces a failure) for getters. */
  const method =
    (name: string, impl: Impl, idle?: () => unknown) =>
    (...args: unknown[]): unknown => {
      try {
        if (core) return impl(core, ...args);
        if (idle) return idle();
        // under Node (SSR) nothing will ever run these: keep nothing
        if (!isBrowser()) return;
        if (queue.length < MAX_QUEUED_CALLS) queue.push([name, args, Date.now()]);
        else overflow++;
      } catch (e) {
        invalid(name, `${name}() failed: ${describe(String(e))}`);
        return idle && idle();
      }
    };

  /** The instance's pipeline, built on first need; none under Node. */
  const pipeline = (c: Core): Pipeline | null => {
    try {
      return pipe || (isBrowser() ? (pipe = createPipeline({ token: c.token, config: () => c.config, reporter: c.reporter })) : null);
    } catch (e) {
      report({ code: 'delivery', message: `delivery could not start: ${describe(String(e))}` });
      return null;
    }
  };

  /** A promise from the pipeline whose failure becomes a report instead of an unhandled rejection. */
  const quiet = <T>(p: Promise<T>, otherwise: T): Promise<T> =>
    p.catch((e: unknown) => (report({ code: 'delivery', message: describe(String(e)) }), otherwise));

  const send = (ep: Endpoint, body: Record<string, unknown> | null, callback: unknown): void => {
    let accepted: Promise<unknown> | null = null;
    const p = body && core && !core.consent.out() ? pipeline(core) : null;
    if (p && body) {
      p.enqueue(ep, body);
      if (typeof callback === 'function') accepted = p.settle();
    }
    if (typeof callback === 'function')
      (accepted || Promise.reject())
        .then(
          () => 1,
          () => 0,
        )
        .then((status) => {
          try {
            callback(status);
          } catch {
            // the page's callback failing is the page's business
          }
        });
  };

  const track = (c: Core, event: unknown, properties?: unknown, callback?: unknown, base?: Props): void =>
    send('track', c.consent.out() ? null : buildEvent(c, event, properties, base), callback);

  /** Sanitized properties for register-like calls, changes reported. */
  const clean = (c: Core, where: string, props: unknown): Props => {
    const notes: string[] = [];
    const out = cleanProperties(props, notes);
    reportNotes(c, where, notes);
    return out;
  };

  const people: Record<string, unknown> = {};
  for (const op of Object.keys(PEOPLE_ACTIONS))
    people[op] = method('people.' + op, (c, ...args: unknown[]) => {
      const callback = typeof args[args.length - 1] === 'function' ? args.pop() : undefined;
      send('engage', c.consent.out() ? null : buildEngage(c, op, args), callback);
    });

  const impls: Record<string, Impl> = {
    track: (c, event, properties, options, callback) =>
      track(c, event, properties, typeof options === 'function' ? options : callback),
    track_pageview: (c, properties) => track(c, '$mp_web_page_view', properties, undefined, pageviewProperties()),
    register: (c, props, options) => {
      const p = clean(c, 'register', props);
      if (isRecord(options) && options.persistent === false) Object.assign(c.extra, p);
      else {
        Object.assign(c.store.props, p);
        c.store.save();
      }
    },
    register_once: (c, props, dflt = 'None') => {
      const p = clean(c, 'register_once', props);
      const s = c.store.props;
      for (const k of Object.keys(p)) if (own(s, k) === undefined || s[k] === dflt) s[k] = p[k]!;
      c.store.save();
    },
    unregister: (c, name) => {
      if (name === 'distinct_id' || name === '$device_id') return invalid('unregister', `unregister(): ${name} is identity; use reset()`);
      if (!isName(name)) return invalid('unregister', `unregister() needs a property name; got ${describe(name)}`);
      delete c.store.props[name];
      delete c.extra[name];
      c.store.save();
    },
    get_property: (c, name) => {
      const v = isName(name) ? own(c.store.props, name) : undefined;
      return v === undefined && isName(name) ? own(c.extra, name) : v;
    },
    identify: (c, id) => {
      if (id === undefined) return;
      const next = typeof id === 'number' ? String(id) : id;
      if (!isName(next) || next.length > MAX_STRING_LENGTH || next.startsWith(DEVICE_PREFIX))
        return invalid('identify', `identify() needs a non-empty id of at most ${MAX_STRING_LENGTH} characters, not starting with "${DEVICE_PREFIX}"; got ${describe(id)}`);
      const s = c.store.props;
      const prev = String(s.distinct_id);
      if (next === prev) return;
      s.distinct_id = s.$user_id = next;
      c.store.save();
      // Mixpanel merges the anonymous id into the user's on this event
      if (prev.startsWith(DEVICE_PREFIX)) track(c, '$identify', { distinct_id: next, $anon_distinct_id: prev });
    },
    alias: (c, alias, original) => {
      const from = original === undefined ? c.store.props.distinct_id : original;
      if (!isName(alias) || alias === from)
        return invalid('alias', `alias() needs an id other than the distinct_id ${describe(from)}; got ${describe(alias)}`);
      track(c, '$create_alias', { alias, distinct_id: from });
    },
    reset: (c) => {
      c.store.clear();
      c.extra = {};
      c.store.save();
    },
    get_distinct_id: (c) => c.store.props.distinct_id,
    time_event: (c, name) => {
      if (!isName(name)) return invalid('time_event', `time_event() needs an event name; got ${describe(name)}`);
      c.store.timers[name] = c.now();
      c.store.save();
    },
    set_config: (c, partial) => applyConfig(c.config, partial, c.reporter),
    get_config: (c, key) => (key === undefined ? { ...c.config } : own(c.config, String(key))),
    opt_out_tracking: (c, options) => {
      c.consent.set('0');
      if (!isRecord(options) || options.clear_persistence !== false) {
        c.store.clear();
        c.extra = {};
      }
      c.store.off = true;
      const p = pipeline(c);
      if (p) void quiet(p.purge(), undefined);
    },
    opt_in_tracking: (c, options) => {
      const o = isRecord(options) ? options : {};
      c.consent.set('1');
      c.store.off = false;
      c.store.save();
      if (pipe) pipe.resume();
      else if (!c.consent.out()) pipeline(c);
      if (o.track !== false) track(c, isName(o.track_event_name) ? o.track_event_name : '$opt_in', o.track_properties);
    },
    has_opted_out_tracking: (c) => c.consent.out(),
    has_opted_in_tracking: (c) => c.consent.optedIn(),
    get_delivery_state: () => (pipe ? quiet(pipe.state(), idleState()) : IDLE.get_delivery_state!()),
    flush: () => (pipe ? quiet(pipe.flush(), undefined) : IDLE.flush!()),
    _settle: () => (pipe ? quiet(pipe.settle(), undefined) : IDLE.flush!()),
    push: (c, item) => {
      if (typeof item === 'function') item.call(api, api);
      else if (Array.isArray(item) && isName(item[0])) call(item[0], item.slice(1));
      else invalid('push', `push() needs a function or [method, ...args]; got ${describe(item)}`);
    },
  };
  const api = { init, people } as unknown as Mixpanel & Record<string, unknown>;
  for (const name of Object.keys(impls)) api[name] = method(name, impls[name]!, IDLE[name]);

  /** Calls a method by its dotted name (`people.set`, or `<instance>.track` on the library). */
  function call(path: string, args: unknown[]): void {
    let owner: unknown = api;
    let target: unknown = api;
    for (const part of path.split('.')) {
      owner = target;
      target = target && typeof target === 'object' ? own(target, part) : undefined;
    }
    if (typeof target === 'function') target.apply(owner, args);
    else invalid('push', `push(): no method "${path}"`);
  }

  function start(token: unknown, config: unknown): boolean {
    if (!isName(token)) {
      const cfg = isRecord(config) ? config : {};
      fallback = createReporter(() => ({ debug: cfg.debug === true, on_error: typeof cfg.on_error === 'function' ? (cfg.on_error as never) : null }));
      invalid('init', `init() needs your project token (a non-empty string); got ${describe(token)}`);
      return false;
    }
    const live = { ...DEFAULT_CONFIG, token } as Core['config'];
    const reporter = createReporter(() => live);
    // config first (on_error and debug included), so that what follows is reported as the page asked
    applyConfig(live, config, reporter);
    const c: Core = {
      token,
      config: live,
      reporter,
      store: openPersistence(token, live, reporter),
      extra: {},
      consent: openConsent(token, () => live),
      now: () => replayAt || Date.now(),
    };
    core = c;
    api.__loaded = true;
    if (overflow) invalid('init', `${overflow} calls made before init() were dropped (more than ${MAX_QUEUED_CALLS})`);
    if (c.consent.out()) c.store.off = true;
    else pipeline(c);
    c.store.save();
    for (const [name, args, at] of queue.splice(0)) {
      replayAt = at;
      try {
        call(name, args);
      } finally {
        replayAt = null;
      }
    }
    if (live.loaded) {
      try {
        live.loaded(api);
      } catch (e) {
        invalid('init', `the loaded callback threw: ${describe(String(e))}`);
      }
    }
    if (live.track_pageview) api.track_pageview();
    return true;
  }

  return { api, started: () => !!core, start, report };
}

/** Merges the acceptable options of `partial` into `config` and reports the others. */
function applyConfig(config: Core['config'], partial: unknown, reporter: Reporter): void {
  const problems: string[] = [];
  Object.assign(config, validateConfig(partial, config, problems));
  for (const message of problems) reporter.report({ code: 'invalid_config', message });
}

