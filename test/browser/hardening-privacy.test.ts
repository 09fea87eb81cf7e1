// Privacy and isolation in a real page: opt-out silences a token at once (queued events
// included) and survives a reload, Do Not Track is honoured, cookies are SameSite=Lax, request
// URLs carry nothing but `verbose`, `ip` and `_`, and two tokens on one page never mix.
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setup, waitFor, type Harness } from '../support/fixtures';
import { arrived, openTab, reportsOf, sdkPage, trackScript, waitArrived } from '../support/sdk-page';

let h: Harness;
let pages: Page[] = [];
beforeAll(async () => {
  h = await setup();
});
afterAll(() => h?.close());
afterEach(async () => {
  await Promise.all(pages.map((p) => p.close().catch(() => undefined)));
  pages = [];
  await h.collector.reset();
});

/** A tab, plus every request it makes to an ingest host (seen by the browser, not only by the collector). */
async function tab(): Promise<{ page: Page; ingest: string[] }> {
  const { page } = await openTab(h);
  pages.push(page);
  const hosts = Object.values(h.collector.urls);
  const ingest: string[] = [];
  page.on('request', (r) => hosts.some((u) => r.url().startsWith(u)) && ingest.push(r.url()));
  return { page, ingest };
}

/** Records in the token's IndexedDB outbox. */
const outboxCount = (page: Page, token: string) =>
  page.evaluate(
    (name) =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction('outbox').objectStore('outbox').count();
          req.onsuccess = () => (open.result.close(), resolve(req.result));
        };
      }),
    'outlast-' + token,
  );

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('opt-out', () => {
  it('stops all traffic for the token at once, queued events included, empties the outbox, survives a reload; opt-in resumes', async () => {
    const token = 'privacy-optout';
    for (const name of Object.keys(h.collector.urls)) await h.collector.setMode(name, '503');
    const { page, ingest } = await tab();
    await page.goto(sdkPage(h, '/optout.html', { token, script: trackScript('queued', 10) }));
    await waitFor(async () => (await outboxCount(page, token)) === 10);
    await waitFor(() => ingest.length > 0); // the sender is retrying

    await page.evaluate(() => (window as any).mixpanel.opt_out_tracking());
    const after = ingest.length;
    // a retry the page sent just before opting out may still be on its way: let it get its 503
    // before the hosts accept again (the page starts no request after opt-out: checked below)
    for (let n = -1; n !== h.collector.requests().length;) ((n = h.collector.requests().length), await sleep(300));
    const seq = h.collector.requests().length;
    for (const name of Object.keys(h.collector.urls)) await h.collector.setMode(name, 'ok');
    await page.evaluate(trackScript('after-optout', 3));
    await sleep(1500); // more than the flush interval and a backoff round
    expect(ingest.slice(after)).toEqual([]);
    expect(
      h.collector
        .requests()
        .slice(seq)
        .filter((r) => r.endpoint),
    ).toEqual([]);
    expect(await outboxCount(page, token)).toBe(0);
    expect(await page.evaluate((t) => localStorage.getItem('__mp_opt_in_out_' + t), token)).toBe('0');
    // nothing of the token's is left in localStorage but the choice itself
    const leftovers = async () =>
      (await page.evaluate(() => Object.keys(localStorage))).filter(
        (k) => (k.includes(token) || k.startsWith('__outlast_stub_queue')) && k !== '__mp_opt_in_out_' + token,
      );
    expect(await leftovers()).toEqual([]);

    // calls an earlier page's stub saved for the token are not sent after the reload, and are removed
    await page.evaluate(
      (t) =>
        localStorage.setItem(
          '__outlast_stub_queue:stale',
          JSON.stringify({ t: Date.now(), i: [[t, {}, '']], q: [[['track', 'stale', { label: 'stale' }]]] }),
        ),
      token,
    );
    await page.reload();
    await sleep(1000);
    expect(await page.evaluate(() => (window as any).mixpanel.has_opted_out_tracking())).toBe(true);
    expect(ingest.slice(after)).toEqual([]);
    expect(arrived(h.collector, token).unique).toBe(0);
    expect(await leftovers()).toEqual([]);

    await page.evaluate(() => (window as any).mixpanel.opt_in_tracking());
    await page.evaluate(trackScript('after-optin', 4));
    const got = await waitArrived(h.collector, token, 5); // $opt_in and four events
    expect(got.labels).toEqual(['after-optin-0', 'after-optin-1', 'after-optin-2', 'after-optin-3']);
  });
});

describe('Do Not Track', () => {
  it('navigator.doNotTrack "1" sends nothing; ignore_dnt: true sends', async () => {
    const { page, ingest } = await tab();
    await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1', configurable: true }));
    await page.goto(sdkPage(h, '/dnt.html', { token: 'privacy-dnt', script: trackScript('dnt', 5) }));
    await sleep(800);
    expect(await page.evaluate(() => (window as any).mixpanel.has_opted_out_tracking())).toBe(true);
    expect(ingest).toEqual([]);

    await page.goto(
      sdkPage(h, '/dnt-ignored.html', { token: 'privacy-dnt-ignored', config: { ignore_dnt: true }, script: trackScript('ignored', 5) }),
    );
    await waitArrived(h.collector, 'privacy-dnt-ignored', 5);
    expect(arrived(h.collector, 'privacy-dnt').unique).toBe(0);
  });
});

describe('what leaves the page', () => {
  it('cookies are SameSite=Lax; request URLs carry only verbose, ip and _; nothing identifying is in a URL', async () => {
    const token = 'privacy-wire';
    const { page, ingest } = await tab();
    const script = `mixpanel.identify('alice@example.com'); mixpanel.register({ email: 'alice@example.com' }); mixpanel.people.set({ $email: 'alice@example.com' }); ${trackScript('wire', 3)}`;
    await page.goto(sdkPage(h, '/wire.html', { token, config: { persistence: 'cookie' }, script }));
    await waitArrived(h.collector, token, 4);
    await waitFor(() => h.collector.events({ endpoint: 'engage' }).length > 0);

    const cookies = (await page.context().cookies(h.site.origin)).filter((c) => c.name.startsWith('mp_') || c.name.startsWith('__mp_'));
    expect(cookies.length).toBeGreaterThan(0);
    for (const c of cookies) expect(c.sameSite, c.name).toBe('Lax');

    expect(ingest.length).toBeGreaterThan(0);
    for (const url of ingest) {
      const u = new URL(url);
      expect([...u.searchParams.keys()].sort(), url).toEqual(['_', 'ip', 'verbose']);
      expect(url).not.toMatch(/alice|example\.com|privacy-wire/);
    }
    for (const r of h.collector.requests().filter((r) => r.endpoint)) expect(r.method).toBe('POST');
  });
});

describe('two tokens on one page', () => {
  it('keep separate outboxes and never send one token’s events with the other’s', async () => {
    const { page } = await tab();
    const script = [
      `var cfg = { api_host: ${JSON.stringify(Object.values(h.collector.urls))}, batch_flush_interval_ms: 100 };`,
      `var second = mixpanel.init('privacy-two-b', cfg, 'second');`,
      `for (var i = 0; i < 20; i++) { mixpanel.track('a', { label: 'a-' + i }); second.track('b', { label: 'b-' + i }); }`,
      `second.register({ only_b: true });`,
      `second.track('b', { label: 'b-20' });`,
    ].join('\n');
    await page.goto(sdkPage(h, '/two.html', { token: 'privacy-two-a', script }));
    await waitArrived(h.collector, 'privacy-two-a', 20);
    await waitArrived(h.collector, 'privacy-two-b', 21);
    for (const e of h.collector.events({ endpoint: 'track' })) {
      const p = e.data.properties as Record<string, unknown>;
      expect(p.token, String(p.label)).toBe(e.data.event === 'a' ? 'privacy-two-a' : 'privacy-two-b');
      if (e.data.event === 'a') expect(p.only_b).toBeUndefined();
    }
    const dbs = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name).sort());
    expect(dbs).toEqual(expect.arrayContaining(['outlast-privacy-two-a', 'outlast-privacy-two-b']));
    expect((await reportsOf(page)).filter((r) => r.code !== 'delivery')).toEqual([]);
  });
});
