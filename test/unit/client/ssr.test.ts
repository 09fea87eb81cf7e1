// Under Node (server-side rendering) importing the npm entry touches no browser
// global, and every method is a harmless no-op.
import { afterAll, describe, expect, it } from 'vitest';

const BROWSER_GLOBALS = [
  'window',
  'document',
  'navigator',
  'location',
  'localStorage',
  'sessionStorage',
  'screen',
  'indexedDB',
  'BroadcastChannel',
];
const touched: string[] = [];
const saved = new Map<string, PropertyDescriptor | undefined>();
for (const name of BROWSER_GLOBALS) {
  saved.set(name, Object.getOwnPropertyDescriptor(globalThis, name));
  Object.defineProperty(globalThis, name, {
    configurable: true,
    get() {
      touched.push(name);
      return undefined;
    },
  });
}

afterAll(() => {
  for (const [name, d] of saved) {
    if (d) Object.defineProperty(globalThis, name, d);
    else delete (globalThis as Record<string, unknown>)[name];
  }
});

describe('SSR', () => {
  it('importing src/index.ts touches no browser global', async () => {
    const mod = await import('../../../src/index');
    expect(touched).toEqual([]);
    expect(typeof mod.default.track).toBe('function');
  });

  it('every method, before and after init, neither throws nor queues', async () => {
    const { default: mixpanel } = await import('../../../src/index');
    const callAll = async () => {
      mixpanel.track('x', { a: 1 }, () => {});
      mixpanel.track_pageview();
      mixpanel.register({ a: 1 });
      mixpanel.register_once({ b: 1 });
      mixpanel.unregister('a');
      mixpanel.get_property('a');
      mixpanel.identify('u');
      mixpanel.alias('al');
      mixpanel.get_distinct_id();
      mixpanel.time_event('x');
      mixpanel.set_config({ debug: false });
      mixpanel.get_config('api_host');
      mixpanel.has_opted_out_tracking();
      mixpanel.has_opted_in_tracking();
      mixpanel.opt_in_tracking();
      mixpanel.opt_out_tracking();
      mixpanel.push(['track', 'y']);
      mixpanel.push(() => {});
      for (const fn of Object.values(mixpanel.people)) (fn as (...a: unknown[]) => void)('p', 1);
      await mixpanel.get_delivery_state();
      await mixpanel.flush();
      await mixpanel._settle();
      mixpanel.reset();
    };
    await callAll();
    const inst = mixpanel.init('tok', { api_host: 'https://api.example.com' });
    expect(inst).toBe(mixpanel);
    await callAll();
    expect(mixpanel.get_distinct_id()).toMatch(/^\$device:/);
    await expect(mixpanel.get_delivery_state()).resolves.toMatchObject({ queued: 0, is_sender: false });
    expect(mixpanel.init('t2', {}, 'named')).toBeDefined();
  });
});
