// What the page hands the browser on its way out (the unload beacon, and keepalive requests still
// on their way) is sent once: no later sender (the next page, this page once shown again, another
// tab) sends it again unless the host fails, and nothing is lost when the hosts are down at that
// moment. Profile updates are counted as Mixpanel counts them: every `$add` received is applied.
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/fixtures';
import { useEngineScenario, type EngineHarness } from '../support/engines/harness';
import type { Tab } from '../support/engines/types';
import { arrived, deliveryState, expectedLabels, sdkPage, trackScript, waitArrived, waitState } from '../support/sdk-page';

let h: EngineHarness;
const open = useEngineScenario((harness) => (h = harness), { collector: { semantics: 'mixpanel' } });

const everyHost = async (mode: 'ok' | '503' | 'hang', opts?: { delay: number }) => {
  for (const name of Object.keys(h.collector.urls)) await h.collector.setMode(name, mode, opts);
};

/** The profile `id` as the collector applied its updates (Mixpanel's way: every update received counts). */
const profile = (id: string) => h.collector.profiles().people[id];

/** Page code that adds a link to `url` with the id `next`. */
const linkTo = (url: string) =>
  `var a = document.createElement('a'); a.id = 'next'; a.href = ${JSON.stringify(url)}; a.textContent = 'next'; document.body.appendChild(a);`;

const increment = (tab: Tab) =>
  tab.evaluate(() =>
    (window as unknown as { mixpanel: { people: { increment(name: string, by: number): void } } }).mixpanel.people.increment('n', 1),
  );

const clickNext = (tab: Tab) => tab.evaluate(() => (document.getElementById('next') as HTMLAnchorElement).click());

/** A tab switch: the page is hidden, then shown again (the state is set on the document, as every engine reports it). */
const switchAway = (tab: Tab, visibility: 'hidden' | 'visible') =>
  tab.evaluate((state: string) => {
    Object.defineProperty(document, 'visibilityState', { value: state, configurable: true });
    Object.defineProperty(document, 'hidden', { value: state === 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  }, visibility);

/** Waits until the page's outbox is empty and nothing is in flight, so that whatever could be sent again has been. */
const drained = (tab: Tab, timeoutMs = 30_000) => waitState(tab, (s) => s.queued === 0 && s.in_flight === 0, timeoutMs);

// The mixpanel-browser default: what a page tracks waits up to 5 s before it is sent, so a click
// or a tab switch within a second finds it unsent and the unload path carries it.
const DEFAULT_FLUSH = { debug: true, batch_flush_interval_ms: 5_000 };

describe('hand-offs on the way out are sent once', () => {
  it('every host answers after 3 s while the visitor moves through 3 pages of 20 events: 60 arrive, under 1 % twice', async () => {
    const token = 'handoff-slow';
    await everyHost('ok', { delay: 3_000 });
    // a slow host, not a failing one: the request timeout (the default, 10 s) is longer than its answers take
    const config = { debug: true, batch_request_timeout_ms: 10_000 };
    const tab = await open();
    for (let p = 0; p < 3; p++) {
      await tab.goto(sdkPage(h, `/slow-${p}.html`, { token, config, script: trackScript(`page${p}`, 20) }));
      // the host has the page's events and is still answering when the visitor moves on
      await waitFor(() => arrived(h.collector, token).labels.filter((l) => l.startsWith(`page${p}-`)).length === 20, 15_000);
    }
    const got = await waitArrived(h.collector, token, 60, 20_000);
    await drained(tab);
    const after = arrived(h.collector, token);
    console.log(`${h.engine}: ${after.unique} unique, ${after.raw} received, ${after.duplicates} duplicate(s)`);
    expect(got.labels).toEqual([0, 1, 2].flatMap((p) => expectedLabels(`page${p}`, 20)).sort());
    expect(after.unique).toBe(60);
    expect(after.duplicates / after.unique).toBeLessThan(0.01);
  });

  /**
   * An identified visitor (on an earlier page, so that the `$add` is the only thing the page leaves with) opens a
   * page that tracks `events` (none by default) after `before` ran, increments `n` and clicks a link within a
   * second: every `$add` the collector received, and the track events twice.
   */
  async function incrementThenClick(name: string, opts: { before?: () => Promise<unknown>; events?: number } = {}) {
    const token = `handoff-${name}`;
    const id = `visitor-${name}`;
    const first = await open(
      sdkPage(h, `/${name}-0.html`, { token, config: DEFAULT_FLUSH, script: `mixpanel.identify(${JSON.stringify(id)});` }),
    );
    await drained(first);
    await opts.before?.();
    const next = sdkPage(h, `/${name}-2.html`, { token, config: DEFAULT_FLUSH });
    const events = opts.events ?? 0;
    await first.goto(
      sdkPage(h, `/${name}-1.html`, {
        token,
        config: DEFAULT_FLUSH,
        script: `${linkTo(next)}\nmixpanel.identify(${JSON.stringify(id)});\n${events ? trackScript(name, events) : ''}`,
      }),
    );
    await waitFor(() => arrived(h.collector, token).labels.length === events, 15_000);
    await drained(first); // what the page sends as it starts is gone; the $add below waits for the next flush
    await increment(first);
    await clickNext(first);
    await first.waitForURL(next, 10_000);
    await waitFor(() => profile(id)?.properties.n !== undefined, 15_000);
    await drained(first); // the next page holds the hand-off until it knows, then has nothing left
    await new Promise((r) => setTimeout(r, 500)); // a copy sent last would land by now
    expect(profile(id)?.properties.n).toBe(1);
    return { adds: profile(id)?.operations.$add, duplicates: arrived(h.collector, token).duplicates };
  }

  it('people.increment, then a link click within a second: the next page does not send the $add again (n is 1)', async () => {
    expect((await incrementThenClick('click')).adds, 'every $add the collector received').toBe(1);
  });

  it('people.increment, then a tab switch within a second: the page shown again does not send the $add again (n is 1)', async () => {
    const token = 'handoff-switch';
    const id = 'visitor-switch';
    const tab = await open(
      sdkPage(h, '/switch-0.html', { token, config: DEFAULT_FLUSH, script: `mixpanel.identify(${JSON.stringify(id)});` }),
    );
    await drained(tab);
    await increment(tab);
    await switchAway(tab, 'hidden');
    await new Promise((r) => setTimeout(r, 300));
    await switchAway(tab, 'visible');
    await waitFor(() => profile(id)?.properties.n !== undefined, 15_000);
    await drained(tab);
    await new Promise((r) => setTimeout(r, 500));
    expect(profile(id)?.operations.$add, 'every $add the collector received').toBe(1);
    expect(profile(id)?.properties.n).toBe(1);
  });

  it('the primary is down and the alternate answers: people.increment, then a link click, and the next page does not send the $add again (n is 1)', async () => {
    // the page finds the primary failing and its 3 events go through the alternate, which it hears answer
    const got = await incrementThenClick('failover', { before: () => h.collector.setMode('primary', '503'), events: 3 });
    expect(got.adds, 'every $add the collector received').toBe(1);
    expect(got.duplicates).toBe(0);
  });

  for (const down of ['503', 'hang'] as const) {
    it(`every host ${down === '503' ? 'answers 503' : 'hangs'} when the visitor leaves, and recovers later: nothing is lost, the $add applied once`, async () => {
      const token = `handoff-down-${down}`;
      const id = `visitor-down-${down}`;
      const tab = await open(
        sdkPage(h, `/down-${down}-0.html`, { token, config: DEFAULT_FLUSH, script: `mixpanel.identify(${JSON.stringify(id)});` }),
      );
      await drained(tab);
      await everyHost(down);
      const next = sdkPage(h, `/down-${down}-2.html`, { token, config: DEFAULT_FLUSH });
      await tab.goto(
        sdkPage(h, `/down-${down}-1.html`, {
          token,
          config: DEFAULT_FLUSH,
          script: `${linkTo(next)}\nmixpanel.identify(${JSON.stringify(id)});\n${trackScript('down', 10)}\nmixpanel.people.increment('n', 1);`,
        }),
      );
      await clickNext(tab);
      await tab.waitForURL(next, 10_000);
      // the next page tries and fails for a while (a hanging host times out after the test config's 1 s)
      await waitFor(async () => (await deliveryState(tab)).retried > 0, 15_000);
      await everyHost('ok');
      await waitFor(() => arrived(h.collector, token).labels.length === 10, 30_000);
      await drained(tab);
      const got = arrived(h.collector, token);
      await waitFor(() => profile(id)?.properties.n !== undefined, 15_000);
      expect(got.labels).toEqual(expectedLabels('down', 10));
      expect(arrived(h.collector, token).duplicates).toBe(0);
      expect(profile(id)?.operations.$add).toBe(1);
      expect(profile(id)?.properties.n).toBe(1);
    });
  }
});
