// Every method a page may call before the library has loaded is recorded by the pasted stub and reaches the
// library's own method at replay. The names are the declared list (src/client/method-names.ts), which the
// instance's method table is typed by, and mixpanel-browser 2.83's own snippet list (the `functions` string
// of its `init` stub in node_modules/mixpanel-browser/src/loaders/mixpanel-jslib-snippet.js).
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { STUB_METHOD_LIST } from '../../../src/client/method-names';
import { installLibrary } from '../../../src/cdn/install';
import type { LibraryLike } from '../../../src/cdn/library-shape';
import { removeBrowser, setup } from '../client/fake-browser';
import { buildSnippet } from './build-snippet';
import { fakeBrowser, plain } from './fake-browser';

let code = '';
beforeAll(async () => {
  code = await buildSnippet();
}, 60_000);
afterEach(removeBrowser);

const mixpanelSnippet = readFileSync('node_modules/mixpanel-browser/src/loaders/mixpanel-jslib-snippet.js', 'utf8');
const MIXPANEL_SNIPPET_METHODS = /functions = "([^"]+)"/.exec(mixpanelSnippet)![1]!.split(' ');
const METHODS = [...new Set([...STUB_METHOD_LIST.split(' '), ...MIXPANEL_SNIPPET_METHODS])];

/** Calls `method` (`people.set` style) on a stub or instance with an argument that names it. */
const call = (target: Record<string, any>, method: string) => {
  const [head, tail] = method.split('.') as [string, string?];
  // an object, so that track_pageview's stamped copy of its properties still names it
  if (tail) target[head][tail]({ arg: method });
  else target[head]({ arg: method });
};

describe('the stub records every method', () => {
  it('reads mixpanel-browser’s snippet list', () => {
    expect(MIXPANEL_SNIPPET_METHODS).toContain('people.track_charge');
    expect(MIXPANEL_SNIPPET_METHODS.length).toBeGreaterThan(30);
  });

  it('on the default instance and a named one, as [method, ...args], people.* included', () => {
    const b = fakeBrowser();
    b.run(code);
    const mp = b.window.mixpanel;
    mp.init('tok2', {}, 'second');
    for (const method of METHODS) {
      call(mp, method);
      call(mp.second, method);
    }
    const recorded = (queue: unknown[]) => plain([...queue]).map((c: any) => [c[0], c[1].arg]);
    const expected = METHODS.map((m) => [m, m]);
    expect(recorded(mp)).toEqual(expected);
    expect(recorded(mp.second)).toEqual(expected);
  });

  it('and the library replays each onto its own method, on the default and a named instance', () => {
    const b = fakeBrowser();
    b.run(code);
    const stub = b.window.mixpanel;
    stub.init('tok');
    stub.init('tok2', {}, 'second');
    for (const method of METHODS) {
      call(stub, method);
      call(stub.second, method);
    }
    const { lib, reports, on_error } = setup();
    const reached: string[] = [];
    /** Replaces each own method of `owner` by one that notes which instance's method was reached. */
    const spy = (owner: Record<string, any>, prefix: string, instance: string) => {
      for (const key of Object.keys(owner))
        if (typeof owner[key] === 'function' && key !== 'init')
          owner[key] = (...args: any[]) => void reached.push(`${instance} ${prefix}${key} ${args[0].arg}`);
    };
    const init = lib.init.bind(lib);
    const target = { mixpanel: stub as unknown };
    installLibrary(
      target,
      () => {
        // the inits run for real, with on_error, then every method of both instances is spied on
        const made: LibraryLike = Object.assign(lib, {
          init: (token: unknown, config: Record<string, unknown> | undefined, name?: string) => {
            const instance = init(token as string, { ...config, on_error }, name as string) as Record<string, any>;
            const label = name && name !== 'mixpanel' ? name : 'mixpanel';
            spy(instance, '', label);
            spy(instance.people, 'people.', label);
            return instance;
          },
        }) as unknown as LibraryLike;
        return made;
      },
      { storage: null, settleFallbackMs: 1 },
    );
    const expected = (instance: string) => METHODS.map((m) => `${instance} ${m} ${m}`);
    expect(reached.filter((r) => r.startsWith('mixpanel ')).sort()).toEqual(expected('mixpanel').sort());
    expect(reached.filter((r) => r.startsWith('second ')).sort()).toEqual(expected('second').sort());
    expect(reports).toEqual([]);
  });
});

describe('what the stub leaves alone', () => {
  it('is no thenable: awaiting it, or resolving a promise with it, gives the stub', async () => {
    const b = fakeBrowser();
    b.run(code);
    const mp = b.window.mixpanel;
    expect(await Promise.resolve(mp)).toBe(mp);
    expect(mp.then).toBeUndefined();
    expect(mp.people.then).toBeUndefined();
    expect(mp.length).toBe(0);
  });

  it('keeps JSON, Symbol keys, indices and the library’s own marks as an array has them', () => {
    const b = fakeBrowser();
    b.run(code);
    const mp = b.window.mixpanel;
    mp.track('a');
    expect(JSON.parse(JSON.stringify(mp))).toHaveLength(1);
    expect(mp[Symbol.toPrimitive]).toBeUndefined();
    expect(() => String(mp)).not.toThrow();
    expect(mp[5]).toBeUndefined();
    // what the library reads to recognise a stub or itself
    expect(mp.__loaded).toBeUndefined();
    expect(mp.__SV).toBe(1.2);
    expect(typeof mp._k).toBe('string');
    expect(mp.length).toBe(1);
  });
});

// mixpanel-browser's snippet answers get_group() with a Group stub whose methods record the chained pair
// `[['get_group', key, id], [method, ...args]]` (node_modules/mixpanel-browser/src/loaders/mixpanel-jslib-snippet.js),
// and `_execute_array` (src/mixpanel-core.js) replays it with the tracking calls, on the Group that get_group answers.
describe('get_group before the library arrives', () => {
  const GROUP_METHODS = ['set', 'set_once', 'unset', 'union', 'remove'];

  it('answers a Group stub that records chained pairs, on the default and a named instance', () => {
    const b = fakeBrowser();
    b.run(code);
    const mp = b.window.mixpanel;
    mp.init('tok2', {}, 'second');
    for (const method of GROUP_METHODS) mp.get_group('company', 'acme')[method]('plan', method);
    mp.second.get_group('team', 7).set({ size: 3 });
    expect(plain([...mp])).toEqual(
      GROUP_METHODS.map((m) => [
        ['get_group', 'company', 'acme'],
        [m, 'plan', m],
      ]),
    );
    expect(plain([...mp.second])).toEqual([
      [
        ['get_group', 'team', 7],
        ['set', { size: 3 }],
      ],
    ]);
    expect(mp.people.get_group).not.toBe(mp.get_group);
  });

  it("and the library calls its own get_group with the key and id, then the Group's method, after the other calls", () => {
    const b = fakeBrowser();
    b.run(code);
    const stub = b.window.mixpanel;
    stub.init('tok');
    stub.get_group('company', 'acme').set('plan', 'pro');
    stub.identify('u1');
    const { lib, reports, on_error } = setup();
    const reached: string[] = [];
    const init = lib.init.bind(lib);
    installLibrary(
      { mixpanel: stub as unknown },
      () =>
        Object.assign(lib, {
          init: (token: unknown, config: Record<string, unknown> | undefined, name?: string) => {
            const instance = init(token as string, { ...config, on_error }, name as string) as Record<string, any>;
            const getGroup = instance.get_group;
            instance.identify = (id: string) => void reached.push(`identify ${id}`);
            instance.get_group = (key: string, id: string) => {
              const group = getGroup(key, id);
              const set = group.set;
              return Object.assign({}, group, {
                set: (...args: unknown[]) => {
                  reached.push(`get_group(${key}, ${id}).set(${args.join(', ')})`);
                  return set(...args);
                },
              });
            };
            return instance;
          },
        }) as unknown as LibraryLike,
      { storage: null, settleFallbackMs: 1 },
    );
    expect(reached).toEqual(['identify u1', 'get_group(company, acme).set(plan, pro)']);
    expect(reports).toEqual([]);
  });
});
