// Checks on the opt-in service worker's built file: within its byte ceiling, no `fetch` handler
// (it must never see the site's requests), and none of its code in the library's bundles.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { BUDGETS } from '../../scripts/budgets.mjs';
import { bundleNpmEntry } from '../../scripts/bundle-npm-entry.mjs';

const WORKER = 'dist/outlast-sw.js';

describe('the service worker file', () => {
  const code = readFileSync(WORKER, 'utf8');

  it(`stays within ${BUDGETS[WORKER].ceiling} bytes gzip`, () => {
    const size = gzipSync(code, { level: 9 }).length;
    console.log(`${WORKER}: ${size} B gzip, ceiling ${BUDGETS[WORKER].ceiling}`);
    expect(size).toBeLessThanOrEqual(BUDGETS[WORKER].ceiling);
  });

  it('listens for install, message and sync only: no fetch handler', () => {
    const events = [...code.matchAll(/self\.addEventListener\(\s*["'`](\w+)["'`]/g)].map((m) => m[1]).sort();
    expect(events).toEqual(['install', 'message', 'sync']);
    expect(code).not.toMatch(/onfetch|respondWith|clients\.claim/);
  });

  it('is in no CDN build and no npm entry, of either flavour', async () => {
    // the worker's own markers: its registry database, its lifecycle call and its event
    const markers = /outlast-sw|skipWaiting|"sync"/;
    expect(readFileSync('dist/outlast.min.js', 'utf8')).not.toMatch(markers);
    expect(readFileSync('dist/outlast-with-sw.min.js', 'utf8')).not.toMatch(markers);
    expect(await bundleNpmEntry()).not.toMatch(markers);
    expect(await bundleNpmEntry('outlast/with-service-worker')).not.toMatch(markers);
  });
});
