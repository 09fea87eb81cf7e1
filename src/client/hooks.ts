/**
 * The hooks of one instance (mixpanel-browser's `hooks` option, `add_hook()`
 * and `remove_hook()`), run as its `_run_hook()` runs them: each hook of a
 * name, in the order added, gets the arguments the previous one returned.
 * A hook returning an array replaces the arguments from the first; any other
 * value replaces the first argument.
 *
 * Where Outlast differs, it errs towards sending less: a hook that returns
 * null or undefined, or throws, drops the call (reported), since hooks are
 * where sites scrub personal data and a failed scrub must not be sent.
 */
import type { Reporter } from '../utils/report';
import { refuse } from './call-reports';
import { isRecord } from './values';

/** A hook as the page gives it; the instance is its `this`. */
type HookFunction = (...args: unknown[]) => unknown;

export interface HookTable {
  /** Replaces every hook with those of a `hooks` option (a function or a list of functions per name). */
  replace(option: unknown): void;
  add(name: unknown, hook: unknown): void;
  remove(name: unknown, hook: unknown): void;
  /** Whether a hook of that name is set: the callers skip the work of `run()` when none is. */
  has(name: string): boolean;
  /** The arguments the hooks return, or null when one dropped the call. */
  run(name: string, args: unknown[], self: unknown): unknown[] | null;
}

export function createHooks(reporter: Reporter): HookTable {
  let table: Record<string, HookFunction[]> = {};
  const invalid = (method: string, why: string): null => refuse(reporter, method, why);

  return {
    replace(option) {
      if (!isRecord(option)) {
        invalid('hooks', 'must be an object of functions by hook name');
        return;
      }
      table = {};
      for (const name of Object.keys(option)) {
        const given = option[name];
        const list = Array.isArray(given) ? given : [given];
        table[name] = list.filter((hook): hook is HookFunction => typeof hook === 'function');
        if (table[name]!.length < list.length) invalid('hooks', `${name}: only functions can be hooks; the others are ignored`);
      }
    },
    add(name, hook) {
      if (typeof name !== 'string' || typeof hook !== 'function') {
        invalid('add_hook', 'needs a hook name and a function');
        return;
      }
      (table[name] = table[name] || []).push(hook as HookFunction);
    },
    remove(name, hook) {
      const list = typeof name === 'string' ? table[name] : undefined;
      const at = list ? list.indexOf(hook as HookFunction) : -1;
      if (at >= 0) list!.splice(at, 1);
      else reporter.debug('remove_hook: no such hook');
    },
    has: (name) => Object.prototype.hasOwnProperty.call(table, name) && table[name]!.length > 0,
    run(name, args, self) {
      const data = args.slice();
      for (const hook of table[name] || []) {
        let answer: unknown;
        try {
          answer = hook.apply(self, data);
        } catch (e) {
          return invalid(name, 'the hook threw (' + e + '); the call is dropped');
        }
        if (answer == null) {
          if (answer === undefined) invalid(name, 'the hook returned nothing; the call is dropped');
          return null;
        }
        const given = Array.isArray(answer) ? answer : [answer];
        data.splice(0, given.length, ...given);
      }
      return data;
    },
  };
}
