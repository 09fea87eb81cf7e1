// The snippet on a strict-CSP page (nonce only, no unsafe-inline or unsafe-eval), with SRI, and
// the stub's replay: calls made before the library arrived end up as the same events and
// profile updates as the same calls made after it arrived. On every engine; the snippet tries
// only the library URLs each page lists, all of them local.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../support/fixtures';
import { useEngineScenario, type EngineHarness } from '../support/engines/harness';
import type { Tab } from '../support/engines/types';
import { pageHtml, startSite, type Site } from '../support/site';
import { errorsIn, fastConfig, libIntegrity, libraryRan, snippetTags } from '../support/snippet-page';

let h: EngineHarness;
const open = useEngineScenario((harness) => (h = harness), { scriptHost: true });
/** A second origin, so two variants of one page do not share identity in localStorage. */
let site2: Site;
let cdnUrl: string;

beforeAll(async () => {
  site2 = await startSite();
  cdnUrl = `${h.collector.urls.script}/mixpanel.min.js`;
});
afterAll(() => site2?.close());

type Props = Record<string, unknown>;

/** Accepted items of one endpoint whose token (`token` or `$token`) is `token`, one per `$insert_id`. */
function itemsOf(endpoint: 'track' | 'engage' | 'groups', token: string): Props[] {
  return h.collector
    .events({ endpoint, unique: true })
    .map((e) => e.data)
    .filter((d) => (endpoint === 'track' ? (d.properties as Props).token : d.$token) === token);
}

/**
 * The first script of every page here: records CSP violations from the start. It carries the
 * nonce the strict page allows, so it runs there too.
 */
const WATCH_VIOLATIONS = `<script nonce="abc">window.violations = [];
document.addEventListener('securitypolicyviolation', function (e) { violations.push(e.violatedDirective + ' ' + e.blockedURI); });</script>`;

/** Opens `url` (a page that starts with `WATCH_VIOLATIONS`) in a new tab. */
async function openWatched(url: string): Promise<{ page: Tab; errors: () => string[]; violations: () => Promise<string[]> }> {
  const page = await open(url);
  return {
    page,
    errors: () => errorsIn(page),
    violations: () => page.evaluate(() => (window as unknown as { violations: string[] }).violations),
  };
}

describe('snippet on a strict-CSP page', () => {
  /** `script-src` allows only the nonce; `connect-src` only the collector's ingest hosts. */
  const csp = () => `script-src 'nonce-abc'; connect-src ${h.collector.urls.primary} ${h.collector.urls.alternate}`;
  const cspPage = (path: string, snippetNonce: string, token: string) =>
    h.site.page(
      path,
      pageHtml({
        head:
          WATCH_VIOLATIONS +
          snippetTags({ urls: [cdnUrl], nonce: snippetNonce }) +
          `<script nonce="abc">mixpanel.init('${token}', ${JSON.stringify(fastConfig(h.collector))});
           for (let i = 0; i < 5; i++) mixpanel.track('csp', { i });</script>`,
      }),
      undefined,
      { headers: { 'Content-Security-Policy': csp() } },
    );

  it('a snippet carrying the nonce loads the library, and events arrive without any violation', async () => {
    const { page, errors, violations } = await openWatched(cspPage('/csp.html', 'abc', 'tok-csp'));
    await libraryRan(page);
    await page.evaluate(() => (window as unknown as { mixpanel: { track(n: string): void } }).mixpanel.track('csp after load'));
    await waitFor(() => itemsOf('track', 'tok-csp').length >= 6, 5_000);
    expect(
      itemsOf('track', 'tok-csp')
        .map((d) => d.event)
        .sort(),
    ).toEqual(['csp', 'csp', 'csp', 'csp', 'csp', 'csp after load']);
    expect(await violations()).toEqual([]);
    expect(errors()).toEqual([]);
  });

  it('control: a snippet with the wrong nonce is blocked and the violation is seen', async () => {
    const { errors, violations } = await openWatched(cspPage('/csp-wrong.html', 'wrong', 'tok-csp-wrong'));
    await sleep(300);
    expect((await violations()).some((v) => v.startsWith('script-src'))).toBe(true);
    expect(errors().some((e) => /Content.Security.Policy/i.test(e))).toBe(true);
  });
});

describe('snippet with SRI', () => {
  it('MIXPANEL_LIB_INTEGRITY with the hash the build wrote loads the cross-origin library', async () => {
    const { page, errors } = await openWatched(
      h.site.page(
        '/sri.html',
        pageHtml({
          head: WATCH_VIOLATIONS + snippetTags({ urls: [cdnUrl], integrity: libIntegrity() }),
          script: `mixpanel.init('tok-sri', ${JSON.stringify(fastConfig(h.collector))}); mixpanel.track('sri');`,
        }),
      ),
    );
    await libraryRan(page);
    await waitFor(() => itemsOf('track', 'tok-sri').length >= 1, 5_000);
    expect(errors()).toEqual([]);
  });

  it('a file that does not match the hash never runs', async () => {
    const { page, errors } = await openWatched(
      h.site.page(
        '/sri-bad.html',
        pageHtml({
          head: WATCH_VIOLATIONS + snippetTags({ urls: [cdnUrl], integrity: `sha384-${'A'.repeat(64)}` }),
          script: `mixpanel.init('tok-sri-bad', ${JSON.stringify(fastConfig(h.collector))}); mixpanel.track('sri');`,
        }),
      ),
    );
    await waitFor(() => page.evaluate(() => document.querySelectorAll('head script[src]').length === 1), 5_000);
    await sleep(300);
    expect(await page.evaluate(() => Array.isArray((window as unknown as { mixpanel: unknown }).mixpanel))).toBe(true);
    expect(errors().some((e) => /integrity/i.test(e))).toBe(true);
  });
});

describe('stub replay', () => {
  /** The calls, made on the stub before the library arrives or on the library after. */
  const calls = (t1: string, t2: string, cfg: string) => `
    mixpanel.init('${t1}', ${cfg});
    mixpanel.register({ plan: 'pro', source: 'ad' });
    mixpanel.identify('user-42');
    mixpanel.track('Signed up', { step: 1 });
    mixpanel.people.set({ $name: 'Ada', plan: 'pro' });
    mixpanel.get_group('company', 'acme').set({ tier: 'gold' });
    mixpanel.init('${t2}', ${cfg}, 'other');
    mixpanel.other.track('Other event', { x: 1 });`;

  /** A record without what differs by nature between two runs: ids, times, URLs, device, tokens. */
  function normalise(item: Props, t1: string, t2: string): string {
    const device = String((item.properties as Props | undefined)?.$device_id ?? item.$device_id ?? '');
    const drop = new Set(['$insert_id', 'time', '$time', '$current_url']);
    const strip = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(strip);
      if (!v || typeof v !== 'object') return v;
      return Object.fromEntries(
        Object.entries(v)
          .filter(([k]) => !drop.has(k))
          .map(([k, x]) => [k, strip(x)]),
      );
    };
    let json = JSON.stringify(strip(item));
    if (device) json = json.split(device).join('DEVICE');
    return json.split(t1).join('TOKEN1').split(t2).join('TOKEN2');
  }
  /** Everything the collector got for one variant, normalised and sorted. */
  const recordsOf = (t1: string, t2: string) =>
    [...itemsOf('track', t1), ...itemsOf('track', t2)]
      .map((d) => 'track ' + normalise(d, t1, t2))
      .concat([...itemsOf('engage', t1), ...itemsOf('engage', t2)].map((d) => 'engage ' + normalise(d, t1, t2)))
      .concat(itemsOf('groups', t1).map((d) => 'groups ' + normalise(d, t1, t2)))
      .sort();

  it('calls queued on the stub give the same events and profile updates as the same calls made after load', async () => {
    const cfg = JSON.stringify(fastConfig(h.collector));
    // Queued: made inline, right after the snippet, long before the library can arrive (after `load`).
    const queuedUrl = h.site.page(
      '/queued.html',
      pageHtml({
        head: WATCH_VIOLATIONS + snippetTags({ urls: [cdnUrl] }),
        script: calls('tq1', 'tq2', cfg) + 'window.stubbed = mixpanel.__loaded ? -1 : mixpanel.length + mixpanel.other.length;',
      }),
    );
    // Live: the same calls once the library runs, on another origin (its own identity storage).
    const liveUrl = site2.page('/live.html', pageHtml({ head: WATCH_VIOLATIONS + snippetTags({ urls: [cdnUrl] }) }));

    const live = await openWatched(liveUrl);
    await libraryRan(live.page);
    await live.page.evaluate(
      (code) => {
        // The page's own script tag, as a site would add it once the library is there.
        const s = document.createElement('script');
        s.textContent = code;
        document.body.appendChild(s);
      },
      calls('tl1', 'tl2', cfg),
    );
    // Opened last, so that it stays the visible tab: a page hidden before its library ran would
    // have the stub send its events itself (the collector then keeps the stub's copy).
    const queued = await openWatched(queuedUrl);
    expect(await queued.page.evaluate(() => (window as unknown as { stubbed: number }).stubbed)).toBe(6); // register, identify, track, people.set, get_group().set, other.track: all on the stub
    await libraryRan(queued.page);

    // Signed up + $identify + Other event, and two profile updates (the first referrer set once,
    // held until identify(), as mixpanel-browser's `_loaded` queues it; then people.set), and the
    // group update, per variant.
    await waitFor(() => recordsOf('tq1', 'tq2').length >= 6 && recordsOf('tl1', 'tl2').length >= 6, 10_000);
    await sleep(500); // anything extra would show up too
    const queuedRecords = recordsOf('tq1', 'tq2');
    const liveRecords = recordsOf('tl1', 'tl2');
    expect(queuedRecords).toEqual(liveRecords);

    // And what they are, spelled out.
    const signedUp = itemsOf('track', 'tq1').find((d) => d.event === 'Signed up')?.properties as Props;
    expect(signedUp).toMatchObject({ distinct_id: 'user-42', plan: 'pro', source: 'ad', step: 1, token: 'tq1' });
    const other = itemsOf('track', 'tq2');
    expect(other.map((d) => d.event)).toEqual(['Other event']);
    expect((other[0]?.properties as Props).token).toBe('tq2');
    const profile = itemsOf('engage', 'tq1');
    expect(profile).toHaveLength(2);
    expect(profile).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          $distinct_id: 'user-42',
          $set_once: { $initial_referrer: '$direct', $initial_referring_domain: '$direct' },
        }),
        expect.objectContaining({ $distinct_id: 'user-42', $set: expect.objectContaining({ $name: 'Ada', plan: 'pro' }) }),
      ]),
    );
    expect(itemsOf('groups', 'tq1')).toEqual([
      expect.objectContaining({ $group_key: 'company', $group_id: 'acme', $set: { tier: 'gold' } }),
    ]);
    expect(queued.errors()).toEqual([]);
    expect(live.errors()).toEqual([]);
  });
});
