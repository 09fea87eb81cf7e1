// The browser → nginx (the first-party proxy, last in the failover list) → collector, on every
// engine. With the primary and alternate refusing, events arrive through nginx; when nginx itself
// is killed too (the failing load balancer of Mixpanel's 2012 outage), events wait in the browser
// and all arrive once nginx is started again. Needs Debian's nginx (`apt-get install nginx`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo } from '../../examples/demo-server.mjs';
import { sleep, waitFor } from '../support/fixtures';
import { launchEngine, type EngineBrowser, type Tab } from '../support/engines';

let demo: Awaited<ReturnType<typeof startDemo>>;
let browser: EngineBrowser;

beforeAll(async () => {
  demo = await startDemo({ nginx: true });
  browser = await launchEngine();
});

/** Clicks the element `selector` names, as the user would; the answer comes before any navigation it starts. */
const click = (page: Tab, selector: string) =>
  page.evaluate((s) => {
    const element = document.querySelector<HTMLElement>(s);
    if (!element) throw new Error(`nothing matches ${s}`);
    setTimeout(() => element.click(), 0);
  }, selector);
afterAll(async () => {
  await browser?.close();
  await demo?.close();
});

const trackEvents = () => demo.collector.events({ endpoint: 'track' });

describe('the first-party proxy (nginx)', () => {
  it('carries events when the direct hosts are down, and loses none while it is itself down', async () => {
    const { collector, nginx } = demo;
    expect(demo.apiHosts).toEqual([collector.urls.primary, collector.urls.alternate, nginx!.url]);
    await collector.setMode('primary', 'refuse');
    await collector.setMode('alternate', 'refuse');

    const page = await browser.newTab();
    await page.goto(demo.url);
    for (let i = 0; i < 5; i++) await click(page, '#track');
    await sleep(50); // the last click has run
    const tracked = () => page.evaluate(() => (window as any).outlastDemo.totals().tracked as number);
    expect(await tracked()).toBe(6);

    // Through nginx: the collector sees them at the host behind the proxy, with the SDK's wire format.
    await waitFor(() => trackEvents().length >= 6, 20_000);
    expect(new Set(trackEvents().map((e) => e.host))).toEqual(new Set(['upstream']));
    const viaProxy = collector.requests().filter((r) => r.host === 'upstream' && r.endpoint === 'track');
    expect(viaProxy.length).toBeGreaterThan(0);
    expect(viaProxy[0]!.query).toMatch(/verbose=1/);

    // The proxy dies while the direct hosts are still down: nothing can be delivered.
    await nginx!.kill();
    expect(nginx!.isRunning()).toBe(false);
    for (let i = 0; i < 7; i++) await click(page, '#track');
    await click(page, 'a[href="/products.html"]');
    await page.waitForURL(/\/products\.html$/);
    await waitFor(() => page.evaluate(() => !!document.querySelector('#add-raincoat')), 10_000);
    for (let i = 0; i < 3; i++) await click(page, '#add-raincoat');
    await sleep(2_000);
    expect(trackEvents().filter((e) => !e.duplicate)).toHaveLength(6);
    const state = await page.evaluate(() => (window as any).mixpanel.get_delivery_state());
    expect(state.queued).toBeGreaterThanOrEqual(11);

    // nginx is back on the same port: every event arrives, each once, through it.
    await nginx!.start();
    const total = await tracked();
    expect(total).toBe(6 + 7 + 1 + 3);
    await waitFor(() => collector.stats().byEndpoint.track.unique === total, 30_000);
    expect(new Set(trackEvents().map((e) => e.host))).toEqual(new Set(['upstream']));
    const names = trackEvents()
      .filter((e) => !e.duplicate)
      .map((e) => e.data.event);
    expect(names.filter((n) => n === 'Button clicked')).toHaveLength(12);
    expect(names.filter((n) => n === 'Added to cart')).toHaveLength(3);
    await waitFor(async () => (await page.evaluate(() => (window as any).mixpanel.get_delivery_state())).queued === 0, 10_000);
    // Firefox's driver hands on its console's report of each refused cross-origin request as a
    // page error: that is the refusing host, not an error of the page.
    expect(page.pageErrors.filter((e) => !/^Cross-Origin Request Blocked/.test(e))).toEqual([]);
    await page.close();
  }, 90_000);
});
