// IndexedDB unavailable, on every engine: the outbox falls back to localStorage and, across an
// outage and a navigation, still delivers every event.
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/fixtures';
import { useEngineScenario, type EngineHarness } from '../support/engines/harness';
import { deliveryState, expectedLabels, reportsOf, sdkPage, trackIn, trackScript, waitArrived, waitState } from '../support/sdk-page';

let h: EngineHarness;
const open = useEngineScenario((harness) => (h = harness));

/** Ways a browser withholds IndexedDB: a private mode, a locked-down embed, a page that broke it. */
const NO_INDEXEDDB = {
  'indexedDB.open throws': `IDBFactory.prototype.open = function () { throw new DOMException('denied', 'SecurityError'); };`,
  'window.indexedDB is missing': `delete window.indexedDB; Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true });`,
};

describe('storage fallback', () => {
  for (const [how, initScript] of Object.entries(NO_INDEXEDDB)) {
    it(`${how}: events tracked during an outage survive a navigation in localStorage and arrive`, async () => {
      for (const name of Object.keys(h.collector.urls)) await h.collector.setMode(name, '503');
      const token = `storage-${how.split('.')[0]!.split(' ')[0]}`;
      const page = await open();

      await page.goto(sdkPage(h, `/${token}-1.html`, { token, initScript, script: trackScript('first', 20), config: { debug: true } }));
      const state = await waitState(page, (s) => s.queued === 20);
      expect(state.store).toBe('localstorage');
      expect((await reportsOf(page)).some((r) => r.code === 'storage')).toBe(true);
      await waitFor(() => h.collector.requests().some((r) => r.status === 503), 10_000);

      await page.goto(sdkPage(h, `/${token}-2.html`, { token, initScript, script: trackScript('second', 5), config: { debug: true } }));
      for (const name of Object.keys(h.collector.urls)) await h.collector.setMode(name, 'ok');

      const got = await waitArrived(h.collector, token, 25, 20_000);
      expect(got.labels).toEqual([...expectedLabels('first', 20), ...expectedLabels('second', 5)].sort());
      expect(got.duplicates).toBe(0);
      expect((await deliveryState(page)).store).toBe('localstorage');
    });
  }

  it('two tabs without IndexedDB during an outage: the sending tab sees what the other wrote to localStorage after it had read it', async () => {
    for (const name of Object.keys(h.collector.urls)) await h.collector.setMode(name, '503');
    const token = 'storage-two-tabs';
    const initScript = NO_INDEXEDDB['window.indexedDB is missing'];
    const first = await open(sdkPage(h, '/two-tabs-1.html', { token, initScript }));
    await trackIn(first, 'first', 5);
    // the first tab sends, so it has read its localStorage outbox before the second tab writes to it
    await waitState(first, (s) => s.is_sender && s.queued === 5 && s.retried > 0);
    const second = await open(sdkPage(h, '/two-tabs-2.html', { token, initScript }));
    await trackIn(second, 'second', 5);
    await waitState(first, (s) => s.queued === 10);
    expect((await deliveryState(second)).is_sender).toBe(false);

    for (const name of Object.keys(h.collector.urls)) await h.collector.setMode(name, 'ok');
    const got = await waitArrived(h.collector, token, 10, 20_000);
    expect(got.labels).toEqual([...expectedLabels('first', 5), ...expectedLabels('second', 5)].sort());
    expect(got.duplicates).toBe(0);
    // the collector logs a request before it answers: the tab counts the batch once it has read the 2xx
    const state = await waitState(first, (s) => s.delivered === 10, 10_000);
    expect(state).toMatchObject({ store: 'localstorage', is_sender: true, delivered: 10 });
  });
});
