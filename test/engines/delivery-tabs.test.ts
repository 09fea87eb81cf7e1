// Three tabs of one site during an outage: one tab sends for all of them (Web Locks, or a lease where they are missing), the others
// only write to the shared outbox, and once ingest recovers every tab's events arrive.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/fixtures';
import { setupEngine, type EngineHarness } from '../support/engines/harness';
import type { Tab } from '../support/engines/types';
import { pageHtml } from '../support/site';
import { arrived, waitArrived, deliveryState, expectedLabels, requestsOf, sdkPage, trackIn, waitState } from '../support/sdk-page';

let h: EngineHarness;

beforeAll(async () => {
  h = await setupEngine();
});
afterAll(() => h?.close());

describe('tabs', () => {
  it('three tabs track during a 503 outage: one sender at a time, and every event arrives', async () => {
    for (const name of Object.keys(h.collector.urls)) await h.collector.setMode(name, '503');
    const token = 'tabs-three';
    const collectorOrigins = Object.values(h.collector.urls).map((u) => new URL(u).origin);
    const tabs: Array<{ page: Tab }> = [];
    try {
      for (let i = 0; i < 3; i++) {
        const tab = { page: await h.browser.newTab() };
        tabs.push(tab);
        await tab.page.goto(sdkPage(h, `/tab${i}.html`, { token, config: { debug: true }, recordRequests: true }));
      }
      const senders = async () => (await Promise.all(tabs.map((t) => deliveryState(t.page)))).map((s) => s.is_sender);
      await waitFor(async () => (await senders()).some(Boolean), 10_000);

      for (let round = 0; round < 3; round++) {
        await Promise.all(tabs.map((t, i) => trackIn(t.page, `tab${i}-round${round}`, 5)));
        expect(await senders(), `senders after round ${round}`).toSatisfy((s: boolean[]) => s.filter(Boolean).length === 1);
        await new Promise((r) => setTimeout(r, 300));
      }
      await waitFor(() => h.collector.requests().filter((r) => r.status === 503).length >= 2, 10_000);
      expect(await senders(), 'senders during the outage').toSatisfy((s: boolean[]) => s.filter(Boolean).length === 1);

      for (const name of Object.keys(h.collector.urls)) await h.collector.setMode(name, 'ok');
      const got = await waitArrived(h.collector, token, 45, 20_000);
      const want = [0, 1, 2].flatMap((i) => [0, 1, 2].flatMap((round) => expectedLabels(`tab${i}-round${round}`, 5)));
      expect(got.labels).toEqual(want.sort());
      expect(got.duplicates).toBe(0);

      // Only the sending tab ever talked to the collector, and it delivered everything.
      const roles = await senders();
      const sender = roles.indexOf(true);
      expect(roles.filter(Boolean)).toHaveLength(1);
      const sent = await Promise.all(
        tabs.map(async (t) => (await requestsOf(t.page)).filter((r) => collectorOrigins.includes(new URL(r.url).origin)).length),
      );
      expect(
        sent.map((n, i) => (i === sender ? n > 0 : n)),
        `requests per tab (${sent}), tab ${sender} sending`,
      ).toEqual(tabs.map((_, i) => (i === sender ? true : 0)));
      // the collector counts a batch before the sender has read the answer and removed it from the outbox
      let delivered: number[] = [];
      const want45 = tabs.map((_, i) => (i === sender ? 45 : 0));
      await waitFor(
        async () =>
          (delivered = (await Promise.all(tabs.map((t) => deliveryState(t.page)))).map((s) => s.delivered)).join() === want45.join(),
        10_000,
      ).catch(() => undefined);
      expect(delivered, `delivered per tab, tab ${sender} sending`).toEqual(want45);
    } catch (e) {
      tabs.forEach((t, i) => console.log(`tab ${i} (${h.engine}):\n${t.page.logs.join('\n')}`));
      throw e;
    } finally {
      await Promise.all(tabs.map((t) => t.page.close().catch(() => undefined)));
    }
  });

  it('a sending tab whose IndexedDB opened late still delivers what other tabs stored there', async () => {
    // A slow open, made real: one tab holds the database open, a second asks for a version
    // change and is blocked, and every later open waits behind it until the first tab lets go.
    for (const name of Object.keys(h.collector.urls)) await h.collector.setMode(name, '503');
    const token = 'tabs-late-idb';
    const db = `outlast-${token}`;
    const opened: Tab[] = [];
    const tab = async (url: string) => {
      const t = await h.browser.newTab();
      opened.push(t);
      await t.goto(url);
      return t;
    };
    try {
      const earlier = await tab(sdkPage(h, '/late-earlier.html', { token }));
      await trackIn(earlier, 'earlier', 5);
      expect(await waitState(earlier, (s) => s.queued === 5 && s.retried > 0)).toMatchObject({ store: 'indexeddb' });
      await earlier.close();

      const holder = await tab(h.site.page('/late-holder.html', pageHtml()));
      await holder.evaluate(
        (name: string) =>
          new Promise<void>((ok, ko) => {
            const req = indexedDB.open(name);
            req.onsuccess = () => {
              (window as unknown as { __db: IDBDatabase }).__db = req.result;
              ok();
            };
            req.onerror = () => ko(req.error);
          }),
        db,
      );
      const upgrader = await tab(h.site.page('/late-upgrader.html', pageHtml()));
      expect(
        await upgrader.evaluate(
          (name: string) =>
            new Promise<string>((ok) => {
              const req = indexedDB.open(name, 2);
              req.onblocked = () => ok('blocked');
              req.onsuccess = () => ok('opened');
            }),
          db,
        ),
      ).toBe('blocked');

      for (const name of Object.keys(h.collector.urls)) await h.collector.setMode(name, 'ok');
      const late = await tab(sdkPage(h, '/late-sender.html', { token, config: { debug: true, storage_open_timeout_ms: 300 } }));
      await trackIn(late, 'late', 5);
      await waitArrived(h.collector, token, 5, 10_000);
      expect(await deliveryState(late), 'the sender writes to localStorage while IndexedDB waits').toMatchObject({
        store: 'localstorage',
        is_sender: true,
      });
      await new Promise((r) => setTimeout(r, 500));
      expect(arrived(h.collector, token).labels, 'what is in IndexedDB cannot be read yet').toEqual(expectedLabels('late', 5));

      await holder.evaluate(() => (window as unknown as { __db: IDBDatabase }).__db.close());
      const got = await waitArrived(h.collector, token, 10, 15_000);
      expect(got.labels).toEqual([...expectedLabels('earlier', 5), ...expectedLabels('late', 5)].sort());
      expect(got.duplicates).toBe(0);
      expect(await waitState(late, (s) => s.delivered === 10)).toMatchObject({ store: 'indexeddb', queued: 0, in_flight: 0 });
    } catch (e) {
      opened.forEach((t, i) => console.log(`tab ${i} (${h.engine}):\n${t.logs.join('\n')}`));
      throw e;
    } finally {
      await Promise.all(opened.map((t) => t.close().catch(() => undefined)));
      for (const name of Object.keys(h.collector.urls)) await h.collector.setMode(name, 'ok');
    }
  });
});
