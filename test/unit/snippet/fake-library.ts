// A recording stand-in for createLibrary(): every call lands in `log` as [instance, method, args].
import type { LibraryLike } from '../../../src/cdn/library-shape';

const METHODS = [
  'track',
  'track_pageview',
  'identify',
  'alias',
  'register',
  'register_once',
  'unregister',
  'reset',
  'time_event',
  'set_config',
  'opt_out_tracking',
  'opt_in_tracking',
];
const PEOPLE = ['set', 'set_once', 'unset', 'increment', 'append', 'union', 'remove'];
const GROUP = ['set', 'set_once', 'unset', 'union', 'remove'];

export type LogEntry = [instance: string, method: string, args: unknown[]];

export function fakeLibrary(options: { settle?: (name: string) => Promise<void>; noSettle?: boolean } = {}) {
  const log: LogEntry[] = [];
  let created = 0;

  const make = (name: string) => {
    let config: Record<string, unknown> = {};
    const inst: Record<string, any> = { people: {} };
    for (const m of METHODS) inst[m] = (...args: unknown[]) => void log.push([name, m, args]);
    for (const m of PEOPLE) inst.people[m] = (...args: unknown[]) => void log.push([name, 'people.' + m, args]);
    inst.get_group = (key: unknown, id: unknown) => {
      const group: Record<string, unknown> = {};
      for (const m of GROUP) group[m] = (...args: unknown[]) => void log.push([name, 'get_group.' + m, [key, id, ...args]]);
      return group;
    };
    inst.get_config = (key: string) => config[key];
    inst._setConfig = (c: Record<string, unknown>) => (config = c);
    if (!options.noSettle) inst._settle = () => (options.settle ? options.settle(name) : Promise.resolve());
    return inst;
  };

  const lib = make('mixpanel');
  lib.init = (token: string, config?: Record<string, unknown>, name?: string) => {
    const instanceName = name && name !== 'mixpanel' ? name : 'mixpanel';
    log.push([instanceName, 'init', [token]]);
    const inst = instanceName === 'mixpanel' ? lib : (lib[instanceName] = make(instanceName));
    inst._setConfig({ ...config, token });
    return inst;
  };

  return {
    log,
    lib: lib as unknown as LibraryLike,
    create: () => {
      created++;
      return lib as unknown as LibraryLike;
    },
    get created() {
      return created;
    },
  };
}

/** A promise with its resolve and reject exposed. */
export function deferred() {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Let pending promise callbacks run. */
export const flush = () => new Promise((r) => setTimeout(r, 0));
