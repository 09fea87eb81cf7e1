/**
 * Builds `/engage` bodies for `people.*`: one function for every operation,
 * driven by the table of Mixpanel's update actions.
 */
import { isRecord, reportNotes, type Core } from './core';
import { browserProperties } from './environment';
import { cleanProperties, type Json, type Props } from './sanitize';
import { describe } from './validate-config';

/** `people` method name → Mixpanel's update action. */
export const PEOPLE_ACTIONS: Record<string, string> = {
  set: '$set',
  set_once: '$set_once',
  unset: '$unset',
  increment: '$add',
  append: '$append',
  union: '$union',
  remove: '$remove',
  delete_user: '$delete',
};

/** The body for `people[op](...args)` (callback already removed), or null (reported) when the arguments cannot be used. */
export function buildEngage(core: Core, op: string, args: unknown[]): Record<string, unknown> | null {
  const [a, b] = args;
  const notes: string[] = [];
  let value: Json;
  if (op === 'delete_user') value = '';
  else if (op === 'unset') {
    value = (Array.isArray(a) ? a : [a]).filter((x): x is string => typeof x === 'string' && x !== '');
    if (!value.length) return refuse(core, op, 'a property name or a list of them', a);
  } else {
    let data: Props;
    if (typeof a === 'string' && a) data = cleanProperties({ [a]: op === 'increment' && b === undefined ? 1 : b }, notes);
    else if (isRecord(a)) data = cleanProperties(a, notes);
    else return refuse(core, op, 'a property name or an object of properties', a);
    for (const k of Object.keys(data)) {
      if (op === 'increment' && typeof data[k] !== 'number') {
        notes.push(`${k} is not a number, dropped`);
        delete data[k];
      } else if (op === 'union' && !Array.isArray(data[k])) data[k] = [data[k]!];
    }
    // mixpanel-browser records the browser on every $set; the page's own values win
    value = op === 'set' ? { ...browserProperties(), ...data } : data;
  }
  reportNotes(core, 'people.' + op, notes);
  const s = core.store.props;
  const body: Record<string, unknown> = {
    $token: core.token,
    $distinct_id: s.distinct_id,
    $device_id: s.$device_id,
    $time: core.now(),
    [PEOPLE_ACTIONS[op]!]: value,
  };
  if (s.$user_id) body.$user_id = s.$user_id;
  return body;
}

function refuse(core: Core, op: string, needs: string, got: unknown): null {
  core.reporter.report({ code: 'invalid_call', message: `people.${op}() needs ${needs}; got ${describe(got)}`, detail: { method: 'people.' + op } });
  return null;
}
