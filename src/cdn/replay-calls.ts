import type { Reporter } from '../utils/report';
import type { LibInstance } from './library-shape';

/** A recorded call: `[method, ...args]`, with `people.set`-style names for people calls. */
export type RecordedCall = [string, ...unknown[]];

/** Whether `item` looks like a recorded call. */
export function isRecordedCall(item: unknown): item is RecordedCall {
  return Array.isArray(item) && typeof item[0] === 'string';
}

/**
 * mixpanel-browser's tracking group: any method with `track` in its name
 * (track, track_pageview, opt_in_tracking, opt_out_tracking), so an opt-out
 * keeps its place among the events around it. People methods are not tracking.
 */
function isTracking(method: string): boolean {
  return method.indexOf('track') !== -1 && method.indexOf('people.') !== 0;
}

/**
 * Put recorded items in mixpanel-browser's replay order: `alias` first, then
 * everything else (identify, register, people.*, set_config, and functions
 * pushed with `push(fn)`), then tracking calls, each group in call order, so
 * the events made before the library arrived carry the identity and super
 * properties set around them. Anything that is neither a call nor a function
 * (a dropped function stored as null, a corrupt entry) is left out.
 */
export function orderCalls(items: readonly unknown[]): Array<RecordedCall | ((instance: unknown) => void)> {
  const alias: RecordedCall[] = [];
  const other: Array<RecordedCall | ((instance: unknown) => void)> = [];
  const tracking: RecordedCall[] = [];
  for (const item of items) {
    if (typeof item === 'function') other.push(item as (instance: unknown) => void);
    else if (isRecordedCall(item)) (item[0] === 'alias' ? alias : isTracking(item[0]) ? tracking : other).push(item);
  }
  return [...alias, ...other, ...tracking];
}

/**
 * Call one recorded item on `instance`: a function gets the instance (as
 * `this` and as argument), `['people.set', ...]` calls `instance.people.set`.
 * An unknown method or one that throws is reported and skipped: one bad call
 * must not stop the others.
 */
export function runCall(instance: LibInstance, item: RecordedCall | ((instance: unknown) => void), reporter: Reporter): void {
  try {
    if (typeof item === 'function') {
      item.call(instance, instance);
      return;
    }
    const [method, ...args] = item;
    const path = method.split('.');
    let target: unknown = instance;
    for (let i = 0; i < path.length - 1; i++) target = target == null ? undefined : (target as Record<string, unknown>)[path[i] as string];
    const fn = target == null ? undefined : (target as Record<string, unknown>)[path[path.length - 1] as string];
    if (typeof fn !== 'function') {
      reporter.report({ code: 'invalid_call', message: `replayed call to unknown method ${method}`, detail: { method } });
      return;
    }
    fn.apply(target, args);
  } catch (e) {
    reporter.report({ code: 'invalid_call', message: 'a replayed call threw', detail: { call: typeof item === 'function' ? 'function' : item[0], error: String(e) } });
  }
}

/** Replay recorded items on `instance` in mixpanel-browser's order (see `orderCalls`). */
export function replayCalls(instance: LibInstance, items: readonly unknown[], reporter: Reporter): void {
  for (const item of orderCalls(items)) runCall(instance, item, reporter);
}
