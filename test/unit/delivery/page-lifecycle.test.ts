import { describe, expect, it } from 'vitest';
import { watchPageLifecycle, type LifecycleSteps } from '../../../src/delivery/page-lifecycle';
import { countListeners } from './fakes';

type Fired = { target: 'window' | 'document'; type: string; persisted?: boolean; visibility?: DocumentVisibilityState };

const pagehide = (persisted: boolean): Fired => ({ target: 'window', type: 'pagehide', persisted });
const pageshow: Fired = { target: 'window', type: 'pageshow', persisted: true };
const online: Fired = { target: 'window', type: 'online' };
const visibility = (state: DocumentVisibilityState): Fired => ({ target: 'document', type: 'visibilitychange', visibility: state });

/** Fake targets that count their listeners, and steps that log their calls. */
function rig(throwing: Array<keyof LifecycleSteps> = []) {
  const calls: string[] = [];
  const failures: string[] = [];
  const listeners = new Map<string, number>();
  const counted = <T extends EventTarget>(target: T, name: string): T => countListeners(target, name, listeners);
  const win = counted(new EventTarget(), 'window');
  const doc = counted(Object.assign(new EventTarget(), { visibilityState: 'visible' as DocumentVisibilityState }), 'document');
  const step =
    (name: keyof LifecycleSteps) =>
    (...args: unknown[]) => {
      calls.push(args.length ? `${name}(${args.join()})` : name);
      if (throwing.includes(name)) throw new Error(`${name} broke`);
    };
  const steps: LifecycleSteps = {
    stopSender: step('stopSender'),
    secureOutbox: step('secureOutbox'),
    beacon: step('beacon'),
    releaseSenderLock: step('releaseSenderLock'),
    abortStoreWork: step('abortStoreWork'),
    standForElection: step('standForElection'),
    resume: step('resume'),
    flush: step('flush'),
  };
  const stop = watchPageLifecycle(steps, (name) => failures.push(name), { window: win, document: doc });
  const fire = (events: Fired[]) => {
    for (const e of events) {
      if (e.visibility) doc.visibilityState = e.visibility;
      const event = Object.assign(new Event(e.type), e.persisted === undefined ? {} : { persisted: e.persisted });
      (e.target === 'window' ? win : doc).dispatchEvent(event);
    }
  };
  return { calls, failures, listeners, fire, stop };
}

// The unload sequence: stop sending, make the buffer durable (copying what is not to localStorage),
// beacon what no host acknowledged, hand the sender lock over; abort IndexedDB work last, and only
// when the page is frozen into the back/forward cache.
const HIDE = ['stopSender', 'secureOutbox(false)', 'beacon', 'releaseSenderLock'];
const HIDE_INTO_CACHE = ['stopSender', 'secureOutbox(true)', 'beacon', 'releaseSenderLock', 'abortStoreWork'];

describe('page lifecycle: the order of steps per event sequence', () => {
  it.each<[string, Fired[], string[]]>([
    ['pagehide (unload)', [pagehide(false)], HIDE],
    ['pagehide into the back/forward cache', [pagehide(true)], HIDE_INTO_CACHE],
    ['a tab switch: beacon only', [visibility('hidden')], ['beacon']],
    [
      'a tab switch, then the tab is closed: one beacon per hide',
      [visibility('hidden'), pagehide(false)],
      ['beacon', 'stopSender', 'secureOutbox(false)', 'releaseSenderLock'],
    ],
    [
      'hidden, visible, hidden again: a beacon each time',
      [visibility('hidden'), visibility('visible'), visibility('hidden')],
      ['beacon', 'beacon'],
    ],
    ['the first pageshow of a page: resume only', [{ ...pageshow, persisted: false }], ['resume']],
    [
      'into the cache and back: election again, then resume; the next hide beacons again',
      [pagehide(true), pageshow, pagehide(false)],
      [...HIDE_INTO_CACHE, 'standForElection', 'resume', ...HIDE],
    ],
    ['back online: flush', [online], ['flush']],
  ])('%s', (_name, events, expected) => {
    const { calls, fire, stop } = rig();
    fire(events);
    expect(calls).toEqual(expected);
    stop();
  });

  it('a step that throws is reported and does not stop the next ones', () => {
    const { calls, failures, fire } = rig(['secureOutbox', 'beacon']);
    fire([pagehide(true)]);
    expect(calls).toEqual(HIDE_INTO_CACHE);
    expect(failures).toEqual(['secureOutbox', 'beacon']);
  });

  it('is the one listener per event, and the function it returns removes every listener', () => {
    const { calls, listeners, fire, stop } = rig();
    expect(Object.fromEntries(listeners)).toEqual({
      'window:pagehide': 1,
      'window:pageshow': 1,
      'window:online': 1,
      'document:visibilitychange': 1,
    });
    stop();
    expect([...listeners.values()].every((n) => n === 0)).toBe(true);
    fire([visibility('hidden'), pagehide(true), pageshow, online]);
    expect(calls).toEqual([]);
  });
});
