// init() and set_config() with anything: never throw, never pollute, keep every option usable
// (a refused option keeps its value and is reported), and refuse hosts that are not http(s) URLs.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../src/config';
import { createLibrary } from '../../../src/client/library';
import type { ErrorReport } from '../../../src/utils/report';
import { fakeBrowser, removeBrowser } from '../client/fake-browser';
import { capturingPipelines, expectSendable, HUGE, isPolluted, nasty, POLLUTING, prototypeSnapshot } from './nasty';

const proto = prototypeSnapshot();
afterEach(() => {
  removeBrowser();
  expect(prototypeSnapshot()).toBe(proto);
  expect(isPolluted()).toBe(false);
});

/** Option values as likely to be wrong as right: each known option with anything, or a plausible value. */
const config = fc.oneof(
  nasty,
  fc.dictionary(fc.constantFrom(...Object.keys(DEFAULT_CONFIG), '__proto__', 'constructor'), nasty, { maxKeys: 8 }),
  fc.constant(POLLUTING()),
  fc.constant({ api_routes: { track: 5 }, api_host: 'javascript:alert(1)' }),
);

/** Throws unless every option of `cfg` still has the type of its default. */
function expectUsable(cfg: Record<string, unknown>): void {
  for (const [k, d] of Object.entries(DEFAULT_CONFIG)) {
    const v = cfg[k];
    // an absolute http(s) URL, a /path or a //host (issue 14: relative api_host values)
    if (k === 'api_host') for (const h of ([] as unknown[]).concat(v)) expect(h).toMatch(/^(https?:\/\/|\/)/);
    else if (d === null) expect(v === null || typeof v === 'function', k).toBe(true);
    else if (Array.isArray(d)) expect(Array.isArray(v) && v.every((x) => typeof x === 'string'), k).toBe(true);
    else if (typeof d === 'object') for (const r of Object.values(v as object)) expect(typeof r, k).toBe('string');
    else expect(typeof v, k).toBe(typeof d);
    if (typeof d === 'number') expect((v as number) > 0 && (v as number) < Infinity, k).toBe(true);
  }
}

describe('init with anything', () => {
  it('never throws; the instance works with usable options, or init is refused with a reason', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constant('tok'), nasty), config, fc.oneof(fc.constant(undefined), nasty), (token, cfg, name) => {
        fakeBrowser();
        const pipes = capturingPipelines();
        const reports: ErrorReport[] = [];
        const lib = createLibrary({ createPipeline: pipes.factory });
        // the page's on_error is replaced only when the config sets one; collect through it
        let withReporter = cfg;
        try {
          if (cfg && typeof cfg === 'object' && !Array.isArray(cfg))
            withReporter = { ...(cfg as object), on_error: (r: ErrorReport) => void reports.push(r) };
        } catch {
          // a proxy that throws on every trap: handed over as it is
        }
        let made: unknown;
        expect(() => (made = lib.init(token as string, withReporter as never, name as string))).not.toThrow();
        if (made) {
          const inst = made as typeof lib;
          expectUsable(inst.get_config() as Record<string, unknown>);
          expect(() => inst.set_config(cfg as never)).not.toThrow();
          expectUsable(inst.get_config() as Record<string, unknown>);
          inst.track('after');
          pipes.sent.forEach(expectSendable);
        }
        // every refused option is named, with what was expected instead
        for (const r of reports.filter((r) => r.code === 'invalid_config'))
          expect(Object.keys(DEFAULT_CONFIG)).toContain(/^(\w+) must be .*, got .*; (ignored|the \w+ is used)$/.exec(r.message)?.[1]);
        removeBrowser();
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a token that is not 1-255 characters, saying why', () => {
    fakeBrowser();
    for (const token of [HUGE, '', 42, null, {}]) {
      const reports: ErrorReport[] = [];
      const lib = createLibrary({ createPipeline: capturingPipelines().factory });
      expect(lib.init(token as string, { on_error: (r) => void reports.push(r) })).toBeUndefined();
      expect(reports[0]).toMatchObject({ code: 'invalid_call', message: expect.stringMatching(/^init: needs your project token/) });
    }
  });

  it('api_host and api_routes: anything but http(s) URLs and route strings is refused at init, with the option named', () => {
    fakeBrowser();
    for (const bad of ['javascript:alert(1)', 'ftp://x.example.com', 'api.example.com', ['https://ok.example.com', 'data:,x'], [], 5]) {
      const reports: ErrorReport[] = [];
      const lib = createLibrary({ createPipeline: capturingPipelines().factory });
      lib.init('tok', { api_host: bad as string, on_error: (r) => void reports.push(r) });
      expect(lib.get_config('api_host')).toEqual(DEFAULT_CONFIG.api_host);
      expect(reports).toEqual([
        expect.objectContaining({
          code: 'invalid_config',
          message: expect.stringMatching(/^api_host must be an http\(s\) URL, .*; ignored$/),
        }),
      ]);
    }
    const reports: ErrorReport[] = [];
    const lib = createLibrary({ createPipeline: capturingPipelines().factory });
    lib.init('tok', { api_routes: { track: 5 } as never, on_error: (r) => void reports.push(r) });
    expect(lib.get_config('api_routes')).toEqual(DEFAULT_CONFIG.api_routes);
    expect(reports[0]!.message).toMatch(/^api_routes must be an object of strings, got .*; ignored$/);
  });
});
