// The library blocked on every page (its one listed URL refused), the visitor going through 30
// pages while the stub's own sends on leave cannot get through either: what the stubs keep in
// localStorage stays bounded, and once a page gets the library, every call they kept arrives.
import { describe, expect, it } from 'vitest';
import { STUB_STORAGE_KEY } from '../../src/constants';
import { waitFor } from '../support/fixtures';
import { useEngineScenario, type EngineHarness } from '../support/engines/harness';
import { pageHtml } from '../support/site';
import { fastConfig, snippetTags } from '../support/snippet-page';

let h: EngineHarness;
const open = useEngineScenario((harness) => (h = harness));

/** The snippet's bounds (src/snippet/snippet.ts): 8 pages of at most 32,000 characters. */
const MAX_PAGES = 8;
const MAX_CHARS = 32_000;

describe('snippet: a blocked library on 30 pages', () => {
  it('leaves a bounded footprint, and every kept call arrives once the library loads', async () => {
    // the stub sends to the first host on leave: refused here, so only what was kept can arrive
    await h.collector.setMode('primary', '500');
    const tab = await open();
    const config = JSON.stringify(fastConfig(h.collector));
    for (let n = 0; n < 30; n++) {
      const head =
        snippetTags({ urls: [h.site.url('/blocked/outlast.min.js')] }) +
        `<script>mixpanel.init('tok-blocked', ${config});
         for (var i = 0; i < 20; i++) mixpanel.track('blocked page', { page: ${n}, i: i, padding: '${'x'.repeat(200)}' });</script>`;
      await tab.goto(h.site.page(`/page-${n}.html`, pageHtml({ head, body: `<h1>page ${n}</h1>` })));
    }
    await tab.goto(h.site.page('/plain.html', pageHtml({ body: 'no snippet' })));
    const footprint = await tab.evaluate((prefix) => {
      const keys = Object.keys(localStorage).filter((k) => k.indexOf(prefix) === 0);
      const ids: string[] = [];
      for (const k of keys)
        for (const queue of JSON.parse(localStorage.getItem(k)!).q as unknown[][][])
          for (const call of queue) if (call && call[0] === 'track') ids.push((call[2] as { $insert_id: string }).$insert_id);
      return { keys: keys.length, chars: keys.reduce((sum, k) => sum + k.length + localStorage.getItem(k)!.length, 0), ids };
    }, STUB_STORAGE_KEY + ':');
    console.log(
      `${h.engine}: after 30 blocked pages, ${footprint.keys} saved pages, ${footprint.chars} characters, ${footprint.ids.length} kept events`,
    );
    expect(footprint.keys).toBeLessThanOrEqual(MAX_PAGES);
    expect(footprint.chars).toBeLessThanOrEqual(MAX_PAGES * (MAX_CHARS + 200));
    expect(footprint.ids.length).toBeGreaterThanOrEqual((MAX_PAGES - 1) * 20);

    await h.collector.setMode('primary', 'ok');
    const head = snippetTags({ urls: [h.site.url('/dist/outlast.min.js')] }) + `<script>mixpanel.init('tok-blocked', ${config});</script>`;
    await tab.goto(h.site.page('/unblocked.html', pageHtml({ head })));
    const arrived = () =>
      new Set(
        h.collector
          .events({ endpoint: 'track', event: 'blocked page' })
          .map((e) => String((e.data.properties as Record<string, unknown>).$insert_id)),
      );
    await waitFor(() => footprint.ids.every((id) => arrived().has(id)), 15_000).catch(() => undefined);
    expect(footprint.ids.filter((id) => !arrived().has(id))).toEqual([]);
  });
});
