/** How the client reports a call it cannot honour, or honours only after changing its arguments. */
import type { Reporter } from '../utils/report';
import type { InstanceState } from './instance-state';

/** Reports a call that cannot be honoured as `invalid_call`, with the message `<method>: <why>`. Returns null, for builders that refuse. */
export function refuse(reporter: Pick<Reporter, 'report'>, method: string, why: string): null {
  reporter.report({ code: 'invalid_call', message: method + ': ' + why, detail: { method } });
  return null;
}

/** One report for every change the sanitizer made to a call's properties. */
export function reportNotes(state: InstanceState, where: string, notes: string[]): void {
  if (notes.length)
    state.reporter.report({ code: 'invalid_property', message: `${where}: ${notes.slice(0, 5).join('; ')}`, detail: { notes } });
}

/**
 * The sentence of every check that refuses a value and goes on without it:
 * `<what> must be <expected>, got <value>; ignored`.
 */
export const mustBe = (what: string, expected: string, got: unknown, instead = 'ignored'): string =>
  `${what} must be ${expected}, got ${describe(got)}; ${instead}`;

/** A short, never-throwing rendering of any value for messages; gives up after 50 values, so a huge (or sparse 2^32) array costs nothing. */
export function describe(v: unknown): string {
  if (typeof v === 'function') return 'a function';
  let n = 0;
  try {
    const json = JSON.stringify(v, (_, x) => {
      if (n++ > 50) throw new RangeError('too long to describe');
      return x;
    });
    return (json || String(v)).slice(0, 60);
  } catch {
    return 'a ' + typeof v;
  }
}
