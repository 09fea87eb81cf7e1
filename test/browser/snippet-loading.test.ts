// Chromium only, because it needs a navigation that returns at DOMContentLoaded without waiting
// for `load` (which never comes here), and the driver layer's `goto` always waits for `load`: it
// steps down to the Playwright page behind a Chromium tab of the one harness. It is the control
// for test/engines/snippet-hanging-host (every engine): the same hanging URL in a plain async tag
// holds `load`, where the snippet does not. The rest of what the snippet does with a misbehaving
// script host is in test/engines/snippet-script-errors.
import { describe, expect, it } from 'vitest';
import { sleep } from '../support/fixtures';
import { playwrightPage } from '../support/engines/chromium';
import { useEngineScenario, type EngineHarness } from '../support/engines/harness';
import { pageHtml } from '../support/site';
import { loadEventStart } from '../support/snippet-page';

let h: EngineHarness;
const open = useEngineScenario((harness) => (h = harness), { scriptHost: true });

describe('snippet: a hanging script host', () => {
  it('control: the same hanging URL in a plain async <script> tag holds `load`', async () => {
    await h.collector.setMode('script', 'hang');
    // a URL of its own: Chromium holds a second request for a URL whose first one still hangs
    const hanging = `${h.collector.urls.script}/mixpanel.min.js?page=plain-tag`;
    const page = playwrightPage(await open());
    await page.goto(
      h.site.page('/plain-tag-hang.html', pageHtml({ head: `<script async src="${hanging}"></script>`, body: '<h1>shop</h1>' })),
      { waitUntil: 'domcontentloaded' },
    );
    await sleep(1500);
    expect(await page.evaluate(() => document.readyState)).toBe('interactive');
    expect(await loadEventStart(page)).toBe(0);
  });
});
