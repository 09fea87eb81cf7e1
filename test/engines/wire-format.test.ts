// The wire format, as Mixpanel's ingestion API reads it: what a page's calls put on the network
// (seen by the page's own fetch and by the collector), in JSON and in base64, on every engine.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/fixtures';
import { setupEngine, type EngineHarness } from '../support/engines/harness';
import type { Tab } from '../support/engines/types';
import { requestsOf, sdkPage, waitArrived, type PageRequest } from '../support/sdk-page';

let h: EngineHarness;
let page: Tab | null = null;

beforeAll(async () => {
  h = await setupEngine();
});
afterAll(() => h?.close());
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) console.log(page.logs.join('\n'));
  await page?.close().catch(() => undefined);
  page = null;
  await h.collector.reset();
});

/** `$browser` as Mixpanel names each engine's browser (WebKitGTK's user agent reads as Safari). */
const BROWSER_NAME = { chromium: 'Chrome', firefox: 'Firefox', webkit: 'Safari' } as const;

const SCRIPT = `
  mixpanel.register({ plan: 'pro', seats: 3 });
  mixpanel.track('Viewed', { item: 'hat' });
  mixpanel.identify('user-42');
  mixpanel.people.set({ name: 'Ann', age: 41 });
  mixpanel.track('Bought', { price: 9.5 });
`;

/** Opens a page running SCRIPT and returns the POST bodies it sent to the collector, by path. */
async function run(
  token: string,
  config: Record<string, unknown> = {},
): Promise<{ bodies: Array<{ path: string; body: string; type: string }>; start: number; end: number }> {
  page = await h.browser.newTab();
  const origins = Object.values(h.collector.urls).map((u) => new URL(u).origin);
  const start = Date.now();
  await page.goto(sdkPage(h, `/${token}.html`, { token, script: SCRIPT, config, recordRequests: true }));
  await waitArrived(h.collector, token, 3, 20_000); // Viewed, $identify, Bought
  await waitFor(() => profileSet(), 20_000);
  const posts = (r: PageRequest) => origins.includes(new URL(r.url).origin) && r.method === 'POST';
  const bodies = (await requestsOf(page)).filter(posts).map((r) => ({ path: new URL(r.url).pathname, body: r.body, type: r.type }));
  return { bodies, start: start / 1000, end: Date.now() / 1000 };
}

/**
 * The profile update of `people.set` at the collector. The first referrer goes as a `$set_once`
 * update of its own, held until identify() (mixpanel-browser's `_loaded` calls
 * `people.set_once(persistence.get_referrer_info())`).
 */
const profileSet = () => h.collector.events({ endpoint: 'engage' }).find((e) => '$set' in e.data)?.data;

const props = (event: string) => {
  const found = h.collector.events({ endpoint: 'track', event })[0];
  if (!found) throw new Error(`no ${event} event at the collector`);
  return found.data.properties as Record<string, unknown>;
};

describe('wire format', () => {
  it('POSTs data=<urlencoded JSON array> to /track/?verbose=1&ip=1&_=<ms> with every Mixpanel property', async () => {
    const token = 'wire-json';
    const { bodies, start, end } = await run(token);

    // the requests as the collector saw them
    const posts = h.collector.requests().filter((r) => r.endpoint && r.status === 200 && r.transport === 'fetch');
    expect(posts.map((r) => r.path).sort()).toEqual(expect.arrayContaining(['/engage/', '/track/']));
    for (const r of posts) {
      expect(r.method).toBe('POST');
      expect(r.query).toMatch(/^\?verbose=1&ip=1&_=\d{13}$/);
      expect(r.contentType).toBe('application/x-www-form-urlencoded');
    }

    // the bodies as the browser sent them
    const track = bodies.find((b) => b.path === '/track/')!;
    expect(track.type).toBe('application/x-www-form-urlencoded');
    expect(track.body).toMatch(/^data=[A-Za-z0-9%._~!*'()-]+$/);
    const items = JSON.parse(decodeURIComponent(track.body.slice('data='.length)));
    expect(Array.isArray(items)).toBe(true);
    expect(items[0]).toMatchObject({ event: 'Viewed', properties: { item: 'hat', token } });

    const viewed = props('Viewed');
    expect(viewed).toMatchObject({
      token,
      item: 'hat',
      plan: 'pro',
      seats: 3,
      $current_url: h.site.url(`/${token}.html`),
      // a page opened directly: no $referrer, and $direct as the first one (mixpanel-browser's update_referrer_info)
      $initial_referrer: '$direct',
      $browser: BROWSER_NAME[h.engine],
      $os: 'Linux',
      $screen_width: expect.any(Number),
      $screen_height: expect.any(Number),
      mp_lib: 'web',
      $lib_version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      mp_loader: expect.stringMatching(/^outlast\//),
      $insert_id: expect.any(String),
      distinct_id: expect.any(String),
      $device_id: expect.any(String),
    });
    expect(viewed.time as number).toBeGreaterThanOrEqual(Math.floor(start));
    expect(viewed.time as number).toBeLessThanOrEqual(end); // seconds, not milliseconds
    expect(String(viewed.distinct_id)).toBe(`$device:${viewed.$device_id}`);
    expect(viewed.$screen_width as number).toBeGreaterThan(0);

    const identify = props('$identify');
    expect(identify).toMatchObject({ distinct_id: 'user-42', $anon_distinct_id: viewed.distinct_id, $device_id: viewed.$device_id, token });

    const bought = props('Bought');
    expect(bought).toMatchObject({ distinct_id: 'user-42', price: 9.5, plan: 'pro', $device_id: viewed.$device_id });
    const ids = [viewed, identify, bought].map((p) => p.$insert_id);
    expect(new Set(ids).size).toBe(3);

    const engage = profileSet();
    expect(engage).toMatchObject({ $token: token, $distinct_id: 'user-42', $set: { name: 'Ann', age: 41 } });
    const engageSent = bodies
      .filter((b) => b.path === '/engage/')
      .flatMap((b) => JSON.parse(decodeURIComponent(b.body.slice('data='.length))) as unknown[]);
    expect(engageSent).toContainEqual(engage);
  });

  it("with api_payload_format: 'base64' the body is data=<urlencoded base64 JSON> and still arrives", async () => {
    const token = 'wire-base64';
    const { bodies } = await run(token, { api_payload_format: 'base64' });
    const track = bodies.find((b) => b.path === '/track/')!;
    const b64 = decodeURIComponent(track.body.slice('data='.length));
    expect(b64).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const items = JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
    expect(items[0]).toMatchObject({ event: 'Viewed', properties: { token, item: 'hat', plan: 'pro' } });
    expect(props('Bought')).toMatchObject({ distinct_id: 'user-42', token });
    expect(profileSet()).toMatchObject({ $distinct_id: 'user-42', $set: { name: 'Ann' } });
  });
});
