import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Config } from '../../../src/config';
import { HANDOFF_TRUST_MS } from '../../../src/constants';
import { holdHandedOff, probeFor } from '../../../src/delivery/handoff-hold';
import { createPipeline } from '../../../src/delivery/pipeline';
import type { Pipeline } from '../../../src/delivery/types';
import type { OutboxRecord } from '../../../src/outbox/types';
import { MemoryStorage } from '../outbox/helpers';
import { decodeBody, fakeOutbox, testConfig, testReporter } from './fakes';

const engage = (id: string, body: Record<string, unknown>): OutboxRecord => {
  const json = JSON.stringify({ $token: 'tok', $distinct_id: 'u1', ...body });
  return { v: 2, id, at: 1, ep: 'engage', json, size: json.length };
};
const event = (id: string): OutboxRecord => {
  const json = JSON.stringify({ event: 'e', properties: { $insert_id: id } });
  return { v: 2, id, at: 1, ep: 'track', json, size: json.length };
};

describe('the probe for held records that nothing else would confirm', () => {
  it('for a held $add, $append or $remove: a profile update that changes nothing, for the same profile', () => {
    for (const op of ['$add', '$append', '$remove']) {
      const probe = probeFor([event('e1'), engage('p1', { [op]: { n: 1 } })]);
      expect(probe).toMatchObject({ ep: 'engage' });
      expect(JSON.parse(probe!.json)).toEqual({ $token: 'tok', $distinct_id: 'u1', $ignore_time: true, $set: {} });
      expect(probe!.id).not.toMatch(/^(e1|p1)$/);
    }
  });

  it('else one held record a second copy leaves as it was: an event, or an idempotent update', () => {
    expect(probeFor([engage('p0', { $delete: '' }), event('e1'), event('e2')])).toMatchObject({ id: 'e1' });
    expect(probeFor([engage('p1', { $set: { a: 1 } })])).toMatchObject({ id: 'p1' });
    expect(probeFor([engage('p1', { $union: { l: [1] } })])).toMatchObject({ id: 'p1' });
  });

  it('none for a profile a held $delete may have removed (a no-op update would make it again), nor for lone non-idempotent updates without one', () => {
    expect(probeFor([engage('p1', { $add: { n: 1 } }), engage('p2', { $delete: '' })])).toBeNull();
    expect(probeFor([engage('p1', { $add: { n: 1 }, $distinct_id: undefined })])).toBeNull();
    expect(probeFor([])).toBeNull();
  });
});

describe('the held outbox', () => {
  it('passes over held records; with only those left and nothing in flight, one probe per hand-off to the current host', async () => {
    const outbox = fakeOutbox();
    const [a, b, c] = outbox.add(3);
    let held = [{ ids: [a!.id, b!.id], host: 'https://h1', at: 5 }];
    const handoff = { held: () => held, heldIds: () => new Set(held.flatMap((e) => e.ids)) };
    const holding = holdHandedOff(outbox, handoff, () => 'https://h1');
    expect((await holding.oldest(10)).map((r) => r.id)).toEqual([c!.id]);
    await outbox.remove([c!.id]);
    expect(await holding.oldest(10, new Set(['in-flight'])), 'a request under way will tell').toEqual([]);
    expect(
      (await holding.oldest(10)).map((r) => r.id),
      'a copy of an event',
    ).toEqual([a!.id]);
    // a probe answered without settling the hand-off (neither a 2xx nor a host failure): one probe
    // per hand-off, then the held records are sent rather than wait for the window's end, when
    // nothing would wake the sender
    expect((await holding.oldest(10)).map((r) => r.id)).toEqual([a!.id, b!.id]);
    held = [{ ids: [a!.id, b!.id], host: 'https://h2', at: 6 }];
    expect(
      (await holding.oldest(10)).map((r) => r.id),
      'a hand-off to another host, whose answer this sender cannot get: sent',
    ).toEqual([a!.id, b!.id]);
    held = [];
    expect((await holding.oldest(10)).map((r) => r.id)).toEqual([a!.id, b!.id]);
  });

  it('a probe is never removed from or dropped by the outbox', async () => {
    const outbox = fakeOutbox();
    const holding = holdHandedOff(outbox, { held: () => [], heldIds: () => new Set() }, () => 'h');
    const [a] = outbox.add(2);
    await holding.remove([a!.id, 'handoff-probe-1']);
    await holding.drop([{ ...a!, id: 'handoff-probe-2' }], 'rejected');
    expect(outbox.removed).toEqual([a!.id]);
    expect(outbox.dropped).toEqual([]);
  });
});

describe('hand-offs across pages (pipelines on one localStorage, fake timers)', () => {
  const pipelines: Pipeline[] = [];
  let requests: Array<{ url: string; bodies: Array<Record<string, unknown>>; keepalive: boolean }> = [];
  let status: number | 'hang' = 200;
  /** The page that made the request has gone: nobody reads its answer (a page left runs no more code). */
  let gone = false;
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
    requests = [];
    status = 200;
    vi.stubGlobal('localStorage', new MemoryStorage());
    vi.stubGlobal('navigator', { onLine: true });
    vi.stubGlobal('fetch', (url: string, init: RequestInit & { signal?: AbortSignal }) => {
      requests.push({ url, bodies: decodeBody(String(init.body)), keepalive: init.keepalive === true });
      if (gone) return new Promise(() => undefined);
      if (status === 'hang')
        return new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
      return Promise.resolve(new Response('{"status":1,"error":null}', { status }));
    });
  });
  afterEach(() => {
    pipelines.splice(0).forEach((p) => p.close());
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  /** A page of the site: its own window and document, the shared localStorage (the outbox's store too: no IndexedDB here). */
  function page(over: Partial<Config> = {}) {
    const win = new EventTarget();
    const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    vi.stubGlobal('window', win);
    vi.stubGlobal('document', doc);
    const cfg = testConfig({ batch_flush_interval_ms: 60_000, api_host: 'https://h1', ...over });
    const p = createPipeline({ token: 'tok', config: () => cfg, reporter: testReporter() });
    pipelines.push(p);
    gone = false;
    const leave = () => {
      gone = true;
      win.dispatchEvent(new Event('pagehide'));
      p.close();
    };
    return { p, win, doc, leave };
  }
  const ids = (from = 0) => requests.slice(from).flatMap((r) => r.bodies.map((b) => String((b.properties as { i?: number })?.i ?? b.$set)));
  const track = (p: Pipeline, from: number, n: number) => {
    for (let i = from; i < from + n; i++) p.enqueue('track', JSON.stringify({ event: 'e', properties: { i } }));
  };
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 50) await vi.advanceTimersByTimeAsync(50);
  };

  it("the next page's own request answered 2xx confirms what the last page beaconed: nothing is sent twice", async () => {
    const first = page();
    await run(100);
    track(first.p, 0, 3);
    await first.p.settle();
    first.leave(); // the beacon (a keepalive fetch) carries 0-2
    expect(ids()).toEqual(['0', '1', '2']);
    const next = page();
    track(next.p, 3, 2);
    await next.p.settle();
    await next.p.flush();
    await run(HANDOFF_TRUST_MS + 1_000);
    await next.p.flush();
    expect(ids(1)).toEqual(['3', '4']);
    expect(await next.p.state()).toMatchObject({ queued: 0 });
  });

  it('a next page with nothing of its own to send probes: one copy of one event confirms the rest', async () => {
    const first = page();
    await run(100);
    track(first.p, 0, 3);
    await first.p.settle();
    first.leave();
    const next = page();
    await run(500);
    await next.p.flush();
    expect(ids(1)).toEqual(['0']);
    await run(HANDOFF_TRUST_MS + 1_000);
    expect(ids(1)).toEqual(['0']);
    expect(await next.p.state()).toMatchObject({ queued: 0 });
  });

  it('a held $add is confirmed by a profile update that changes nothing, and never sent twice', async () => {
    const first = page();
    await run(100);
    first.p.enqueue('engage', JSON.stringify({ $token: 'tok', $distinct_id: 'u1', $add: { n: 1 } }));
    await first.p.settle();
    first.leave();
    const next = page();
    await run(HANDOFF_TRUST_MS + 1_000);
    await next.p.flush();
    expect(requests.map((r) => r.bodies)).toEqual([
      [{ $token: 'tok', $distinct_id: 'u1', $add: { n: 1 } }],
      [{ $token: 'tok', $distinct_id: 'u1', $ignore_time: true, $set: {} }],
    ]);
    expect(await next.p.state()).toMatchObject({ queued: 0 });
  });

  for (const failure of [503, 'hang'] as const) {
    it(`a host that ${failure === 503 ? 'answers 503' : 'hangs'} after the hand-off releases it: the records are sent once it recovers, none lost`, async () => {
      const first = page();
      await run(100);
      track(first.p, 0, 3);
      await first.p.settle();
      first.leave();
      status = failure;
      const next = page();
      track(next.p, 3, 1);
      await run(3_000); // a hanging request times out after the test config's request timeout
      status = 200;
      await run(HANDOFF_TRUST_MS);
      await next.p.flush();
      const sent = ids(1);
      expect(new Set(sent)).toEqual(new Set(['0', '1', '2', '3']));
      expect(await next.p.state()).toMatchObject({ queued: 0 });
    });
  }

  it('a host known failing at the hide gets no hand-off: the next page sends at once', async () => {
    status = 503;
    const first = page({ retry_backoff_base_ms: 60_000, retry_backoff_max_ms: 60_000 });
    track(first.p, 0, 2);
    await first.p.settle();
    await first.p.flush();
    first.leave();
    status = 200;
    const beforeNext = requests.length;
    const next = page();
    await run(200);
    await next.p.flush();
    expect(ids(beforeNext)).toEqual(['0', '1']);
    expect(localStorage.getItem('mp_handoff_tok')).toBeNull();
  });

  it('a tab switch: the beacon answered while the page lives confirms its own records', async () => {
    const tab = page();
    await run(100);
    track(tab.p, 0, 2);
    await tab.p.settle();
    tab.doc.visibilityState = 'hidden';
    tab.doc.dispatchEvent(new Event('visibilitychange'));
    await run(100);
    tab.doc.visibilityState = 'visible';
    tab.doc.dispatchEvent(new Event('visibilitychange'));
    await run(HANDOFF_TRUST_MS + 1_000);
    await tab.p.flush();
    expect(ids()).toEqual(['0', '1']);
    expect(await tab.p.state()).toMatchObject({ queued: 0 });
    expect(localStorage.getItem('mp_handoff_tok')).toBeNull();
  });
});
