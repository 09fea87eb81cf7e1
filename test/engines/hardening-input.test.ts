// A page that feeds the SDK a mix of valid and invalid calls: every valid event arrives intact,
// the invalid ones are reported with a reason, and the page never sees an error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupEngine, type EngineHarness } from '../support/engines/harness';
import { arrived, errorsOf, reportsOf, sdkPage, waitArrived } from '../support/sdk-page';

let h: EngineHarness;
beforeAll(async () => {
  h = await setupEngine();
});
afterAll(() => h?.close());

/** Page code: valid events (label valid-<i>) interleaved with calls that cannot or should not be sent as given. */
const MIXED = `
  var circular = { a: 1 }; circular.self = circular;
  var huge = new Array(1 << 20).join('x');
  var node = document.body;
  for (var i = 0; i < 10; i++) {
    mixpanel.track('valid', { label: 'valid-' + i, n: i, nested: { list: [1, 'two', true] } });
    mixpanel.track();                                   // no name
    mixpanel.track('', { label: 'blank' });             // blank name
    mixpanel.track({ not: 'a name' });                  // not a string
    mixpanel.track('circular', { label: 'circular-' + i, circular: circular });
    mixpanel.track('bigint', { label: 'bigint-' + i, big: BigInt(2) ** BigInt(70) });
    mixpanel.track('function', { label: 'function-' + i, f: function () {}, node: node, win: window });
    mixpanel.track('huge', { label: 'huge-' + i, s: huge });
    mixpanel.identify({ id: 1 });
    mixpanel.register(circular);
    mixpanel.people.set(huge, circular);
  }
`;

describe('bad input in a real page', () => {
  it('every valid event arrives intact, invalid calls are reported, the page gets no error', async () => {
    const token = 'hardening-input';
    const page = await h.browser.newTab();
    await page.goto(sdkPage(h, '/hardening-input.html', { token, script: MIXED, recordErrors: true }));

    // 10 of each of the five sendable names
    const got = await waitArrived(h.collector, token, 50, 20_000).catch((e) => {
      console.log(page.logs.join('\n'));
      throw e;
    });
    expect(got.duplicates).toBe(0);
    for (const name of ['valid', 'circular', 'bigint', 'function', 'huge']) expect(arrived(h.collector, token, name).unique, name).toBe(10);

    const byLabel = new Map(
      h.collector.events({ endpoint: 'track' }).map((e) => [(e.data.properties as Record<string, unknown>).label, e.data]),
    );
    expect(byLabel.get('valid-3')).toMatchObject({ event: 'valid', properties: { n: 3, nested: { list: [1, 'two', true] }, token } });
    expect((byLabel.get('circular-0')!.properties as Record<string, unknown>).circular).toEqual({ a: 1 });
    expect((byLabel.get('bigint-0')!.properties as Record<string, unknown>).big).toBe((BigInt(2) ** BigInt(70)).toString());
    const fn = byLabel.get('function-0')!.properties as Record<string, unknown>;
    expect(['f', 'node', 'win'].filter((k) => k in fn)).toEqual([]);
    expect((byLabel.get('huge-0')!.properties as Record<string, string>).s).toHaveLength(255);
    expect(byLabel.has('blank')).toBe(false);

    // the profile update with a 1 MB property name is refused or emptied, never sent as is
    for (const e of h.collector.events({ endpoint: 'engage' })) expect(JSON.stringify(e.data).length).toBeLessThan(4096);

    const reports = await reportsOf(page);
    expect(reports.filter((r) => r.code === 'invalid_call' && /^track: event name/.test(r.message))).toHaveLength(30);
    expect(reports.some((r) => r.code === 'invalid_call' && /^identify: /.test(r.message))).toBe(true);
    expect(reports.some((r) => r.code === 'invalid_property')).toBe(true);
    expect(await errorsOf(page)).toEqual([]);
    expect(page.pageErrors).toEqual([]);
    await page.close();
  });
});
