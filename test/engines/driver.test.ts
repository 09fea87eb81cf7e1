// The driver layer itself, on the engine of this project (OUTLAST_ENGINE): every step a
// scenario relies on does what it says, so that a scenario failing elsewhere is about Outlast.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/fixtures';
import { currentEngine, launchEngine, type EngineBrowser } from '../support/engines';
import { pageHtml, startSite, type Site } from '../support/site';

let browser: EngineBrowser;
let site: Site;

beforeAll(async () => {
  site = await startSite();
  browser = await launchEngine();
});
afterAll(async () => {
  await browser?.close();
  await site?.close();
});

describe(`driver: ${currentEngine()}`, () => {
  it('opens a page, waits for load, evaluates sync and async code, and reads console lines and page errors', async () => {
    const url = site.page(
      '/driver-basic.html',
      pageHtml({
        script: `
          console.log('hello from the page');
          addEventListener('load', function () { window.__loaded = true; });
          setTimeout(function () { throw new Error('boom in a timer'); }, 0);`,
      }),
    );
    const tab = await browser.newTab();
    await tab.goto(url);
    expect(await tab.url()).toBe(url);
    expect(await tab.evaluate(() => (window as unknown as { __loaded?: boolean }).__loaded)).toBe(true);
    expect(await tab.evaluate((n: number) => n * 2, 21)).toBe(42);
    expect(await tab.evaluate(async (s: string) => new Promise<string>((r) => setTimeout(() => r(s + '!'), 20)), 'late')).toBe('late!');
    await waitFor(() => tab.logs.some((l) => l.includes('hello from the page')), 5_000);
    await waitFor(() => tab.pageErrors.some((e) => e.includes('boom in a timer')), 5_000);
    await tab.close();
  });

  it('follows a navigation the page starts, to another site', async () => {
    const other = await startSite({ host: '127.0.0.2' });
    try {
      const away = other.page('/away.html', pageHtml({ body: '<h1>away</h1>' }));
      const url = site.page(
        '/driver-leave.html',
        pageHtml({ script: `addEventListener('load', function () { location.href = ${JSON.stringify(away)}; });` }),
      );
      const tab = await browser.newTab();
      await tab.goto(url);
      await tab.waitForURL(away, 10_000);
      expect(await tab.evaluate(() => document.querySelector('h1')?.textContent)).toBe('away');
      await tab.close();
    } finally {
      await other.close();
    }
  });

  it('runs two tabs of one origin that share storage and talk over BroadcastChannel', async () => {
    const url = site.page(
      '/driver-tabs.html',
      pageHtml({ script: `window.__heard = []; new BroadcastChannel('t').onmessage = function (e) { window.__heard.push(e.data); };` }),
    );
    const a = await browser.newTab();
    const b = await browser.newTab();
    await a.goto(url);
    await b.goto(url);
    await a.evaluate(() => {
      localStorage.setItem('from-a', '1');
      new BroadcastChannel('t').postMessage('hi');
    });
    expect(await b.evaluate(() => localStorage.getItem('from-a'))).toBe('1');
    await waitFor(() => b.evaluate(() => (window as unknown as { __heard: string[] }).__heard.includes('hi')), 5_000);
    await Promise.all([a.close(), b.close()]);
  });

  it('goes offline and back where the engine can, or says it cannot', async (ctx) => {
    if (!browser.setOffline) return ctx.skip(`${browser.name}'s driver cannot emulate offline`);
    const url = site.page('/driver-offline.html', pageHtml({}));
    const tab = await browser.newTab();
    await tab.goto(url);
    await browser.setOffline(true);
    try {
      await waitFor(() => tab.evaluate(() => !navigator.onLine), 5_000);
      expect(
        await tab.evaluate(() =>
          fetch(location.href).then(
            () => 'ok',
            () => 'failed',
          ),
        ),
      ).toBe('failed');
    } finally {
      await browser.setOffline(false);
    }
    await waitFor(() => tab.evaluate(() => navigator.onLine), 5_000);
    expect(await tab.evaluate(() => fetch(location.href).then((r) => r.status))).toBe(200);
    await tab.close();
  });

  it('keeps IndexedDB written before a SIGKILL across a restart on the same profile, where the profile persists', async () => {
    const url = site.page('/driver-idb.html', pageHtml({}));
    let tab = await browser.newTab();
    await tab.goto(url);
    const stamp = String(Date.now());
    await tab.evaluate(
      (value: string) =>
        new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('driver', 1);
          open.onupgradeneeded = () => open.result.createObjectStore('kv');
          open.onsuccess = () => {
            const tx = open.result.transaction('kv', 'readwrite');
            tx.objectStore('kv').put(value, 'stamp');
            tx.oncomplete = () => resolve();
            tx.onerror = () => reject(tx.error);
          };
          open.onerror = () => reject(open.error);
        }),
      stamp,
    );
    await new Promise((r) => setTimeout(r, 200));
    await browser.kill();
    browser = await browser.restart();
    tab = await browser.newTab();
    await tab.goto(url);
    const read = await tab.evaluate(
      () =>
        new Promise<string | null>((resolve) => {
          const open = indexedDB.open('driver', 1);
          open.onupgradeneeded = () => open.result.createObjectStore('kv');
          open.onsuccess = () => {
            const get = open.result.transaction('kv').objectStore('kv').get('stamp');
            get.onsuccess = () => resolve((get.result as string | undefined) ?? null);
            get.onerror = () => resolve(null);
          };
          open.onerror = () => resolve(null);
        }),
    );
    expect(read).toBe(browser.persistentProfile ? stamp : null);
    await tab.close();
  });
});
