// The events the stub sent itself on leave (its `_h`, the saved blob's `h`) are replayed as handed
// off to the host it sent them to, so that the library's sender does not send them again.
import { beforeAll, describe, expect, it } from 'vitest';
import { replayCalls, sentByStub } from '../../../src/cdn/replay';
import type { LibInstance } from '../../../src/cdn/library-shape';
import { createReporter } from '../../../src/utils/report';
import { buildSnippet } from './build-snippet';
import { fakeBrowser } from './fake-browser';

const reporter = createReporter(() => ({ debug: false, on_error: null }));
const props = (id: string) => ({ $insert_id: id, time: 1 });

let code = '';
beforeAll(async () => {
  code = await buildSnippet();
}, 60_000);

describe('the stub notes what it sent', () => {
  it("keeps each send's time, URL and $insert_ids, marks it once answered 2xx, and saves the sends for a later page", async () => {
    const b = fakeBrowser();
    b.run(code);
    const mp = b.window.mixpanel;
    mp.init('tok', { api_host: 'https://h.example' });
    mp.track('a');
    mp.identify('u1');
    mp.track_pageview();
    mp.track(''); // the stub sends no event without a name
    b.fire('pagehide');
    const sent = (b.requests[0]!.data as Array<{ properties: Record<string, unknown> }>).map((e) => e.properties.$insert_id);
    expect(sent).toEqual([mp[0][2].$insert_id, mp[2][1].$insert_id]);
    expect(mp._h).toEqual([[expect.any(Number), 'https://h.example/track/?ip=1', sent]]);
    expect(JSON.parse(b.storage.get(mp._k)!).h).toEqual(mp._h);
    await Promise.resolve(); // the fake fetch answers 200
    expect(mp._h[0][3]).toBe(1);
    expect(sentByStub(mp._h).get(sent[0])).toEqual(['https://h.example', mp._h[0][0], true]);
  });
});

describe('sentByStub', () => {
  it('maps each sent $insert_id to its host (named as `api_host` is), send time and whether a 2xx was heard', () => {
    const sends = [
      [100, 'https://h.example/track/?ip=1', ['id-a', 'id-p']],
      [150, 'https://x.example//track/?ip=1', ['id-x'], 1],
    ];
    expect([...sentByStub(sends).entries()]).toEqual([
      ['id-a', ['https://h.example', 100, false]],
      ['id-p', ['https://h.example', 100, false]],
      ['id-x', ['https://x.example', 150, true]],
    ]);
  });

  it('knows no send from nothing, from sends of another shape, or for an id the library would replace', () => {
    expect(sentByStub(undefined).size).toBe(0);
    expect(sentByStub([['100', 'u', ['a']], 'x', [100, 'u'], [100, 5, ['a']]]).size).toBe(0);
    expect([...sentByStub([[100, 'https://h/track/?ip=1', ['id b', 7, 'x'.repeat(37), 'ok']]]).keys()]).toEqual(['ok']);
  });
});

describe('replayCalls with events the stub sent', () => {
  it('runs the sent track and track_pageview calls through _handedOff, the others as usual, in the usual order', () => {
    const log: unknown[][] = [];
    const instance: LibInstance = {
      track: (...args: unknown[]) => void log.push(['track', ...args]),
      track_pageview: (...args: unknown[]) => void log.push(['track_pageview', ...args]),
      register: (...args: unknown[]) => void log.push(['register', ...args]),
      identify: (...args: unknown[]) => void log.push(['identify', ...args]),
      _handedOff: (host: string, at: number, run: () => void, delivered?: boolean) => {
        log.push(['handed off', host, at, delivered]);
        run();
      },
    };
    const items = [
      ['track', 'a', props('id-a')],
      ['identify', 'u1'],
      ['register', props('id-p')], // carries a sent id, but is no event
      ['track_pageview', props('id-p')],
      ['track', 'b', props('id-b')],
    ];
    const sent = sentByStub([[100, 'https://h.example/track/?ip=1', ['id-a', 'id-p'], 1]]);
    replayCalls(instance, items, reporter, undefined, sent);
    expect(log).toEqual([
      ['identify', 'u1'],
      ['register', props('id-p')],
      ['handed off', 'https://h.example', 100, true],
      ['track', 'a', props('id-a')],
      ['handed off', 'https://h.example', 100, true],
      ['track_pageview', props('id-p')],
      ['track', 'b', props('id-b')],
    ]);
  });

  it('an instance without _handedOff gets them as plain calls', () => {
    const log: unknown[][] = [];
    const instance: LibInstance = { track: (...args: unknown[]) => void log.push(args) };
    const items = [['track', 'a', props('id-a')]];
    replayCalls(instance, items, reporter, undefined, sentByStub([[1, 'https://h/track/?ip=1', ['id-a']]]));
    expect(log).toEqual([['a', props('id-a')]]);
  });
});
