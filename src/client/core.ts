/**
 * The state one initialised instance shares with the builders of its
 * request bodies. Created by `init()`, never before.
 */
import type { Config } from '../config';
import type { Reporter } from '../utils/report';
import type { Consent } from './opt-out';
import type { Persistence } from './persistence';
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
}

/** `o[k]` when it is an own property: names like `constructor` must not reach the prototype. */
export const own = (o: object, k: string): unknown => (Object.prototype.hasOwnProperty.call(o, k) ? (o as Record<string, unknown>)[k] : undefined);

export const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** One report for every change the sanitizer made to a call's properties. */
export function reportNotes(core: Core, where: string, notes: string[]): void {
  if (notes.length)
    core.reporter.report({
      code: 'invalid_property',
      message: `${where}: ${notes.slice(0, 5).join('; ')}${notes.length > 5 ? ` (+${notes.length - 5} more)` : ''}`,
      detail: { notes },
    });
}
