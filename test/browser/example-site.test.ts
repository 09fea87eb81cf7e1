import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type Collector } from '../../examples/collector/collector.mjs';
import { startSite } from '../../examples/serve-site.mjs';
import { launchChromium, type ChromiumSession } from '../support/chromium';
import { DIST_DIR } from '../support/site';
import { waitFor } from '../support/fixtures';

// The site `npm start` serves, with the paste-in snippet as the README shows it: a click tracks
// an event that reaches the collector, and the page shows it delivered.
let collector: Collector;
let site: { url: string; close(): Promise<void> };
let browser: ChromiumSession;

beforeAll(async () => {
  collector = await startCollector({ scriptHost: { dir: DIST_DIR } });
  site = await startSite({
    port: 0,
    vars: {
      PRIMARY: collector.urls.primary!,
      ALTERNATE: collector.urls.alternate!,
      SCRIPT: collector.urls.script!,
      CONTROL: collector.controlUrl,
    },
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await site?.close();
  await collector?.close();
});

describe('the example site', () => {
  it('tracks the page load and clicks, and shows them delivered', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(site.url);
    // the shared navigation is included into the page, as the paste-in block is
    expect(await page.locator('nav a').evaluateAll((links) => links.map((a) => a.getAttribute('href')))).toEqual([
      '/',
      '/products.html',
      '/about.html',
      '/spa/',
      '/dashboard.html',
    ]);
    await page.click('#track');
    await page.click('#track');
    await waitFor(() => collector.stats().byEndpoint.track.unique >= 3, 20_000);
    const names = collector.events({ endpoint: 'track' }).map((e) => e.data.event);
    expect(names.filter((n) => n === 'Button clicked')).toHaveLength(2);
    expect(names).toContain('Page loaded');
    await waitFor(async () => (await page.textContent('#unique')) === '3', 10_000);
    expect(errors).toEqual([]);
  });
});
