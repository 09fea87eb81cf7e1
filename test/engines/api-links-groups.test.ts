// mixpanel-browser's DOM trackers and group profiles, in every engine, against the real collector:
// a tracked link click or form submission that navigates at once still delivers its event (the
// outbox keeps it and the unload path sends it), and group updates arrive on /groups.
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/fixtures';
import { useEngineScenario, type EngineHarness } from '../support/engines/harness';
import { sdkPage } from '../support/sdk-page';
import { pageHtml } from '../support/site';

let h: EngineHarness;
const open = useEngineScenario((harness) => (h = harness));

/** Events of `token` named `name` that reached the collector, deduplicated by `$insert_id`. */
const eventsNamed = (token: string, name: string) => {
  const byId = new Map<string, Record<string, unknown>>();
  for (const e of h.collector.events({ endpoint: 'track', event: name })) {
    const props = (e.data.properties ?? {}) as Record<string, unknown>;
    if (props.token === token) byId.set(String(props.$insert_id), props);
  }
  return [...byId.values()];
};

// A flush interval far longer than the test: nothing leaves before the navigation unless the unload path sends it.
const SLOW_FLUSH = { debug: true, batch_flush_interval_ms: 60_000 };

describe('track_links and track_forms, then the page navigates away', () => {
  it('a click on a tracked link navigates at once and its event arrives, with the link as url', async () => {
    const token = 'api-links';
    const away = h.site.page('/links-away.html', pageHtml({ body: '<h1>next page</h1>' }));
    const script = [
      "var a = document.createElement('a'); a.id = 'go'; a.href = " + JSON.stringify(away) + "; a.textContent = 'go';",
      'document.body.appendChild(a);',
      "mixpanel.track_links('#go', 'Clicked link', { where: 'nav' });",
    ].join('\n');
    const tab = await open(sdkPage(h, '/links.html', { token, config: SLOW_FLUSH, script }));
    await tab.evaluate(() => (document.getElementById('go') as HTMLAnchorElement).click());
    await tab.waitForURL(away, 10_000);
    await waitFor(async () => eventsNamed(token, 'Clicked link').length > 0, 15_000);
    const [props] = eventsNamed(token, 'Clicked link');
    expect(props).toMatchObject({ where: 'nav', url: away });
    expect(eventsNamed(token, 'Clicked link')).toHaveLength(1);
  });

  it('a tracked form submission goes ahead at once and its event arrives', async () => {
    const token = 'api-forms';
    const away = h.site.page('/forms-away.html', pageHtml({ body: '<h1>submitted</h1>' }));
    const script = [
      "var f = document.createElement('form'); f.id = 'signup'; f.method = 'get'; f.action = " + JSON.stringify(away) + ';',
      "var i = document.createElement('input'); i.name = 'plan'; i.value = 'pro'; f.appendChild(i);",
      'document.body.appendChild(f);',
      "mixpanel.track_forms('#signup', 'Signed up', function (form) { return { form: form.id }; });",
    ].join('\n');
    const tab = await open(sdkPage(h, '/forms.html', { token, config: SLOW_FLUSH, script }));
    await tab.evaluate(() => (document.getElementById('signup') as HTMLFormElement).requestSubmit());
    await tab.waitForURL(/forms-away\.html\?plan=pro$/, 10_000);
    await waitFor(async () => eventsNamed(token, 'Signed up').length > 0, 15_000);
    expect(eventsNamed(token, 'Signed up')).toEqual([expect.objectContaining({ form: 'signup' })]);
  });
});

describe('groups', () => {
  it('group profile updates arrive on /groups and the group key rides on later events', async () => {
    const token = 'api-groups';
    const script = [
      "mixpanel.set_group('company', 'acme');",
      "mixpanel.get_group('company', 'acme').set({ plan: 'pro' }).union('regions', ['eu']);",
      "mixpanel.track('With group');",
    ].join('\n');
    await open(sdkPage(h, '/groups.html', { token, config: { debug: true }, script }));
    const groups = () => h.collector.events({ endpoint: 'groups' }).filter((e) => e.data.$token === token);
    await waitFor(async () => groups().length >= 2 && eventsNamed(token, 'With group').length > 0, 15_000);
    expect(groups().map((e) => e.data)).toEqual([
      { $set: { plan: 'pro' }, $group_key: 'company', $group_id: 'acme', $token: token },
      { $union: { regions: ['eu'] }, $group_key: 'company', $group_id: 'acme', $token: token },
    ]);
    expect(eventsNamed(token, 'With group')[0]).toMatchObject({ company: ['acme'] });
  });
});
