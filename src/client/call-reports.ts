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
