// The deferred request as the pipeline wires it: armed with what the page enqueued, handed over
// to the unload beacon on hide (so no record leaves by both), aborted by close() and opt-out.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPipeline } from '../../../src/delivery/pipeline';
import type { Pipeline } from '../../../src/delivery/types';
import { decodeBody, stubPage, testConfig, testReporter } from './fakes';

describe('pipeline with fetchLater', () => {
  let pipeline: Pipeline | null = null;
  afterEach(() => {
    pipeline?.close();
    pipeline = null;
    vi.unstubAllGlobals();
  });

  function page() {
    // no keepalive: the unload beacon goes by sendBeacon, which the test counts; ingest is down: nothing is acknowledged
    const { win, doc, nav } = stubPage(async () => new Response('', { status: 503 }));
    const deferred: Array<{ body: string; signal: AbortSignal }> = [];
    vi.stubGlobal('fetchLater', (_url: string, init: RequestInit) => void deferred.push({ body: String(init.body), signal: init.signal! }));
    const live = () => deferred.filter((d) => !d.signal.aborted).map((d) => decodeBody(d.body).map((e) => e.event));
    const cfg = testConfig({ batch_flush_interval_ms: 60_000 });
    pipeline = createPipeline({ token: 'tok', config: () => cfg, reporter: testReporter() });
    const track = (name: string) => pipeline!.enqueue('track', JSON.stringify({ event: name, properties: {} }));
    return { win, doc, nav, live, track, p: pipeline };
  }

  it('arms what the page enqueued; on pagehide aborts it before the beacon, which carries those records alone', async () => {
    const { win, nav, live, track } = page();
    track('a');
    track('b');
    await vi.waitFor(() => expect(live()).toEqual([['a', 'b']]));
    win.dispatchEvent(new Event('pagehide'));
    expect(live()).toEqual([]);
    expect(nav.sendBeacon).toHaveBeenCalledTimes(1);
  });

  it('hidden: the beacon takes what is armed; what is tracked afterwards is armed, never what the beacon had', async () => {
    const { doc, nav, live, track } = page();
    track('a');
    await vi.waitFor(() => expect(live()).toEqual([['a']]));
    doc.visibilityState = 'hidden';
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(nav.sendBeacon).toHaveBeenCalledTimes(1);
    expect(live()).toEqual([]);
    track('b');
    await vi.waitFor(() => expect(live()).toEqual([['b']]));
  });

  it('close() and purge() abort it', async () => {
    const first = page();
    first.track('a');
    await vi.waitFor(() => expect(first.live()).toEqual([['a']]));
    await first.p.purge();
    expect(first.live()).toEqual([]);
    first.p.close();
    vi.unstubAllGlobals();

    const second = page();
    second.track('a');
    await vi.waitFor(() => expect(second.live()).toEqual([['a']]));
    second.p.close();
    expect(second.live()).toEqual([]);
  });
});
