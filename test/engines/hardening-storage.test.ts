// Storage the SDK cannot trust, on every engine: garbage left in its IndexedDB outbox and
// localStorage, an IndexedDB that is full, and storage APIs that throw SecurityError. The SDK
// drops what it cannot read (reported once), keeps every readable event, and carries on through
// what remains. What an init script would break is broken by page code that runs before the SDK.
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/fixtures';
import { useEngineScenario, type EngineHarness } from '../support/engines/harness';
import { deliveryState, reportsOf, sdkPage, trackIn, trackScript, waitArrived, waitState } from '../support/sdk-page';
import { pageHtml } from '../support/site';

let h: EngineHarness;
const open = useEngineScenario((harness) => (h = harness));

/**
 * A record as the outbox stores it, for `label`: version 2 keeps the body as JSON text; version 1
 * (before the text) kept the object, and an outbox an older version left must still be sent.
 */
const record = (token: string, id: string, label: string, v = 2) => {
  const body = {
    event: 'seeded',
    properties: { token, label, time: Date.now() / 1000, $insert_id: 'seed' + id, distinct_id: 'seed-user' },
  };
  const json = JSON.stringify(body);
  return v === 1
    ? { v, id, at: Date.now(), ep: 'track', body, size: json.length }
    : { v, id, at: Date.now(), ep: 'track', json, size: json.length };
};

describe('garbage in storage before the SDK loads', () => {
  it('unreadable outbox records and identity are dropped and reported once; seeded valid records and new events arrive', async () => {
    const token = 'storage-garbage';
    const page = await open();
    // a page of the same origin without the SDK leaves the mess
    await page.goto(h.site.page('/seed.html', pageHtml({ title: 'seed' })));
    const valid = ['000000001000000aaaaaaaa', '000000002000000aaaaaaaa', '000000003000000aaaaaaaa'];
    const garbage: Array<[string | number, unknown]> = [
      ['000000000500000zzzzzzzz', 'just a string'],
      ['000000000600000zzzzzzzz', { v: 0, id: '000000000600000zzzzzzzz', at: Date.now(), ep: 'track', json: '{}', size: 2 }], // a schema version no build wrote (newer ones are left for their build)
      ['000000000650000zzzzzzzz', { v: 2, id: '000000000650000zzzzzzzz', at: Date.now(), ep: 'track', json: '[1]', size: 3 }], // a body that is not an object
      ['000000000700000zzzzzzzz', { v: 1, id: 'another-id', at: Date.now(), ep: 'track', body: {}, size: 2 }], // id is not its key
      ['000000000800000zzzzzzzz', { v: 1, id: '000000000800000zzzzzzzz', at: 'yesterday', ep: 'nowhere', body: null, size: '2' }], // wrong types
      [42, { v: 1, id: '42', at: Date.now(), ep: 'track', body: { event: 'x' }, size: 2 }], // a number key
    ];
    // One more, written in the page because a BigInt cannot travel to it as JSON: a body that is not JSON.
    const notJson = 1;
    await page.evaluate(
      ({ name, records, garbage, token }) =>
        new Promise<void>((resolve, reject) => {
          const open = indexedDB.open(name);
          open.onupgradeneeded = () => open.result.createObjectStore('outbox');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const tx = open.result.transaction('outbox', 'readwrite');
            const store = tx.objectStore('outbox');
            for (const r of records) store.put(r, r.id);
            for (const [k, v] of garbage) store.put(v, k);
            const id = '000000000900000zzzzzzzz';
            store.put({ v: 1, id, at: Date.now(), ep: 'track', body: { event: 'x', properties: { big: BigInt(10) } }, size: 2 }, id);
            tx.oncomplete = () => {
              open.result.close();
              resolve();
            };
            tx.onerror = () => reject(tx.error);
          };
          localStorage.setItem(`mp_${token}_mixpanel`, '{"distinct_id": 42, "__timers": "no"');
          localStorage.setItem(`mp_outbox_${token}_000000000100000yyyyyyyy`, '{not json');
          localStorage.setItem(`mp_outbox_${token}_000000000200000yyyyyyyy`, '[1,2,3]');
          localStorage.setItem('__mp_opt_in_out_' + token, 'maybe');
          localStorage.setItem('__outlast_stub_queue:garbage', '{"i": "not a list"');
        }),
      {
        name: 'outlast-' + token,
        records: valid.map((id, i) => record(token, id, 'seeded-' + i, i ? 2 : 1)),
        garbage: garbage as unknown as Array<[string, string]>,
        token,
      },
    );

    const url = sdkPage(h, '/garbage.html', { token, script: trackScript('fresh', 5) });
    await page.goto(url);
    const got = await waitArrived(h.collector, token, 8);
    expect(got.labels).toEqual(['fresh-0', 'fresh-1', 'fresh-2', 'fresh-3', 'fresh-4', 'seeded-0', 'seeded-1', 'seeded-2']);
    await waitFor(async () => (await deliveryState(page)).queued === 0);

    const reports = await reportsOf(page);
    const corrupt = reports.filter((r) => r.code === 'dropped' && r.reason === 'corrupt');
    // every unreadable record counted once, and only once (the two in localStorage too)
    expect(corrupt.reduce((n, r) => n + (r.count ?? 0), 0)).toBe(garbage.length + notJson + 2);
    expect(reports.filter((r) => r.code === 'storage' && /partly unreadable/.test(r.message))).toHaveLength(1);
    expect(page.pageErrors).toEqual([]);
    // a later page finds nothing left to report
    await page.goto(url);
    await trackIn(page, 'later', 1);
    await waitArrived(h.collector, token, 9);
    expect((await reportsOf(page)).filter((r) => r.code === 'dropped' || r.code === 'storage')).toEqual([]);
  });
});

/** Once `window.__full` is set, every IndexedDB write fails as a full disk does. */
const FULL_DISK = `var put = IDBObjectStore.prototype.put;
IDBObjectStore.prototype.put = function () {
  if (window.__full) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  return put.apply(this, arguments);
};`;

describe('IndexedDB full', () => {
  it('events already stored are kept and delivered; new ones go to localStorage, reported; past the cap they are dropped and counted', async () => {
    const token = 'storage-full';
    for (const name of Object.keys(h.collector.urls)) await h.collector.setMode(name, '503');
    const page = await open();
    await page.goto(
      sdkPage(h, '/full.html', { token, initScript: FULL_DISK, config: { outbox_max_events: 15 }, script: trackScript('before', 10) }),
    );
    await waitFor(async () => (await deliveryState(page)).queued === 10);
    expect((await deliveryState(page)).store).toBe('indexeddb');

    await page.evaluate(() => {
      (window as unknown as { __full: boolean }).__full = true;
    });
    await trackIn(page, 'after', 10);
    const state = await waitState(page, (s) => s.queued === 15);
    expect(state.store).toBe('localstorage');
    expect(state.dropped).toBe(5);
    const reports = await reportsOf(page);
    expect(reports.filter((r) => r.code === 'storage')).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/QuotaExceededError.*localStorage/) }),
    ]);
    expect(reports.filter((r) => r.code === 'dropped')).toEqual([expect.objectContaining({ reason: 'cap', count: 5 })]);

    for (const name of Object.keys(h.collector.urls)) await h.collector.setMode(name, 'ok');
    const got = await waitArrived(h.collector, token, 15);
    expect(got.labels).toEqual(
      [...Array.from({ length: 10 }, (_, i) => 'before-' + i), ...Array.from({ length: 5 }, (_, i) => 'after-' + i)].sort(),
    );
    expect(got.duplicates).toBe(0);
    expect(page.pageErrors).toEqual([]);
  });
});

/** indexedDB, localStorage and document.cookie, each throwing as a locked-down embed does. */
const DENY_STORAGE = `(function () {
  var deny = function () { throw new DOMException('The operation is insecure.', 'SecurityError'); };
  Object.defineProperty(window, 'indexedDB', { get: deny, configurable: true });
  Object.defineProperty(window, 'localStorage', { get: deny, configurable: true });
  Object.defineProperty(Document.prototype, 'cookie', { get: deny, set: deny, configurable: true });
})();`;

describe('storage APIs that throw SecurityError', () => {
  it('indexedDB, localStorage and document.cookie all throwing: the SDK loads, tracks and delivers from memory', async () => {
    const token = 'storage-denied';
    const page = await open();
    await page.goto(
      sdkPage(h, '/denied.html', {
        token,
        initScript: DENY_STORAGE,
        script: `mixpanel.identify('u1'); mixpanel.register({ plan: 'pro' }); ${trackScript('denied', 10)}`,
      }),
    );
    const got = await waitArrived(h.collector, token, 10);
    expect(got.labels).toHaveLength(10);
    const one = h.collector.events({ event: 'denied' })[0]!.data.properties as Record<string, unknown>;
    expect(one).toMatchObject({ distinct_id: 'u1', plan: 'pro' });
    expect((await deliveryState(page)).store).toBe('memory');
    expect(page.pageErrors).toEqual([]);
  });
});
