/**
 * The public API: mixpanel-browser's method names and signatures, plus
 * Outlast's `get_delivery_state()` and `flush()`. No method throws; a call
 * that cannot be honoured is reported through `on_error` (and the console
 * with `debug: true`) and otherwise ignored.
 */
import type { Config } from '../config';
import type { DeliveryState } from '../delivery/types';

/** Properties of an event or a profile update; any value is accepted and made JSON-safe. */
export type Properties = Record<string, unknown>;

/**
 * Called with `1` once the event or update is durable in the outbox (written
 * to IndexedDB, or the fallback store), `0` when it was refused (no name,
 * opted out, too large). Not a delivery receipt: delivery may take as long as
 * an ingest outage does, and happens even if the page is gone by then.
 */
export type Callback = (status: 0 | 1) => void;

/** Options accepted by `init()` and `set_config()`; unknown mixpanel-browser options are accepted and ignored. */
export type UserConfig = Partial<Config> & Record<string, unknown>;

/** `register()`'s second argument: days (ignored, as cookie lifetime comes from config) or options. */
export type RegisterOptions = number | { persistent?: boolean };

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
  delete_user(callback?: Callback): void;
}

export interface Mixpanel {
  /** Initialises the default instance, or creates the named instance `name` (reachable as `mixpanel[name]`). */
  init(token: string, config?: UserConfig, name?: string): Mixpanel | undefined;
  track(event: string, properties?: Properties, optionsOrCallback?: Properties | Callback, callback?: Callback): void;
  /** Tracks `$mp_web_page_view` with the page's title, domain, path, protocol and query. */
  track_pageview(properties?: Properties): void;
  register(properties: Properties, daysOrOptions?: RegisterOptions): void;
  register_once(properties: Properties, defaultValue?: unknown, days?: number): void;
  unregister(name: string): void;
  get_property(name: string): unknown;
  identify(id?: string): void;
  alias(alias: string, original?: string): void;
  /** Forgets super properties and identity; the device gets a new id. */
  reset(): void;
  get_distinct_id(): string | undefined;
  /** Starts a timer: the next `track(name)` gets `$duration` in seconds. */
  time_event(name: string): void;
  set_config(config: UserConfig): void;
  get_config(key?: string): unknown;
  opt_out_tracking(options?: { clear_persistence?: boolean }): void;
  opt_in_tracking(options?: { track?: boolean; track_event_name?: string; track_properties?: Properties }): void;
  has_opted_out_tracking(): boolean;
  has_opted_in_tracking(): boolean;
  /** Runs a function with this instance, or calls `[method, ...args]` (e.g. `['people.set', {...}]`). */
  push(item: ((instance: Mixpanel) => void) | [string, ...unknown[]]): void;
  /** Where this page's events are: queued, in flight, delivered, dropped. Zeros before `init`. */
  get_delivery_state(): Promise<DeliveryState>;
  /** Sends what is queued now, without waiting for the batch interval. */
  flush(): Promise<void>;
  /** Resolves once everything enqueued so far is durable in the outbox (used by the CDN build's replay). */
  _settle(): Promise<void>;
  people: People;
  /** True once `init` has run, as mixpanel-browser sets it. */
  __loaded?: boolean;
}

/** The default instance, which also holds the named ones as properties. */
export interface MixpanelLib extends Mixpanel {
  [name: string]: unknown;
}
