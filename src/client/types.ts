/**
 * The public API: mixpanel-browser's method names and signatures, plus
 * Outlast's `get_delivery_state()` and `flush()`. No method throws; a call
 * that cannot be honoured is reported through `on_error` (and the console
 * with `debug: true`) and otherwise ignored. Code typed against
 * mixpanel-browser's own declarations compiles against these (a build test
 * checks it).
 */
import type { Config } from '../config';
import type { DeliveryState } from '../delivery/types';

/** Properties of an event or a profile update; any value is accepted and made JSON-safe. */
export type Properties = Record<string, any>;

/**
 * Called with `1` once the event or update is durable in the outbox (written
 * to IndexedDB, or the fallback store), `0` when it was refused (no name,
 * opted out, disabled, dropped by a hook, too large). Not a delivery receipt:
 * delivery may take as long as an ingest outage does, and happens even if the
 * page is gone by then.
 */
export type Callback = (status: 0 | 1) => void;

/** The hooks of mixpanel-browser's `hooks` option and `add_hook()`: each gets the call's arguments and returns the ones to use, or null to drop the call. */
export interface Hooks {
  /** Before `track()` and everything that tracks through it: `(event_name, properties)`. */
  before_track?(event_name: string, properties: Properties): unknown;
  /** Before an event is stored for sending: `({ event, properties })`. */
  before_send_events?(event: { event: string; properties: Properties }): unknown;
  /** Before a profile update is stored for sending: the `/engage` body. */
  before_send_people?(update: Properties): unknown;
  /** Before a group update is stored for sending: the `/groups` body. */
  before_send_groups?(update: Properties): unknown;
  before_identify?(new_distinct_id: string): unknown;
  before_register?(props: Properties, days_or_options?: RegisterOptions): unknown;
  before_register_once?(props: Properties, default_value?: unknown, days_or_options?: RegisterOptions): unknown;
  before_unregister?(property: string, options?: RegisterOptions): unknown;
}

/** `track_pageview`'s values, as mixpanel-browser documents them. */
export type TrackPageviewOption = boolean | 'url-with-path' | 'url-with-path-and-query-string' | 'full-url';

/**
 * Options accepted by `init()` and `set_config()`. Options of
 * mixpanel-browser that Outlast does not implement are accepted (and said so
 * in debug mode) so that a migrating site's config compiles and loads.
 */
export type UserConfig = Partial<Omit<Config, 'api_routes' | 'track_pageview' | 'loaded'>> & MixpanelOptions & Record<string, unknown>;

/**
 * `loaded`'s type, with its parameter checked both ways (as a method's is),
 * so that a callback typed for mixpanel-browser's instance is accepted too.
 */
type LoadedCallback = { check(instance: Mixpanel): void }['check'];

/** The options whose type differs from Outlast's stored config, as mixpanel-browser types them. */
export interface MixpanelOptions {
  api_routes?: Partial<Config['api_routes']> & Record<string, string>;
  track_pageview?: TrackPageviewOption;
  /** Called with the instance once it is ready. */
  loaded?: LoadedCallback | null;
  /** Functions (or lists of them) by hook name; replaces every hook added before. */
  hooks?: { [Name in keyof Hooks]?: Hooks[Name] | Hooks[Name][] } & Record<string, unknown>;
}

/** `register()`'s second argument: days (ignored, as cookie lifetime comes from config) or options. */
export type RegisterOptions = number | { persistent?: boolean; days?: number };

/** `track()`'s third argument in mixpanel-browser: every request of Outlast goes through the outbox, so both are accepted and have no effect. */
export interface TrackOptions {
  transport?: 'xhr' | 'sendBeacon';
  send_immediately?: boolean;
}

/** What `track_links()` / `track_forms()` take: a selector, an element, or a list of elements. */
export type ElementQuery = string | Element | ArrayLike<Element>;

/** `track_links()` / `track_forms()` properties: an object, or a function of the element that was clicked or submitted. */
export type ElementProperties = Properties | ((element: Element) => Properties | void);

/** The options of the opt-in/out methods; mixpanel-browser's names. */
export interface ConsentOptions {
  persistence_type?: 'cookie' | 'localStorage';
  cookie_prefix?: string;
  cookie_expiration?: number;
  cookie_domain?: string;
  cross_site_cookie?: boolean;
  cross_subdomain_cookie?: boolean;
  secure_cookie?: boolean;
  enable_persistence?: boolean;
}

export interface OptInOptions extends ConsentOptions {
  /** `false`: no `$opt_in` event. */
  track?: boolean | (() => void);
  track_event_name?: string;
  track_properties?: Properties;
}

export interface OptOutOptions extends ConsentOptions {
  /** `false` keeps super properties and identity. */
  clear_persistence?: boolean;
  delete_user?: boolean;
}

/** `push()`'s argument: `[method, ...args]` (e.g. `['people.set', {...}]`) or a function run with the instance. */
export type PushItem = readonly unknown[] | ((this: Mixpanel, instance: Mixpanel) => void);

export interface People {
  set(properties: Properties, callback?: Callback): void;
  set(prop: string, to: unknown, callback?: Callback): void;
  set_once(properties: Properties, callback?: Callback): void;
  set_once(prop: string, to: unknown, callback?: Callback): void;
  unset(prop: string | string[], callback?: Callback): void;
  /** Adds to numeric profile properties; `by` defaults to 1. */
  increment(properties: Record<string, number>, callback?: Callback): void;
  increment(prop: string, by?: number | Callback, callback?: Callback): void;
  append(properties: Properties, callback?: Callback): void;
  append(list: string, value: unknown, callback?: Callback): void;
  /** Adds values not already in the list (a single value counts as a list of one). */
  union(properties: Record<string, unknown>, callback?: Callback): void;
  union(list: string, values: unknown, callback?: Callback): void;
  remove(properties: Properties, callback?: Callback): void;
  remove(list: string, value: unknown, callback?: Callback): void;
  /** Deprecated by Mixpanel and without effect there, as here (reported in debug mode). */
  track_charge(amount: number, propertiesOrCallback?: Properties | Callback, callback?: Callback): void;
  /** Sets `$transactions` to an empty list. */
  clear_charges(callback?: Callback): void;
  delete_user(callback?: Callback): void;
}

/** A group profile (`get_group(key, id)`); each method sends one `/groups` update and returns the group. */
export interface Group {
  set(properties: Properties, callback?: Callback): Group;
  set(prop: string, to?: unknown, callback?: Callback): Group;
  set_once(properties: Properties, callback?: Callback): Group;
  set_once(prop: string, to?: unknown, callback?: Callback): Group;
  unset(prop: string | string[], callback?: Callback): Group;
  union(properties: Record<string, unknown>, callback?: Callback): Group;
  union(list: string, values: unknown, callback?: Callback): Group;
  remove(properties: Properties, callback?: Callback): Group;
  remove(list: string, value: unknown, callback?: Callback): Group;
  /** Deletes the group profile. */
  delete(callback?: Callback): Group;
}

/** A feature-flag variant, as mixpanel-browser's flags API returns it. */
export interface FlagVariant {
  key: string;
  value: any;
  experiment_id?: string;
  is_experiment_active?: boolean;
  is_qa_tester?: boolean;
  variant_source?: 'network' | 'persistence' | 'fallback';
  fallback_reason?: 'FLAG_NOT_FOUND' | 'NOT_READY' | 'BACKEND_ERROR';
  persisted_at_in_ms?: number;
}

/**
 * mixpanel-browser's `mixpanel.flags`. Outlast fetches no flags: every
 * answer is the fallback the page gives, and nothing is ever "ready".
 */
export interface Flags {
  are_flags_ready(): boolean;
  load_flags(): Promise<void>;
  get_variant(name: string, fallback: FlagVariant): Promise<FlagVariant>;
  get_variant_sync(name: string, fallback: FlagVariant): FlagVariant;
  get_variant_value(name: string, fallbackValue: any): Promise<any>;
  get_variant_value_sync(name: string, fallbackValue: any): any;
  get_all_variants(): Promise<Map<string, FlagVariant>>;
  get_all_variants_sync(): Map<string, FlagVariant>;
  is_enabled(name: string, fallbackValue?: boolean): Promise<boolean>;
  is_enabled_sync(name: string, fallbackValue?: boolean): boolean;
  update_context(context: Properties, options?: { replace?: boolean }): Promise<void>;
  when_ready(): Promise<void>;
}

export interface Mixpanel {
  /**
   * `init(token, config, name)` creates the named instance `name` (also
   * reachable as `mixpanel[name]`) and returns it; without a name it
   * initialises the default instance and returns it (mixpanel-browser
   * returns undefined there). Undefined when the token is unusable.
   */
  init(token: string, config: UserConfig | undefined, name: string): Mixpanel;
  init(token: string, config?: UserConfig): Mixpanel | undefined;
  /**
   * Queues the event. mixpanel-browser returns the request body; Outlast
   * returns nothing, because building that object would cost every call.
   */
  track(event: string, properties?: Properties, optionsOrCallback?: TrackOptions | Callback, callback?: Callback): void;
  /** Tracks `$mp_web_page_view` (or `options.event_name`) with the page's title, domain, path, protocol and query. */
  track_pageview(properties?: Properties, options?: { event_name?: string }): void;
  /**
   * Tracks `event` when an element matching `query` is clicked, with `url`
   * set to the link's address. The page navigates as it would without it:
   * the event is durable at once and leaves with the unload beacon.
   */
  track_links(query: ElementQuery, event: string, properties?: ElementProperties): void;
  /** Tracks `event` when a form matching `query` is submitted; the submission goes ahead as it would without it. */
  track_forms(query: ElementQuery, event: string, properties?: ElementProperties): void;
  /** `track()` with the group keys and ids of `groups` added to the properties. */
  track_with_groups(event: string, properties: Properties, groups: Record<string, unknown>, callback?: Callback): void;
  register(properties: Properties, daysOrOptions?: RegisterOptions): void;
  register_once(properties: Properties, defaultValue?: unknown, daysOrOptions?: RegisterOptions): void;
  unregister(name: string, options?: RegisterOptions): void;
  get_property(name: string): any;
  identify(id?: string): any;
  alias(alias: string, original?: string): any;
  /** Registers `mp_name_tag`, as mixpanel-browser's deprecated method does. */
  name_tag(name: string): void;
  /** Forgets super properties and identity; the device gets a new id. */
  reset(): void;
  get_distinct_id(): any;
  /** Starts a timer: the next `track(name)` gets `$duration` in seconds. */
  time_event(name: string): void;
  set_config(config: UserConfig): void;
  get_config(key?: string): any;
  /** The host the endpoint's requests go to first. */
  get_api_host(endpoint?: string): string;
  /** Sets the super property `key` to `ids` (a list) and the same on the profile. */
  set_group(key: string, ids: unknown, callback?: Callback): void;
  /** Adds `id` to the super property `key` and unions it into the profile's list. */
  add_group(key: string, id: unknown, callback?: Callback): void;
  /** Removes `id` from the super property `key` and from the profile's list. */
  remove_group(key: string, id: unknown, callback?: Callback): void;
  get_group(key: string, id: unknown): Group;
  /** Stops sending the named events, or every event without a list (profile and group updates still go). */
  disable(events?: string[]): void;
  /** Undoes `disable()`: the named events, or every event without a list. */
  enable(events?: string[]): void;
  opt_out_tracking(options?: OptOutOptions): void;
  opt_in_tracking(options?: OptInOptions): void;
  has_opted_out_tracking(options?: ConsentOptions): boolean;
  has_opted_in_tracking(options?: ConsentOptions): boolean;
  /** Forgets the opt-in or opt-out choice: the default applies again. */
  clear_opt_in_out_tracking(options?: ConsentOptions): void;
  /** With `batch_autostart: false`, nothing is sent until this is called. */
  start_batch_senders(): void;
  /** Accepted; Outlast always sends through its outbox (said so in debug mode). */
  stop_batch_senders(): void;
  add_hook<Name extends keyof Hooks>(name: Name, hook: NonNullable<Hooks[Name]>): void;
  remove_hook<Name extends keyof Hooks>(name: Name, hook: NonNullable<Hooks[Name]>): void;
  /** Runs a function with this instance, or calls `[method, ...args]` (e.g. `['people.set', {...}]`). */
  push(item: PushItem): void;
  /** Session recording is not part of Outlast: these exist, do nothing and say so once in debug mode. */
  start_session_recording(): void;
  stop_session_recording(): void;
  pause_session_recording(): void;
  resume_session_recording(): void;
  is_recording_heatmap_data(): boolean;
  get_session_recording_properties(): { $mp_replay_id?: string };
  /** Null, as mixpanel-browser answers when nothing records (its declaration says `string`, and so does this one, for code typed against it). */
  get_session_replay_url(): string;
  /** mixpanel-browser's per-tab id; Outlast keeps none. */
  get_tab_id(): string | null;
  /** Feature flags are not part of Outlast: every answer is the given fallback. */
  flags: Flags;
  /** Where this page's events are: queued, in flight, delivered, dropped. Zeros before `init`. */
  get_delivery_state(): Promise<DeliveryState>;
  /** Sends what is queued now, without waiting for the batch interval. */
  flush(): Promise<void>;
  /** Resolves once everything enqueued so far is durable in the outbox (used by the CDN build's replay). */
  _settle(): Promise<void>;
  people: People;
  /** `mixpanel` for the default instance, `mixpanel.<name>` for a named one. */
  toString(): string;
  /** True once `init` has run, as mixpanel-browser sets it. */
  __loaded?: boolean;
}

/** The default instance, which also holds the named ones as properties. */
export interface MixpanelLib extends Mixpanel {
  [name: string]: unknown;
}
