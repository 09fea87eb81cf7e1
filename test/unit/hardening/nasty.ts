// What a page may hand the SDK, as fast-check arbitraries, and the check every request body
// must pass before it reaches the pipeline: plain JSON within Mixpanel's limits.
import fc from 'fast-check';
import { expect } from 'vitest';
import type { Endpoint } from '../../../src/config';
import { MAX_EVENT_BYTES, MAX_PROPERTIES, MAX_STRING_BYTES, MAX_STRING_LENGTH } from '../../../src/constants';
import type { Pipeline } from '../../../src/delivery/types';
import type { PipelineOptions } from '../../../src/client/instance';

/** 1 MiB of text, built once: long enough to break any limit. */
export const HUGE = 'x'.repeat(1 << 20);

/** Text of 4-byte characters (two UTF-16 units each) after two ASCII ones, so that a cut at 255 units would split a pair. */
export const HUGE_EMOJI = 'ab' + '😀'.repeat(1 << 12);

/** An object with 10,000 keys. */
export const MANY_KEYS = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => ['k' + i, i]));

/** Own keys named `__proto__`, `constructor` and `prototype`, as JSON.parse makes them. */
export const POLLUTING = () =>
  JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"prototype":{"polluted":1},"ok":1}');

/** Values no JSON has: circular graphs, DOM-node and window look-alikes, throwing getters and proxies. */
const hostile: fc.Arbitrary<unknown> = fc
  .constantFrom(
    'circular',
    'dom',
    'window',
    'getter',
    'proxy',
    'revoked',
    'toJSON-self',
    'toJSON-throws',
    'huge',
    'huge-emoji',
    'huge-key',
    'many-keys',
    'polluting',
    'sparse',
    'typed',
    'deep',
  )
  .map((kind) => named(kind, hostileValue(kind)));

/** Gives a hostile object a name fast-check prints instead of reading it (which would throw). */
function named(kind: string, v: unknown): unknown {
  if (v && typeof v === 'object' && !Object.getOwnPropertyDescriptor(v, fc.toStringMethod))
    Object.defineProperty(v, fc.toStringMethod, { value: () => `<${kind}>` });
  return v;
}

function hostileValue(kind: string): unknown {
  switch (kind) {
    case 'circular': {
      const o: Record<string, unknown> = { a: 1 };
      o.self = o;
      o.list = [o, { back: o }];
      return o;
    }
    case 'dom': {
      const doc: Record<string, unknown> = { nodeType: 9 };
      return { nodeType: 1, nodeName: 'DIV', ownerDocument: doc, parentNode: doc, innerText: HUGE };
    }
    case 'window': {
      const w: Record<string, unknown> = { document: { nodeType: 9 } };
      w.window = w;
      return w;
    }
    case 'getter':
      return Object.defineProperty({ fine: 1 }, 'boom', {
        enumerable: true,
        get() {
          throw new Error('getter');
        },
      });
    case 'proxy':
      // fast-check prints values with toString and probes symbols: those two stay readable
      return new Proxy(
        { [fc.toStringMethod]: () => 'ThrowingProxy' },
        {
          get: (t, k) => {
            if (typeof k === 'symbol' || k === 'toString') return Reflect.get(t, k);
            throw new Error('trap');
          },
          ownKeys: () => {
            throw new Error('trap');
          },
        },
      );
    case 'revoked': {
      const r = Proxy.revocable({}, {});
      r.revoke();
      // inside an object: fast-check itself probes the values it generates
      return { revoked: r.proxy, [fc.toStringMethod]: () => '{ revoked: RevokedProxy }' };
    }
    case 'toJSON-self': {
      const o: Record<string, unknown> = {};
      o.toJSON = () => o;
      return o;
    }
    case 'toJSON-throws':
      return {
        toJSON: () => {
          throw new Error('toJSON');
        },
      };
    case 'huge':
      return HUGE;
    case 'huge-emoji':
      return HUGE_EMOJI;
    case 'huge-key':
      return { [HUGE]: 1, fine: 2 };
    case 'many-keys':
      return MANY_KEYS;
    case 'polluting':
      return POLLUTING();
    case 'sparse':
      return new Array(2 ** 32 - 1);
    case 'typed':
      return new Float64Array(100_000);
    default: {
      let d: unknown = 'bottom';
      for (let i = 0; i < 50; i++) d = { d, list: [d] };
      return d;
    }
  }
}

/** Anything: any JSON, undefined, symbols, functions, BigInt, Dates, typed arrays, Maps, Sets, and the hostile values above, nested. */
export const nasty: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.anything({
      withBigInt: true,
      withDate: true,
      withTypedArray: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withBoxedValues: true,
      withSparseArray: true,
      withObjectString: true,
      maxDepth: 3,
    }),
  },
  { weight: 2, arbitrary: hostile },
  { weight: 1, arbitrary: fc.oneof(fc.constant(undefined), fc.constant(Symbol('s')), fc.func(fc.anything()), fc.bigInt(), fc.date()) },
  {
    weight: 2,
    arbitrary: fc.dictionary(fc.string(), fc.oneof(fc.anything({ withBigInt: true, withDate: true }), hostile), { maxKeys: 6 }),
  },
);

/** A name Mixpanel accepts: a non-blank string (long ones are cut). */
export const eventName: fc.Arbitrary<string> = fc.oneof(
  fc.string({ minLength: 1 }).filter((s) => s.trim() !== ''),
  fc.constant(HUGE),
);

export interface Captured {
  ep: Endpoint;
  /** The very text the client hands over: what the outbox stores and the sender puts on the wire. */
  json: string;
  /** `json` parsed back, for the checks to walk. */
  body: Record<string, unknown>;
}

/** A pipeline factory that keeps the very text the client hands over, and that text parsed. */
export function capturingPipelines() {
  const sent: Captured[] = [];
  const factory = (_: PipelineOptions): Pipeline => ({
    enqueue: (ep, json) => void sent.push({ ep, json, body: JSON.parse(json) }),
    settle: async () => {},
    state: async () => ({
      queued: 0,
      bytes: 0,
      store: 'memory',
      in_flight: 0,
      delivered: 0,
      retried: 0,
      dropped: 0,
      host: '',
      next_attempt_at: null,
      is_sender: true,
      offline: false,
    }),
    flush: async () => {},
    pause: () => {},
    resume: () => {},
    purge: async () => {},
    close: () => {},
  });
  return { sent, factory };
}

/** Whether `s` has a lone surrogate, which no UTF-8 text can hold. */
const hasLoneSurrogate = (s: string) => /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

/**
 * Throws unless `v` is plain JSON within Mixpanel's limits: strings of at most 255 bytes of UTF-8
 * and no half of a surrogate pair (keys: at most 255 characters), finite numbers, plain objects
 * of fewer than 255 keys and no own `__proto__`, arrays of fewer than 255 items.
 */
export function expectPlainJson(v: unknown, path = 'body'): void {
  const fail = (why: string) => expect.fail(`${path}: ${why}`);
  if (v === null || typeof v === 'boolean') return;
  // the event name is a name: Mixpanel's limit there is 255 characters, as for keys
  if (path === 'body.event' && typeof v === 'string') {
    if (v.length > MAX_STRING_LENGTH) fail(`event name of ${v.length} characters`);
    if (hasLoneSurrogate(v)) fail('a lone surrogate');
    return;
  }
  if (typeof v === 'string') {
    if (v.length * 3 > MAX_STRING_BYTES && new TextEncoder().encode(v).length > MAX_STRING_BYTES) fail(`string of ${v.length} characters`);
    if (hasLoneSurrogate(v)) fail('a lone surrogate');
    return;
  }
  if (typeof v === 'number') return void (!Number.isFinite(v) && fail(`number ${v}`));
  if (typeof v !== 'object') return fail(`a ${typeof v}`);
  if (Array.isArray(v)) {
    if (v.length > MAX_PROPERTIES) fail(`array of ${v.length} items`);
    for (let i = 0; i < v.length; i++) {
      if (!(i in v)) fail(`hole at ${i}`);
      expectPlainJson(v[i], `${path}[${i}]`);
    }
    return;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) fail('not a plain object');
  if (Object.getOwnPropertySymbols(v).length) fail('symbol keys');
  const keys = Object.keys(v);
  if (keys.length > MAX_PROPERTIES) fail(`${keys.length} keys`);
  for (const k of keys) {
    if (k === '__proto__') fail('own __proto__ key');
    if (k.length > MAX_STRING_LENGTH) fail(`key of ${k.length} characters`);
    expectPlainJson((v as Record<string, unknown>)[k], `${path}.${k.slice(0, 20)}`);
  }
}

/** Checks a body as it reaches the pipeline: the JSON text of an object, plain JSON within limits, and for /track under MAX_EVENT_BYTES. */
export function expectSendable({ ep, json, body }: Captured): void {
  expect(typeof json).toBe('string');
  expect(json[0]).toBe('{'); // what the outbox accepts back from storage
  expectPlainJson(body);
  // nothing JSON.parse would drop (a duplicate key); integer-like keys may come back in another order
  expect(JSON.stringify(body).length).toBe(json.length);
  if (ep === 'track') {
    expect(new TextEncoder().encode(json).length).toBeLessThanOrEqual(MAX_EVENT_BYTES);
    expect(typeof body.event).toBe('string');
    const p = body.properties as Record<string, unknown>;
    expect(typeof p.token).toBe('string');
    expect(p.$insert_id).toMatch(/^[A-Za-z0-9-]{1,36}$/);
    expect(Number.isFinite(p.time)).toBe(true);
  } else expect(typeof body.$token).toBe('string');
}

/** Names of Object.prototype's own properties, and a probe that pollution would show up on. */
export function prototypeSnapshot(): string {
  return Object.getOwnPropertyNames(Object.prototype).sort().join();
}
export const isPolluted = (): boolean => {
  const probe = {} as Record<string, unknown>;
  return (
    probe.polluted !== undefined ||
    (probe.constructor as unknown as Record<string, unknown>).polluted !== undefined ||
    Object.prototype !== Object.getPrototypeOf(probe)
  );
};
