// Ten events, then the user leaves for another site right after `load`: what the page had not
// delivered goes out by beacon, stays in the outbox until acknowledged, and a later visit
// delivers whatever the beacon did not. The overlap (beaconed, then sent again) is accepted
// by design and deduped by the server on `$insert_id`.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/fixtures';
import { setupEngine, type EngineHarness } from '../support/engines/harness';
import { arrived, waitArrived, deliveryState, expectedLabels, sdkPage, trackScript } from '../support/sdk-page';
import { pageHtml, startSite, type Site } from '../support/site';

let h: EngineHarness;
let elsewhere: Site;

beforeAll(async () => {
  h = await setupEngine();
  elsewhere = await startSite({ host: '127.0.0.2' });
});
afterEach(() => h.collector.reset());
afterAll(async () => {
  await elsewhere?.close();
  await h?.close();
});

/**
 * Opens `leaving` (which sends the tab to the other site once loaded), then returns to the
 * site. On the way back ingest is briefly down, so that the returning page can say how many
 * records the leaving page never saw acknowledged: those, and only those, may arrive twice.
 */
async function leaveAndReturn(token: string, leavingScript: string, config: Record<string, unknown>): Promise<void> {
  const away = elsewhere.page('/other.html', pageHtml({ body: '<h1>another site</h1>' }));
  const leaving = sdkPage(h, `/${token}.html`, {
    token,
    config: { debug: true, ...config },
    script: leavingScript.replace('AWAY', JSON.stringify(away)),
  });
  const page = await h.browser.newTab();
  const everyHost = async (mode: 'ok' | '503') => {
    for (const name of Object.keys(h.collector.urls)) await h.collector.setMode(name, mode);
  };
  try {
    await page.goto(leaving);
    await page.waitForURL(away);
    await new Promise((r) => setTimeout(r, 500)); // let beacons land
    const before = arrived(h.collector, token);
    const sent = (transport: string) =>
      h.collector
        .requests()
        .filter((r) => r.transport === transport && r.status === 200)
        .reduce((n, r) => n + r.count, 0);
    const beaconed = sent('beacon');
    const fetched = sent('fetch');

    // the user comes back later, while ingest is down for a moment
    await everyHost('503');
    await page.goto(sdkPage(h, `/${token}-back.html`, { token, config: { debug: true } }));
    const unacknowledged = (await deliveryState(page)).queued; // answered once the outbox's store is open
    await everyHost('ok');

    const got = await waitArrived(h.collector, token, 10, 20_000);
    await waitFor(async () => {
      const s = await deliveryState(page);
      return s.queued === 0 && s.in_flight === 0;
    }, 20_000);
    const after = arrived(h.collector, token);
    console.log(
      `${token}: before the return ${before.unique} of 10 had arrived (${beaconed} by beacon, ${fetched} by fetch); ` +
        `${unacknowledged} were still in the outbox; after the return ${after.unique} unique, ${after.raw} raw, ` +
        `${after.duplicates} duplicate(s)`,
    );
    expect(got.labels).toEqual(expectedLabels('leave', 10));
    expect(after.unique).toBe(10);
    // Duplicates come only from the unload overlap: records sent on the way out (beacon, or a
    // keepalive fetch whose answer the page did not live to read) and sent again on return.
    expect(before.duplicates).toBe(0); // the leaving page sent each record once: never by fetch and beacon both
    expect(after.duplicates).toBeLessThanOrEqual(unacknowledged);
  } catch (e) {
    console.log(page.logs.join('\n'));
    throw e;
  } finally {
    await page.close();
  }
}

describe('leaving for another site right after load', () => {
  it('ten events tracked as the page runs, then off to another site at load: 10 of 10 arrive', async () => {
    await leaveAndReturn(
      'unload-script',
      `${trackScript('leave', 10)}\naddEventListener('load', function () { location.href = AWAY; });`,
      {},
    );
  });

  it('with the 5 s flush interval, ten events tracked at load just before leaving: a keepalive request or the beacon carries them, 10 of 10 arrive', async () => {
    await leaveAndReturn('unload-beacon', `addEventListener('load', function () { ${trackScript('leave', 10)} location.href = AWAY; });`, {
      batch_flush_interval_ms: 5_000,
    });
  });
});
