import { afterEach, describe, expect, it } from 'vitest';
import { MAX_DEPTH, MAX_PROPERTIES } from '../../../src/constants';
import { cleanProperties } from '../../../src/client/sanitize';
import { removeBrowser, setup } from './fake-browser';

afterEach(removeBrowser);

const utf8Bytes = (s: string) => new TextEncoder().encode(s).length;
/** No lone surrogate: UTF-8 round-trips it unchanged. */
const wellFormed = (s: string) => new TextDecoder().decode(new TextEncoder().encode(s)) === s;

const clean = (input: unknown) => {
  const notes: string[] = [];
  const out = cleanProperties(input, notes);
  // whatever comes out must survive JSON unchanged
  expect(JSON.parse(JSON.stringify(out))).toEqual(out);
  return { out, notes };
};

describe('cleanProperties', () => {
  it('Date becomes Mixpanel’s date format; an invalid one null', () => {
    const { out, notes } = clean({ at: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)), bad: new Date('nope') });
    expect(out).toEqual({ at: '2024-01-02T03:04:05', bad: null });
    expect(notes).toHaveLength(1);
  });

  it('BigInt becomes a string; NaN and ±Infinity null', () => {
    const { out, notes } = clean({ big: BigInt('1180591620717411303424'), nan: NaN, inf: Infinity, ninf: -Infinity, ok: 1.5 });
    expect(out).toEqual({ big: '1180591620717411303424', nan: null, inf: null, ninf: null, ok: 1.5 });
    expect(notes).toHaveLength(4);
  });

  it('-0 becomes 0, as JSON sends it, so the stored body is exactly the one on the wire', () => {
    const { out, notes } = clean({ z: -0, list: [-0] });
    expect(Object.is((out as { z: number }).z, 0)).toBe(true);
    expect(Object.is((out as { list: number[] }).list[0], 0)).toBe(true);
    expect(notes).toEqual([]);
  });

  it('drops functions and symbols (noted) and undefined (silently), in arrays too', () => {
    const { out, notes } = clean({ f: () => 1, s: Symbol('x'), u: undefined, list: [1, () => 2, undefined, 3], keep: 'k' });
    expect(out).toEqual({ list: [1, 3], keep: 'k' });
    expect(notes.join()).toMatch(/f is a function/);
    expect(notes.join()).toMatch(/s is a symbol/);
    expect(notes).toHaveLength(3);
  });

  it('cuts circular references, keeps shared ones', () => {
    const shared = { v: 1 };
    const a: Record<string, unknown> = { name: 'a', shared, again: shared };
    a.self = a;
    const { out, notes } = clean({ a });
    expect(out).toEqual({ a: { name: 'a', shared: { v: 1 }, again: { v: 1 } } });
    expect(notes).toEqual(['a.self is a circular reference, dropped']);
  });

  it(`drops containers nested deeper than ${MAX_DEPTH} levels`, () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 10; i++) deep = { d: deep };
    const { out, notes } = clean({ deep });
    let depth = 0;
    for (let o = out.deep as Record<string, unknown> | undefined; o && typeof o === 'object'; o = o.d as Record<string, unknown>) depth++;
    expect(depth).toBe(MAX_DEPTH - 1);
    expect(notes[0]).toMatch(/nested deeper/);
  });

  it('cuts long ASCII strings to 255 characters, as mixpanel-browser’s _.truncate(data, 255) does', () => {
    const { out, notes } = clean({ s: 'x'.repeat(1000), list: ['y'.repeat(300)], short: 'z'.repeat(255) });
    expect((out.s as string).length).toBe(255);
    expect((out.list as string[])[0]!.length).toBe(255);
    expect(out.short).toBe('z'.repeat(255));
    expect(notes).toHaveLength(2);
  });

  // Mixpanel stores at most 255 bytes of a string ("Supported Properties Data Type"); _.truncate
  // cuts 255 UTF-16 units, which is up to 765 bytes and may leave half of a surrogate pair.
  it.each([
    ['emoji (4 bytes, two UTF-16 units)', '😀', 63],
    ['CJK (3 bytes)', '漢', 85],
    ['accented Latin (2 bytes)', 'é', 127],
  ])('cuts %s to at most 255 bytes of UTF-8, on a character boundary', (_label, char, kept) => {
    const { out, notes } = clean({ s: 'a' + char.repeat(300), exact: char.repeat(kept) });
    const cut = out.s as string;
    expect(utf8Bytes(cut)).toBeLessThanOrEqual(255);
    expect(cut).toBe('a' + char.repeat(Math.floor(254 / utf8Bytes(char))));
    expect(wellFormed(cut)).toBe(true);
    expect(out.exact).toBe(char.repeat(kept)); // within 255 bytes: left whole
    expect(notes).toEqual(['s is over 255 bytes, cut']);
  });

  it('never splits a surrogate pair at the cut, and counts a lone surrogate as the 3 bytes it is sent as', () => {
    const { out } = clean({ s: 'x'.repeat(253) + '😀' + 'y', lone: '\ud800'.repeat(100) });
    expect(out.s).toBe('x'.repeat(253));
    expect((out.lone as string).length).toBe(85);
  });

  it('keeps fewer than 255 keys and list items (Mixpanel’s /track limits), in nested objects too', () => {
    const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => ['k' + i, i]));
    const { out, notes } = clean({ ...keys(254), extra: 1 });
    expect(Object.keys(out)).toHaveLength(254);
    expect(notes).toEqual(['properties has over 254 keys, cut']);
    const nested = clean({ o: keys(300), list: Array.from({ length: 300 }, (_, i) => i), fits: Array.from({ length: 254 }, () => 1) }).out;
    expect(Object.keys(nested.o as object)).toHaveLength(254);
    expect(nested.list).toHaveLength(254);
    expect(nested.fits).toHaveLength(254);
  });

  it('keeps the first keys of 10,000, and the first items of 10,000', () => {
    const many: Record<string, number> = {};
    for (let i = 0; i < 10_000; i++) many['k' + i] = i;
    const { out, notes } = clean({ ...many, list: Array.from({ length: 10_000 }, (_, i) => i) });
    expect(Object.keys(out)).toHaveLength(MAX_PROPERTIES);
    expect(out.k0).toBe(0);
    expect(notes).toHaveLength(1);
    const { out: withList } = clean({ list: Array.from({ length: 10_000 }, (_, i) => i) });
    expect(withList.list).toHaveLength(MAX_PROPERTIES);
    expect((withList.list as number[]).at(-1)).toBe(MAX_PROPERTIES - 1);
  });

  it('__proto__ keys never pollute Object.prototype', () => {
    const evil = JSON.parse(
      '{"__proto__": {"polluted": "yes"}, "nested": {"__proto__": {"polluted": "yes"}}, "constructor": {"prototype": {"polluted": "yes"}}}',
    );
    const { out, notes } = clean(evil);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(out.nested)).toBe(Object.prototype);
    expect(Object.keys(out.nested as object)).toEqual([]);
    expect(out.constructor).toEqual({ prototype: { polluted: 'yes' } });
    expect(notes.filter((n) => n.includes('__proto__'))).toHaveLength(2);
  });

  it('drops a property whose getter throws, and a proxy that throws on every trap', () => {
    const obj = {
      ok: 1,
      get boom(): number {
        throw new Error('getter');
      },
    };
    const trap = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('trap');
        },
        getPrototypeOf() {
          throw new Error('trap');
        },
        get() {
          throw new Error('trap');
        },
      },
    );
    const { out, notes } = clean({ obj, trap });
    expect(out).toEqual({ obj: { ok: 1 } });
    expect(notes).toHaveLength(2);
  });

  it('typed arrays become arrays of numbers (capped); Map and Set become object and array', () => {
    const { out } = clean({
      bytes: new Uint8Array([1, 2, 3]),
      floats: new Float32Array([0.5]),
      bigs: new BigInt64Array([BigInt(5)]),
      huge: new Uint8Array(1_000_000),
      map: new Map<unknown, unknown>([
        ['a', 1],
        [2, 'b'],
      ]),
      set: new Set(['x', 'y']),
    });
    expect(out).toMatchObject({ bytes: [1, 2, 3], floats: [0.5], bigs: ['5'], map: { a: 1, '2': 'b' }, set: ['x', 'y'] });
    expect(out.huge).toHaveLength(MAX_PROPERTIES);
  });

  it('drops DOM nodes and windows, and uses toJSON where an object has one', () => {
    const node = { nodeType: 1, nodeName: 'DIV', parentNode: null };
    const win: Record<string, unknown> = {};
    win.window = win;
    const moment = { toJSON: () => '2024-01-01T00:00:00.000Z' };
    const { out } = clean({ node, win, moment });
    expect(out).toEqual({ moment: '2024-01-01T00:00:00.000Z' });
  });

  it('says every change in one sentence: the property, what was wrong, what was sent', () => {
    const deep = { a: { b: { c: { d: { e: { f: 1 } } } } } };
    const { notes } = clean({
      s: 'x'.repeat(300),
      n: NaN,
      big: BigInt(1),
      when: new Date('nope'),
      f: () => 1,
      node: { nodeType: 1 },
      deep,
      list: Array.from({ length: 300 }, () => 1),
      ['k'.repeat(300)]: 1,
      get bad(): number {
        throw new Error('getter');
      },
    });
    expect(notes).toEqual([
      's is over 255 bytes, cut',
      'n is NaN, sent as null',
      'big is a BigInt, sent as a string',
      'when is an invalid Date, sent as null',
      'f is a function, dropped',
      'node is a DOM node or window, dropped',
      'deep.a.b.c.d is nested deeper than 5 levels, dropped',
      'list has over 254 items, cut',
      'k'.repeat(40) + '... is a name over 255 characters, dropped',
      'bad is unreadable, dropped',
    ]);
  });

  it('anything but an object as properties is ignored, with a note', () => {
    expect(clean('text')).toEqual({ out: {}, notes: ['properties must be an object, got "text"; ignored'] });
    expect(clean([1, 2]).out).toEqual({});
    expect(clean(null)).toEqual({ out: {}, notes: [] });
  });
});

describe('track() with bad input', () => {
  it('sends a JSON-safe event and reports the changes once', () => {
    const { lib, pipes, reports, on_error } = setup();
    lib.init('tok', { on_error });
    const circular: Record<string, unknown> = {};
    circular.me = circular;
    lib.track('x', { when: new Date(0), n: NaN, f: () => 1, circular });
    const p = pipes.events()[0]!.properties;
    expect(p).toMatchObject({ when: '1970-01-01T00:00:00', n: null, circular: {} });
    expect(p).not.toHaveProperty('f');
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ code: 'invalid_property' });
    expect(reports[0]!.message).toMatch(/^track\("x"\): /);
  });

  it('10,000 properties on one event: the automatic ones survive, the total stays under 255', () => {
    const { lib, pipes } = setup();
    lib.init('tok');
    const many: Record<string, number> = {};
    for (let i = 0; i < 10_000; i++) many['k' + i] = i;
    lib.track('x', many);
    const p = pipes.events()[0]!.properties;
    expect(Object.keys(p)).toHaveLength(254);
    expect(p).toMatchObject({ token: 'tok', mp_lib: 'web' });
    expect(p.distinct_id).toMatch(/^\$device:/);
  });

  it('a debug: true report reaches the console', () => {
    const { lib } = setup();
    const warn = console.warn;
    const lines: unknown[][] = [];
    console.warn = (...a: unknown[]) => void lines.push(a);
    try {
      lib.init('tok', { debug: true });
      lib.track('');
    } finally {
      console.warn = warn;
    }
    expect(String(lines[0]![0])).toMatch(/invalid_call: track: event name must be a non-empty string/);
  });
});
