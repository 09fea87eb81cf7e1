// Proves the browser harness itself, on every engine: a real page reaches the collector
// cross-origin by fetch and sendBeacon, fault modes reach the page, and a killed browser keeps
// its IndexedDB (where the engine's profile persists).
import { beforeAll, describe, expect, it } from 'vitest';
import { uniqueInsertIds, waitFor } from '../support/fixtures';
import { useEngineScenario, type EngineHarness } from '../support/engines/harness';
import type { Tab } from '../support/engines/types';
import { pageHtml } from '../support/site';

let h: EngineHarness;
const open = useEngineScenario((harness) => (h = harness));
let pageUrl: string;

beforeAll(() => {
  pageUrl = h.site.page('/a.html', pageHtml({ body: '<h1>shop</h1>' }));
});

/** A track event as a page would build it. */
const trackEvent = (insertId: string) => ({ event: 'Viewed', properties: { token: 't', distinct_id: 'd', $insert_id: insertId } });

/** Posts `data=[...]` form-urlencoded from the page; returns the verbose answer or the error's name. */
function pageFetch(page: Tab, endpoint: string, events: unknown[]) {
  return page.evaluate(
    async ({ endpoint, events }) => {
      try {
        const res = await fetch(`${endpoint}/track/?verbose=1`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: `data=${encodeURIComponent(JSON.stringify(events))}`,
        });
        return { status: res.status, body: await res.json() };
      } catch (e) {
        return { error: (e as Error).name };
      }
    },
    { endpoint, events },
  );
}

describe('browser harness', () => {
  it('a page on the site delivers by fetch and by sendBeacon to the cross-origin collector', async () => {
    const page = await open(pageUrl);
    expect(new URL(await page.url()).origin).not.toBe(new URL(h.collector.urls.primary!).origin);

    const answer = await pageFetch(page, h.collector.urls.primary!, [trackEvent('by-fetch')]);
    expect(answer).toEqual({ status: 200, body: { status: 1, error: null } });

    const queued = await page.evaluate((endpoint) => {
      const body = `data=${encodeURIComponent(JSON.stringify([{ event: 'Left', properties: { token: 't', $insert_id: 'by-beacon' } }]))}`;
      return navigator.sendBeacon(`${endpoint}/track/`, body);
    }, h.collector.urls.primary!);
    expect(queued).toBe(true);

    await waitFor(() => uniqueInsertIds(h.collector).size === 2, 5_000);
    expect([...uniqueInsertIds(h.collector)].sort()).toEqual(['by-beacon', 'by-fetch']);
    expect(
      h.collector
        .requests()
        .map((r) => r.transport)
        .sort(),
    ).toEqual(['beacon', 'fetch']);
  });

  it("switching the primary to refuse makes the page's fetch fail, and back to ok heals it", async () => {
    const page = await open(pageUrl);
    const primary = h.collector.urls.primary!;
    await h.collector.setMode('primary', 'refuse');
    expect(await pageFetch(page, primary, [trackEvent('refused')])).toEqual({ error: 'TypeError' });
    await h.collector.setMode('primary', 'ok');
    expect(await pageFetch(page, primary, [trackEvent('healed')])).toMatchObject({ status: 200 });
    expect(uniqueInsertIds(h.collector, { host: 'primary' }).has('refused')).toBe(false);
    expect(uniqueInsertIds(h.collector, { host: 'primary' }).has('healed')).toBe(true);
  });

  it('IndexedDB written before a SIGKILL is there after restarting on the same profile', async (ctx) => {
    if (!h.browser.persistentProfile) return ctx.skip(`${h.engine}'s automation sessions keep no storage across a restart`);
    const page = await open(pageUrl);
    const written = await page.evaluate(
      () =>
        new Promise<number>((resolve, reject) => {
          const open = indexedDB.open('harness', 1);
          open.onupgradeneeded = () => open.result.createObjectStore('records');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const tx = open.result.transaction('records', 'readwrite');
            for (let i = 0; i < 100; i++) tx.objectStore('records').put({ i }, `r${i}`);
            tx.oncomplete = () => resolve(100);
            tx.onerror = () => reject(tx.error);
          };
        }),
    );
    expect(written).toBe(100);
    const killedPid = h.browser.pid;

    await h.restartBrowser();
    expect(h.browser.pid).not.toBe(killedPid);
    expect(() => process.kill(killedPid, 0)).toThrow(); // the old browser is really gone

    const again = await open(pageUrl);
    const count = await again.evaluate(
      () =>
        new Promise<number>((resolve, reject) => {
          const open = indexedDB.open('harness', 1);
          open.onupgradeneeded = () => open.result.createObjectStore('records');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const req = open.result.transaction('records').objectStore('records').count();
            req.onsuccess = () => resolve(req.result);
            req.onerror = () => reject(req.error);
          };
        }),
    );
    expect(count).toBe(100);
  });
});
