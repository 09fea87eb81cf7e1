// Whatever a page passes to the public methods, the SDK never throws, never touches
// Object.prototype, keeps every event it can, and hands the pipeline only plain JSON within
// Mixpanel's limits. Invalid calls are reported with the method and the reason.
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLibrary } from '../../../src/client/library';
import type { MixpanelLib } from '../../../src/client/types';
import type { ErrorReport } from '../../../src/utils/report';
import { fakeBrowser, removeBrowser } from '../client/fake-browser';
import { capturingPipelines, eventName, expectSendable, HUGE, isPolluted, MANY_KEYS, nasty, POLLUTING, prototypeSnapshot } from './nasty';

/** Runs per property: enough variety to find a crash, few enough to stay quick. */
const RUNS = 150;

let lib: MixpanelLib;
let pipes: ReturnType<typeof capturingPipelines>;
let reports: ErrorReport[];
const proto = prototypeSnapshot();

beforeEach(() => {
  fakeBrowser();
  pipes = capturingPipelines();
  reports = [];
  lib = createLibrary({ createPipeline: pipes.factory });
  lib.init('tok', { on_error: (r) => void reports.push(r) });
});
afterEach(() => {
  removeBrowser();
  expect(prototypeSnapshot()).toBe(proto);
  expect(isPolluted()).toBe(false);
});

/** Every method a page can call with data, by the path it is reached by. */
const METHODS = [
  'track',
  'track_pageview',
  'register',
  'register_once',
  'unregister',
  'identify',
  'alias',
  'time_event',
  'get_property',
  'push',
  'people.set',
  'people.set_once',
  'people.unset',
  'people.increment',
  'people.append',
  'people.union',
  'people.remove',
] as const;

const invoke = (method: string, args: unknown[]): unknown => {
  const [owner, name] = method.includes('.')
    ? [lib.people as unknown as Record<string, unknown>, method.split('.')[1]!]
    : [lib as Record<string, unknown>, method];
  return (owner[name] as (...a: unknown[]) => unknown).apply(owner, args);
};

describe('any method with any arguments', () => {
  it('never throws, and every body that reaches the pipeline is sendable', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...METHODS), fc.array(nasty, { maxLength: 4 })), { minLength: 1, maxLength: 5 }),
        (calls) => {
          for (const [method, args] of calls) expect(() => invoke(method, args)).not.toThrow();
          // a valid event after any of that still goes out, whole
          const before = pipes.sent.length;
          lib.track('after', { n: 1 });
          expect(pipes.sent.length).toBe(before + 1);
          for (const s of pipes.sent) expectSendable(s);
          pipes.sent.length = 0;
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('track', () => {
  it('a valid name with any properties is always sent (or refused as too large, with the size)', () => {
    fc.assert(
      fc.property(eventName, nasty, (name, props) => {
        const sent = pipes.sent.length;
        const reported = reports.length;
        lib.track(name, props as Record<string, unknown>);
        if (pipes.sent.length === sent) {
          const why = reports.slice(reported).find((r) => r.code === 'invalid_call');
          expect(why?.message).toMatch(/^track: .* bytes, over the \d+-byte limit/);
        } else {
          const body = pipes.sent.at(-1)!;
          expectSendable(body);
          // cut at 255 characters, one fewer rather than between the halves of a surrogate pair
          expect(body.body.event).toBe(name.slice(0, /[\ud800-\udbff]/.test(name[254] ?? '') ? 254 : 255));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a name that is not a non-empty string is refused with a clear reason, and nothing is sent', () => {
    fc.assert(
      fc.property(
        nasty.filter((n) => typeof n !== 'string' || !n.trim()),
        (name) => {
          const n = reports.length;
          lib.track(name as string, { a: 1 });
          expect(pipes.sent).toHaveLength(0);
          expect(reports.slice(n)).toEqual([
            expect.objectContaining({
              code: 'invalid_call',
              message: expect.stringMatching(/^track: event name must be a non-empty string; got /),
            }),
          ]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('the hostile cases, one by one, each keep the event and say what changed', () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    const cases: Record<string, unknown> = {
      circular,
      bigint: { n: BigInt(10) },
      fn: { f: () => 1 },
      huge: { s: HUGE },
      hugeKey: { [HUGE]: 1 },
      manyKeys: MANY_KEYS,
      polluting: POLLUTING(),
      date: { d: new Date(0) },
      typed: { t: new Uint8Array(1 << 20) },
    };
    for (const [label, props] of Object.entries(cases)) {
      pipes.sent.length = 0;
      reports.length = 0;
      lib.track(label, props as Record<string, unknown>);
      expect(pipes.sent, label).toHaveLength(1);
      expectSendable(pipes.sent[0]!);
      if (label !== 'date')
        expect(
          reports.map((r) => r.code),
          label,
        ).toContain('invalid_property');
    }
  });

  it('long automatic properties (a 2,000-character URL) are cut to 255 characters as the call’s own are', () => {
    removeBrowser();
    fakeBrowser({ url: 'https://shop.example.com/?q=' + 'a'.repeat(2000), referrer: 'https://ref.example.com/?r=' + 'b'.repeat(2000) });
    lib.track_pageview();
    lib.track('x');
    expect(pipes.sent).toHaveLength(2);
    pipes.sent.forEach(expectSendable);
  });

  it('a long title in emoji or CJK is cut to 255 bytes between characters, as the call’s own strings are', () => {
    removeBrowser();
    fakeBrowser({ title: 'ab' + '😀'.repeat(300) });
    lib.track_pageview();
    removeBrowser();
    fakeBrowser({ title: '漢'.repeat(300), url: 'https://shop.example.com/other' });
    lib.track_pageview();
    expect(pipes.sent).toHaveLength(2);
    pipes.sent.forEach(expectSendable);
    const titles = pipes.sent.map((s) => (s.body.properties as Record<string, string>).current_page_title);
    expect(titles).toEqual(['ab' + '😀'.repeat(63), '漢'.repeat(85)]);
  });
});

describe('identity and super properties', () => {
  it('register, register_once, identify and alias never leave identity unusable', () => {
    fc.assert(
      fc.property(fc.constantFrom('register', 'register_once', 'identify', 'alias'), nasty, nasty, (method, a, b) => {
        expect(() => invoke(method, [a, b])).not.toThrow();
        const id = lib.get_distinct_id();
        expect(typeof id === 'string' && id.length > 0 && id.length <= 255).toBe(true);
        lib.track('after');
        expectSendable(pipes.sent.at(-1)!);
      }),
      { numRuns: RUNS },
    );
  });

  it('super properties registered with anything still let every later event through within the limits', () => {
    lib.register(MANY_KEYS);
    lib.register({ big: Array.from({ length: 255 }, () => HUGE) });
    lib.register(POLLUTING());
    lib.track('after', MANY_KEYS);
    expect(pipes.sent).toHaveLength(1);
    expectSendable(pipes.sent[0]!);
  });

  it('identify and alias refuse ids that are not 1-255 characters, with the reason', () => {
    for (const [method, args] of [
      ['identify', [HUGE]],
      ['identify', [{}]],
      ['alias', [HUGE]],
      ['alias', ['new-id', { not: 'an id' }]],
      ['alias', [BigInt(10)]],
    ] as const) {
      reports.length = 0;
      const before = pipes.sent.length;
      invoke(method, [...args]);
      expect(pipes.sent.length, method).toBe(before);
      expect(reports[0], `${method}(${typeof args[0]})`).toMatchObject({
        code: 'invalid_call',
        message: expect.stringMatching(new RegExp(`^${method}: `)),
      });
    }
  });
});

describe('people', () => {
  it('profile updates stay within 255 properties, browser fields included', () => {
    // before identify() they would wait in persistence, as mixpanel-browser's
    lib.identify('u');
    pipes.sent.length = 0;
    lib.people.set(MANY_KEYS);
    lib.people.set_once(MANY_KEYS);
    lib.people.increment(MANY_KEYS);
    expect(pipes.sent).toHaveLength(3);
    pipes.sent.forEach(expectSendable);
  });

  it('an update over the size limit is refused with its size, never sent', () => {
    lib.people.set(
      Object.fromEntries(Array.from({ length: 255 }, (_, i) => ['p' + i, Array.from({ length: 255 }, () => 'y'.repeat(255))])),
    );
    pipes.sent.forEach(expectSendable);
    expect(reports.some((r) => r.code === 'invalid_call' && /^people\.set: .*bytes/.test(r.message))).toBe(true);
  });
});
