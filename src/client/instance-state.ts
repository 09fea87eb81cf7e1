/**
 * The state of one initialised instance, shared by its methods and the
 * builders of its request bodies. Created by `init()`, never before.
 */
import type { Config } from '../config';
import type { Reporter } from '../utils/report';
import type { HookTable } from './hooks';
import type { Consent, Persistence } from './persistence';
import type { Props } from './sanitize';

export interface InstanceState {
  token: string;
  /** The live config: `set_config()` changes this object, and the pipeline reads it through a getter. */
  config: Config & Record<string, unknown>;
  reporter: Reporter;
  /** Identity, super properties and timers, as persisted. */
  store: Persistence;
  /** Super properties registered with `{ persistent: false }`. */
  extra: Props;
  consent: Consent;
  hooks: HookTable;
  /** What `disable()` turned off: every event, or the listed names. */
  disabled: { all: boolean; events: string[] };
  /** ms since epoch of the call being made: a call queued before `init` replays with its own time. */
  now(): number;
  /**
   * Counts the method calls that may have changed what every event carries
   * (all but `track()` and the getters, before and after each), so that
   * `sharedProperties()` knows when to make its part again.
   */
  rev: number;
}
