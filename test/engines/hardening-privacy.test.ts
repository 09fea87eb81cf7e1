// Privacy and isolation in a real page, on every engine: opt-out silences a token at once
// (queued events included) and survives a reload, Do Not Track is honoured, cookies are
// SameSite=Lax, request URLs carry nothing but `verbose`, `ip` and `_`, and two tokens on one
// page never mix. The requests a page starts are seen by the page's own recorder (`recordRequests`:
// every fetch and beacon it hands the browser), which every engine can run.
import { describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../support/fixtures';
import { useEngineScenario, type EngineHarness } from '../support/engines/harness';
import type { Tab } from '../support/engines/types';
import { arrived, reportsOf, requestsOf, sdkPage, trackIn, trackScript, waitArrived, type SdkPageOptions } from '../support/sdk-page';

let h: EngineHarness;
const open = useEngineScenario((harness) => (h = harness));

/** An SDK page whose requests are recorded. */
const recordedPage = (path: string, opts: SdkPageOptions) => sdkPage(h, path, { ...opts, recordRequests: true });

/** URLs of the requests the current document of `page` sent to an ingest host. */
async function ingestOf(page: Tab): Promise<string[]> {
  const hosts = Object.values(h.collector.urls);
  return (await requestsOf(page)).map((r) => r.url).filter((url) => hosts.some((u) => url.startsWith(u)));
}

/** Records in the token's IndexedDB outbox. */
const outboxCount = (page: Tab, token: string) =>
  page.evaluate(
    (name) =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction('outbox').objectStore('outbox').count();
          req.onsuccess = () => {
            open.result.close();
            resolve(req.result);
          };
        };
      }),
    'outlast-' + token,
  );

type Mixpanel = { opt_out_tracking(): void; opt_in_tracking(): void; has_opted_out_tracking(): boolean };

describe('opt-out', () => {
  it('stops all traffic for the token at once, queued events included, empties the outbox, survives a reload; opt-in resumes', async () => {
    const token = 'privacy-optout';
    for (const name of Object.keys(h.collector.urls)) await h.collector.setMode(name, '503');
    const page = await open();
    const url = recordedPage('/optout.html', { token, script: trackScript('queued', 10) });
    await page.goto(url);
    await waitFor(async () => (await outboxCount(page, token)) === 10);
    await waitFor(async () => (await ingestOf(page)).length > 0); // the sender is retrying

    await page.evaluate(() => (window as unknown as { mixpanel: Mixpanel }).mixpanel.opt_out_tracking());
    const after = (await ingestOf(page)).length;
    // a retry the page sent just before opting out may still be on its way: let it get its 503
    // before the hosts accept again (the page starts no request after opt-out: checked below)
    for (let n = -1; n !== h.collector.requests().length;) {
      n = h.collector.requests().length;
      await sleep(300);
    }
    const seq = h.collector.requests().length;
    for (const name of Object.keys(h.collector.urls)) await h.collector.setMode(name, 'ok');
    await trackIn(page, 'after-optout', 3);
    await sleep(1500); // more than the flush interval and a backoff round
    expect((await ingestOf(page)).slice(after)).toEqual([]);
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
    await page.goto(url); // the reload: the page's recorder starts again, empty
    await sleep(1000);
    expect(await page.evaluate(() => (window as unknown as { mixpanel: Mixpanel }).mixpanel.has_opted_out_tracking())).toBe(true);
    expect(await ingestOf(page)).toEqual([]);
    expect(arrived(h.collector, token).unique).toBe(0);
    expect(await leftovers()).toEqual([]);

    await page.evaluate(() => (window as unknown as { mixpanel: Mixpanel }).mixpanel.opt_in_tracking());
    await trackIn(page, 'after-optin', 4);
    const got = await waitArrived(h.collector, token, 5); // $opt_in and four events
    expect(got.labels).toEqual(['after-optin-0', 'after-optin-1', 'after-optin-2', 'after-optin-3']);
  });
});

describe('Do Not Track', () => {
  it('navigator.doNotTrack "1" sends nothing; ignore_dnt: true sends', async () => {
    const page = await open();
    const initScript = `Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: function () { return '1'; }, configurable: true });`;
    await page.goto(recordedPage('/dnt.html', { token: 'privacy-dnt', initScript, script: trackScript('dnt', 5) }));
    await sleep(800);
    expect(await page.evaluate(() => (window as unknown as { mixpanel: Mixpanel }).mixpanel.has_opted_out_tracking())).toBe(true);
    expect(await ingestOf(page)).toEqual([]);

    await page.goto(
      recordedPage('/dnt-ignored.html', {
        token: 'privacy-dnt-ignored',
        initScript,
        config: { ignore_dnt: true },
        script: trackScript('ignored', 5),
      }),
    );
    await waitArrived(h.collector, 'privacy-dnt-ignored', 5);
    expect(arrived(h.collector, 'privacy-dnt').unique).toBe(0);
  });
});

describe('what leaves the page', () => {
  it('cookies are SameSite=Lax; request URLs carry only verbose, ip and _; nothing identifying is in a URL', async () => {
    const token = 'privacy-wire';
    const page = await open();
    const script = `mixpanel.identify('alice@example.com'); mixpanel.register({ email: 'alice@example.com' }); mixpanel.people.set({ $email: 'alice@example.com' }); ${trackScript('wire', 3)}`;
    await page.goto(recordedPage('/wire.html', { token, config: { persistence: 'cookie' }, script }));
    await waitArrived(h.collector, token, 4);
    await waitFor(() => h.collector.events({ endpoint: 'engage' }).length > 0);

    const cookies = (await page.cookies()).filter((c) => c.name.startsWith('mp_') || c.name.startsWith('__mp_'));
    expect(cookies.length).toBeGreaterThan(0);
    for (const c of cookies) expect(c.sameSite, c.name).toBe('Lax');

    const ingest = await ingestOf(page);
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
    const page = await open();
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
