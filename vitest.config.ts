import { defineConfig } from 'vitest/config';

// Fast unit tests of policy (Node, fake timers, fake-indexeddb), checks on the build, and browser
// scenarios that drive real engines against a real local collector: once per engine for the files
// in test/engines, on Chromium for the few in test/browser. Each browser test file starts its own
// collector and site on ephemeral ports, so files run in parallel.
//
// A browser test that fails is run again, twice at most: on this 2-core machine, with three
// engines running files in parallel, an engine sometimes drops what a page sends as it is
// destroyed (Firefox loses about one keepalive request in ten made at `pagehide` that way, where
// it loses none when the machine is idle), which says nothing about the library. A test that
// passes only on a retry is listed by `npm test` (test/run.mjs), so a flaky one stays in sight.
const BROWSER_RETRIES = 2;

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['test/unit/**/*.test.ts'],
          setupFiles: ['test/unit/fast-check-seed.ts'],
          environment: 'node',
          testTimeout: 10_000,
        },
      },
      {
        // Checks on the built files in dist/ (run after `rollup -c`): byte budgets, CSP safety, SSR import.
        test: {
          name: 'build',
          sequence: { groupOrder: 1 },
          include: ['test/build/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
        },
      },
      // The few files that need a Chromium-only step (each says which at its top).
      {
        test: {
          name: 'browser',
          sequence: { groupOrder: 2 },
          retry: BROWSER_RETRIES,
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 60_000,
          pool: 'forks',
          maxWorkers: 2,
          fileParallelism: true,
        },
      },
      // The scenarios that prove the promise, written once against the driver layer
      // (test/support/engines) and run on each engine; OUTLAST_ENGINE picks the driver.
      ...(['chromium', 'firefox', 'webkit'] as const).map((engine) => ({
        test: {
          name: engine,
          sequence: { groupOrder: 2 },
          retry: BROWSER_RETRIES,
          include: ['test/engines/**/*.test.ts'],
          environment: 'node',
          env: { OUTLAST_ENGINE: engine },
          testTimeout: 120_000,
          hookTimeout: 60_000,
          pool: 'forks' as const,
          maxWorkers: 2,
          fileParallelism: true,
        },
      })),
    ],
  },
});
