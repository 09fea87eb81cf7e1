// The site `npm start` serves, with the paste-in snippet as the README shows it, on every engine:
// a click tracks an event that reaches the collector, and the page shows it delivered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type Collector } from '../../examples/collector/collector.mjs';
import { startSite } from '../../examples/serve-site.mjs';
import { waitFor } from '../support/fixtures';
import { launchEngine, type EngineBrowser } from '../support/engines';
import { DIST_DIR } from '../support/site';

let collector: Collector;
let site: { url: string; close(): Promise<void> };
let browser: EngineBrowser;

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
  browser = await launchEngine();
});
afterAll(async () => {
  await browser?.close();
  await site?.close();
  await collector?.close();
});

describe('the example site', () => {
  it('tracks the page load and clicks, and shows them delivered', async () => {
    const page = await browser.newTab();
    try {
      await page.goto(site.url);
      // the shared navigation is included into the page, as the paste-in block is
      expect(await page.evaluate(() => [...document.querySelectorAll('nav a')].map((a) => a.getAttribute('href')))).toEqual([
        '/',
        '/products.html',
        '/about.html',
        '/spa/',
        '/dashboard.html',
      ]);
      const click = () => page.evaluate(() => document.querySelector<HTMLElement>('#track')!.click());
      await click();
      await click();
      await waitFor(() => collector.stats().byEndpoint.track.unique >= 3, 20_000);
      const names = collector.events({ endpoint: 'track' }).map((e) => e.data.event);
      expect(names.filter((n) => n === 'Button clicked')).toHaveLength(2);
      expect(names).toContain('Page loaded');
      await waitFor(async () => (await page.evaluate(() => document.querySelector('#unique')?.textContent)) === '3', 10_000);
      expect(page.pageErrors).toEqual([]);
    } catch (e) {
      console.log(page.logs.join('\n'));
      throw e;
    } finally {
      await page.close();
    }
  });
});
