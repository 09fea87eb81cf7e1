// The calls the stub sent itself on leave (its `_h`, the saved blob's `h`) are replayed as handed
// off to the host it sent them to, so that the library's sender does not send them again.
import { describe, expect, it } from 'vitest';
import { replayCalls, sentByStub } from '../../../src/cdn/replay';
import type { LibInstance } from '../../../src/cdn/library-shape';
import { createReporter } from '../../../src/utils/report';

const reporter = createReporter(() => ({ debug: false, on_error: null }));
const props = (id: string) => ({ $insert_id: id, time: 1 });

describe('sentByStub', () => {
  const queue = [
    ['track', 'a', props('id-a')],
    ['identify', 'u1'],
    ['track_pageview', props('id-p')],
    ['track', '', props('id-empty')], // the stub sends no event without a name
    ['track', 'b', props('id b')], // an $insert_id the library would replace: its copy would not match
    ['track', 'c', props('id-c')],
  ];

  it('maps each named track and track_pageview call before a send to its host and time, per instance', () => {
    const sends = [
      ['mixpanel', 100, 3, 'https://h.example/track/?ip=1'],
      ['other', 150, 6, 'https://x.example/track/?ip=1'],
      ['mixpanel', 200, 6, 'https://h.example//track/?ip=1', 1],
    ];
    const sent = sentByStub(queue, sends, 'mixpanel');
    expect([...sent.entries()]).toEqual([
      [queue[0], ['https://h.example', 100, false]],
      [queue[2], ['https://h.example', 100, false]],
      [queue[5], ['https://h.example', 200, true]],
    ]);
  });

  it('knows no send from a queue without sends, or from sends of another shape', () => {
    expect(sentByStub(queue, undefined, 'mixpanel').size).toBe(0);
    expect(sentByStub(queue, [['mixpanel', '100', 3, 'u'], 'x', ['mixpanel', 100, 3]], 'mixpanel').size).toBe(0);
  });

  it('calls past the saved queue are ignored (the blob kept fewer calls than were sent)', () => {
    expect(sentByStub(queue.slice(0, 1), [['mixpanel', 100, 6, 'https://h.example/track/?ip=1']], 'mixpanel').size).toBe(1);
  });
});

describe('replayCalls with calls the stub sent', () => {
  it('runs the sent calls through _handedOff, the others as usual, in the usual order', () => {
    const log: unknown[][] = [];
    const instance: LibInstance = {
      track: (...args: unknown[]) => void log.push(['track', ...args]),
      identify: (...args: unknown[]) => void log.push(['identify', ...args]),
      _handedOff: (host: string, at: number, run: () => void, delivered?: boolean) => {
        log.push(['handed off', host, at, delivered]);
        run();
      },
    };
    const items = [
      ['track', 'a', props('id-a')],
      ['identify', 'u1'],
      ['track', 'b', props('id-b')],
    ];
    const sent = sentByStub(items, [['mixpanel', 100, 1, 'https://h.example/track/?ip=1']], 'mixpanel');
    replayCalls(instance, items, reporter, undefined, sent);
    expect(log).toEqual([
      ['identify', 'u1'],
      ['handed off', 'https://h.example', 100, false],
      ['track', 'a', props('id-a')],
      ['track', 'b', props('id-b')],
    ]);
  });

  it('an instance without _handedOff gets them as plain calls', () => {
    const log: unknown[][] = [];
    const instance: LibInstance = { track: (...args: unknown[]) => void log.push(args) };
    const items = [['track', 'a', props('id-a')]];
    replayCalls(instance, items, reporter, undefined, sentByStub(items, [['mixpanel', 1, 1, 'https://h/track/?ip=1']], 'mixpanel'));
    expect(log).toEqual([['a', props('id-a')]]);
  });
});
