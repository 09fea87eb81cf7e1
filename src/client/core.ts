/**
 * The state one initialised instance shares with the builders of its
 * request bodies. Created by `init()`, never before.
 */
import type { Config } from '../config';
import type { Reporter } from '../utils/report';
import type { Consent, Persistence } from './persistence';
import type { Props } from './sanitize';

export interface Core {
  token: string;
  /** The live config: `set_config()` changes this object, and the pipeline reads it through a getter. */
  config: Config & Record<string, unknown>;
  reporter: Reporter;
  store: Persistence;
  /** Super properties registered with `{ persistent: false }`. */
  extra: Props;
  consent: Consent;
  /** ms since epoch of the call being made: a call queued before `init` replays with its own time. */
  now(): number;
  /**
   * Counts the method calls that may have changed what every event carries
   * (all but `track()` and the getters, before and after each), so that
   * `sharedProperties()` knows when to make its part again.
   */
  rev: number;
}

/** `o[k]` when it is an own property: names like `constructor` must not reach the prototype. */
export const own = (o: object, k: string): any =>
  Object.prototype.hasOwnProperty.call(o, k) ? (o as Record<string, unknown>)[k] : undefined;

export const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Reports a call that cannot be honoured as `invalid_call`, with the message `<method>: <why>`. Returns null, for builders that refuse. */
export const refuse = (reporter: Reporter, method: string, why: string): null => (
  reporter.report({ code: 'invalid_call', message: method + ': ' + why, detail: { method } }),
  null
);

/** One report for every change the sanitizer made to a call's properties. */
export const reportNotes = (core: Core, where: string, notes: string[]): unknown =>
  notes.length &&
  core.reporter.report({ code: 'invalid_property', message: `${where}: ${notes.slice(0, 5).join('; ')}`, detail: { notes } });
