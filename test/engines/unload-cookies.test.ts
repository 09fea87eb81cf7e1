// The site's cookies never reach the ingest path: not from the page's requests, not from what it
// sends as it leaves (sendBeacon always sends cookies, HttpOnly session cookies included, to a
// same-site proxy), not from what the snippet's stub sends itself when the library never ran,
// and the example nginx proxy strips any a client sends before forwarding.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/fixtures';
import { findNginx, startNginx } from '../../examples/proxy/start-nginx.mjs';
import { setupEngine, type EngineHarness } from '../support/engines/harness';
import { sdkPage, trackScript } from '../support/sdk-page';
import { pageHtml, startSite, type Site } from '../support/site';
import { snippetTags } from '../support/snippet-page';

/** What the ingest side saw of one request. */
interface Seen {
  at: number;
  path: string;
  cookie: string | undefined;
  labels: string[];
}

/** The labels of the events in a `data=` body (JSON or base64). */
function labelsOf(body: string): string[] {
  const data = new URLSearchParams(body).get('data') ?? '[]';
  const text = data.startsWith('[') ? data : Buffer.from(data, 'base64').toString('utf8');
  const events = JSON.parse(text) as Array<{ properties?: { label?: string } }>;
  return events.map((e) => e.properties?.label ?? '').filter(Boolean);
}

/** An ingest host that records every request and answers 503 (so that nothing is acknowledged and the leaving page must send it all). */
async function startRecorder(): Promise<{ url: string; port: number; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const cors = { 'Access-Control-Allow-Origin': String(req.headers.origin ?? '*'), 'Access-Control-Allow-Headers': 'Content-Type' };
    if (req.method === 'OPTIONS') return void res.writeHead(204, cors).end();
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ at: Date.now(), path: new URL(req.url ?? '/', 'http://x').pathname, cookie: req.headers.cookie, labels: labelsOf(body) });
      res.writeHead(503, cors).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

let h: EngineHarness;
let elsewhere: Site;
let recorder: Awaited<ReturnType<typeof startRecorder>>;

beforeAll(async () => {
  h = await setupEngine();
  elsewhere = await startSite({ host: '127.0.0.2' });
  recorder = await startRecorder();
});
afterAll(async () => {
  await recorder?.close();
  await elsewhere?.close();
  await h?.close();
});

describe('cookies and the ingest path', () => {
  it('a page with a session cookie leaves during an outage: what it sends on the way out carries no cookie', async () => {
    const away = elsewhere.page('/cookies-away.html', pageHtml({ body: '<h1>another site</h1>' }));
    // the ingest host is on the site's own host name (another port): same-site, as a first-party proxy is
    const leaving = sdkPage(h, '/cookies.html', {
      token: 'unload-cookies',
      config: {
        debug: true,
        api_host: recorder.url,
        // one failure, then a wait no test outlasts: nothing is in flight when the page leaves
        retry_backoff_base_ms: 60_000,
        retry_backoff_max_ms: 60_000,
      },
      script: [
        "document.cookie = 'outlast_session=secret; path=/';",
        trackScript('cookie', 10),
        `setTimeout(function () { location.href = ${JSON.stringify(away)}; }, 1500);`,
      ].join('\n'),
    });
    const page = await h.browser.newTab();
    try {
      await page.goto(leaving);
      expect(await page.evaluate(() => document.cookie)).toContain('outlast_session=secret');
      const failedOnce = Date.now();
      await page.waitForURL(away);
      await new Promise((r) => setTimeout(r, 1_000)); // let what the page sent on its way out land
      const onTheWayOut = recorder.seen.filter((s) => s.at >= failedOnce && s.labels.length);
      console.log(
        `${h.engine}: ${recorder.seen.length} request(s) seen, ${onTheWayOut.length} as the page left; ` +
          `cookies: ${recorder.seen.filter((s) => s.cookie).length}`,
      );
      expect(new Set(recorder.seen.flatMap((s) => s.labels)).size).toBe(10);
      expect(onTheWayOut.length, 'the leaving page sent its unacknowledged events').toBeGreaterThan(0);
      expect(recorder.seen.map((s) => s.cookie ?? null)).toEqual(recorder.seen.map(() => null));
    } catch (e) {
      console.log(page.logs.join('\n'));
      throw e;
    } finally {
      await page.close();
    }
  });

  it('a page whose library never runs is left: what the stub sends itself carries no cookie', async () => {
    const away = elsewhere.page('/stub-cookies-away.html', pageHtml({ body: '<h1>another site</h1>' }));
    // the only library URL is missing: the stub is all there is when the page goes
    const head =
      snippetTags({ urls: [h.site.url('/missing/outlast.min.js')] }) +
      `<script>document.cookie = 'outlast_session=secret; path=/';
       mixpanel.init('stub-cookies', { api_host: ${JSON.stringify(recorder.url)} });
       for (var i = 0; i < 5; i++) mixpanel.track('stub', { label: 'stub-' + i });
       addEventListener('load', function () { setTimeout(function () { location.href = ${JSON.stringify(away)}; }, 500); });</script>`;
    const page = await h.browser.newTab();
    try {
      const before = recorder.seen.length;
      await page.goto(h.site.page('/stub-cookies.html', pageHtml({ head, body: '<h1>shop</h1>' })));
      expect(await page.evaluate(() => document.cookie)).toContain('outlast_session=secret');
      await page.waitForURL(away);
      await waitFor(() => recorder.seen.slice(before).some((s) => s.labels.length) || undefined, 5_000).catch(() => undefined);
      const sent = recorder.seen.slice(before).filter((s) => s.labels.length);
      console.log(`${h.engine}: the stub sent ${sent.length} request(s); cookies: ${sent.filter((s) => s.cookie).length}`);
      expect(new Set(sent.flatMap((s) => s.labels)).size, 'the stub sent its events as the page left').toBe(5);
      expect(sent.map((s) => s.cookie ?? null)).toEqual(sent.map(() => null));
    } catch (e) {
      console.log(page.logs.join('\n'));
      throw e;
    } finally {
      await page.close();
    }
  });

  it('the example nginx proxy forwards no Cookie header to the ingest host', async () => {
    const nginx = findNginx();
    if (!nginx) return void console.log('nginx is not installed: proxy check skipped');
    const proxy = await startNginx({ nginx, ingestPort: recorder.port, libraryPort: recorder.port });
    try {
      const before = recorder.seen.length;
      const res = await fetch(`${proxy.url}/track/?verbose=1`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: 'session=secret; other=1' },
        body: 'data=' + encodeURIComponent(JSON.stringify([{ event: 'e', properties: { label: 'via-proxy' } }])),
      });
      expect(res.status).toBe(503); // the recorder's answer, through the proxy
      const forwarded = recorder.seen.slice(before);
      expect(forwarded.map((s) => s.labels)).toEqual([['via-proxy']]);
      expect(forwarded[0]!.cookie).toBeUndefined();
    } finally {
      await proxy.close();
    }
  });
});
