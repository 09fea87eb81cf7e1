// The property names terser renames in the CDN file (scripts/terser-options.mjs) must be
// internal only: a renamed option, method or report field would break every site silently, and
// a renamed name that the code reaches through a string would break that lookup.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { MANGLED_PROPERTIES } from '../../scripts/terser-options.mjs';
import { DEFAULT_CONFIG } from '../../src/config';
import { createLibrary } from '../../src/client/library';
import type { Pipeline } from '../../src/delivery/types';

/** Names declared as members in `files`: every public type's fields and methods, options included. */
const declaredMembers = (files: string[]): string[] =>
  files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/^\s+([A-Za-z_$][\w$]*)\??\s*[:(]/gm)].map((m) => m[1]!));

/** mixpanel-browser's own options (its DEFAULT_CONFIG), which sites pass and `get_config()` answers. */
const mixpanelOptions = (): string[] => {
  const core = readFileSync('node_modules/mixpanel-browser/src/mixpanel-core.js', 'utf8');
  const block = core.slice(core.indexOf('var DEFAULT_CONFIG = {'), core.indexOf('};', core.indexOf('var DEFAULT_CONFIG = {')));
  return [...block.matchAll(/'([\w$]+)':/g)].map((m) => m[1]!);
};

describe('property names renamed in the CDN file', () => {
  it('none is an option, or a name of the public API', () => {
    const lib = createLibrary({ createPipeline: () => ({}) as Pipeline }) as unknown as Record<string, Record<string, unknown>>;
    const publicNames = new Set([
      ...Object.keys(DEFAULT_CONFIG),
      ...mixpanelOptions(),
      ...declaredMembers(['src/client/types.ts', 'src/config.ts', 'src/utils/report.ts']),
      ...Object.keys(lib),
      ...Object.keys(lib.people!),
      ...Object.keys(lib.flags!),
      ...Object.keys((lib.get_group as unknown as (k: string, id: string) => object)('company', 'c1')),
      // get_delivery_state() and the on_error report
      ...['queued', 'bytes', 'store', 'in_flight', 'delivered', 'retried', 'dropped', 'host', 'next_attempt_at', 'is_sender', 'offline'],
      ...['code', 'message', 'reason', 'count', 'detail'],
    ]);
    expect(MANGLED_PROPERTIES.filter((name) => publicNames.has(name))).toEqual([]);
  });

  it('none is left in dist/outlast.min.js as a string (a lookup by name would miss the renamed property)', () => {
    const code = readFileSync('dist/outlast.min.js', 'utf8');
    expect(MANGLED_PROPERTIES.filter((name) => new RegExp(`["'\`]${name}["'\`]`).test(code))).toEqual([]);
  });

  it('none is left in dist/outlast.min.js as a property', () => {
    const code = readFileSync('dist/outlast.min.js', 'utf8');
    expect(MANGLED_PROPERTIES.filter((name) => new RegExp(`\\.${name}\\b`).test(code))).toEqual([]);
  });
});
