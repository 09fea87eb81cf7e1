// The paste-in snippet on pages with a strict CSP (nonces, 'strict-dynamic') and with Trusted
// Types enforced: the library loads and every event arrives. Chromium enforces Trusted Types;
// the strict-CSP page runs on every engine.
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/fixtures';
import { useEngineScenario, type EngineHarness } from '../support/engines/harness';
import { currentEngine } from '../support/engines/index';
import { pageHtml } from '../support/site';
import { fastConfig, snippetTags } from '../support/snippet-page';

let h: EngineHarness;
const open = useEngineScenario((harness) => (h = harness));

const NONCE = 'n0nce4test';

/** A page under `csp` with the snippet (nonce on both tags), 3 events, and whether the library ran. */
async function eventsUnder(csp: string, token: string): Promise<number> {
  const head =
    snippetTags({ urls: [h.site.url('/dist/outlast.min.js')], nonce: NONCE }) +
    `<script nonce="${NONCE}">mixpanel.init('${token}', ${JSON.stringify(fastConfig(h.collector))});
     for (var i = 0; i < 3; i++) mixpanel.track('under policy', { i: i });</script>`;
  const tab = await open();
  await tab.goto(h.site.page(`/${token}.html`, pageHtml({ head }), undefined, { headers: { 'Content-Security-Policy': csp } }));
  await waitFor(() => tab.evaluate(() => !!(window as unknown as { mixpanel?: { __loaded?: boolean } }).mixpanel?.__loaded), 10_000);
  await waitFor(() => h.collector.events({ endpoint: 'track', event: 'under policy', unique: true }).length >= 3, 10_000).catch(() => 0);
  expect(tab.pageErrors).toEqual([]);
  return h.collector.events({ endpoint: 'track', event: 'under policy', unique: true }).length;
}

describe('snippet under a strict CSP and Trusted Types', () => {
  it('a strict-CSP page (nonce, strict-dynamic): the library runs and 3 of 3 events arrive', async () => {
    const csp = `script-src 'nonce-${NONCE}' 'strict-dynamic'; object-src 'none'; base-uri 'none'; connect-src ${h.collector.urls.primary} ${h.collector.urls.alternate}`;
    expect(await eventsUnder(csp, 'tok-csp')).toBe(3);
  });

  it("a page that enforces Trusted Types (require-trusted-types-for 'script'): the library runs and 3 of 3 events arrive", async (ctx) => {
    if (currentEngine() !== 'chromium') return ctx.skip(`${currentEngine()} does not enforce Trusted Types`);
    const csp = `require-trusted-types-for 'script'; trusted-types outlast; script-src 'nonce-${NONCE}' 'strict-dynamic'; object-src 'none'`;
    expect(await eventsUnder(csp, 'tok-tt')).toBe(3);
  });
});
