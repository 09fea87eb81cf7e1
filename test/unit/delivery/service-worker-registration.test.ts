// The page's side of the opt-in service worker: registered with its own URL as scope, told the
// token's options, asked to drain (a message at once, and a Background Sync where there is one), told to
// forget the token on opt-out and when a page no longer configures it; and a site that never
// used it pays one localStorage read, never a call to the browser's service worker registry.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { linkServiceWorker } from '../../../src/delivery/service-worker-registration';
import { linkServiceWorker as linkAbsentWorker } from '../../../src/delivery/service-worker-absent';
import { testConfig } from '../shared/test-config';
import { recordingReporter } from '../shared/recording-reporter';
import { MemoryStorage } from '../outbox/helpers';

const flush = () => new Promise((r) => setTimeout(r, 0));

function browser(opts: { sync?: boolean; scope?: string; refuse?: boolean } = {}) {
  const posted: unknown[] = [];
  const syncs: string[] = [];
  const worker = { postMessage: (m: unknown) => void posted.push(m) };
  const registration = {
    scope: opts.scope ?? 'https://site.test/outlast-sw.js',
    active: worker,
    ...(opts.sync ? { sync: { register: async (tag: string) => void syncs.push(tag) } } : {}),
  };
  const container = {
    register: vi.fn(async () => {
      if (opts.refuse) throw new Error('SecurityError: refused');
      return registration;
    }),
    getRegistration: vi.fn(async () => registration),
  };
  const storage = new MemoryStorage();
  vi.stubGlobal('navigator', { serviceWorker: container });
  vi.stubGlobal('localStorage', storage);
  vi.stubGlobal('location', { href: 'https://site.test/page.html' });
  return { posted, syncs, container, storage };
}

afterEach(() => vi.unstubAllGlobals());

describe('service worker registration', () => {
  it('registers the worker with its own URL as scope and tells it the options, without functions', async () => {
    const b = browser();
    const cfg = testConfig({ service_worker: '/outlast-sw.js', on_error: () => undefined });
    const link = linkServiceWorker('tok', () => cfg, recordingReporter());
    expect(link).not.toBeNull();
    await flush();
    expect(b.container.register).toHaveBeenCalledWith('/outlast-sw.js', { scope: '/outlast-sw.js' });
    expect(b.posted).toHaveLength(1);
    const message = b.posted[0] as { outlast: string; config: Record<string, unknown> };
    expect(message.outlast).toBe('tok');
    expect(message.config.api_host).toEqual(cfg.api_host);
    expect(message.config.on_error).toBeUndefined();
    expect(b.storage.getItem('mp_sw_tok')).toBe('/outlast-sw.js');
  });

  it('on hide: a message to drain at once, and a Background Sync per token where there is one', async () => {
    const withSync = browser({ sync: true });
    const link = linkServiceWorker('tok', () => testConfig({ service_worker: '/outlast-sw.js' }), recordingReporter())!;
    await flush();
    link.hidden();
    await flush();
    expect(withSync.syncs).toEqual(['outlast-tok']);
    // not the sync alone: the browser refuses it when the closing page's window is gone first
    expect(withSync.posted.at(-1)).toMatchObject({ outlast: 'tok', drain: true });

    const without = browser();
    const plain = linkServiceWorker('tok', () => testConfig({ service_worker: '/outlast-sw.js' }), recordingReporter())!;
    await flush();
    plain.hidden();
    expect(without.posted.at(-1)).toMatchObject({ outlast: 'tok', drain: true });
    plain.forget();
    expect(without.posted.at(-1)).toEqual({ outlast: 'tok', config: expect.any(Object), forget: true });
  });

  it('a site that never configured it: no call to the service worker registry, nothing posted', async () => {
    const b = browser();
    expect(linkServiceWorker('tok', () => testConfig(), recordingReporter())).toBeNull();
    await flush();
    expect(b.container.register).not.toHaveBeenCalled();
    expect(b.container.getRegistration).not.toHaveBeenCalled();
    expect(b.posted).toEqual([]);
  });

  it('a page without the option tells the worker an earlier page registered to forget the token', async () => {
    const b = browser();
    b.storage.setItem('mp_sw_tok', '/outlast-sw.js');
    expect(linkServiceWorker('tok', () => testConfig(), recordingReporter())).toBeNull();
    await flush();
    expect(b.container.getRegistration).toHaveBeenCalledWith('/outlast-sw.js');
    expect(b.posted).toMatchObject([{ outlast: 'tok', forget: true }]);
    expect(b.storage.getItem('mp_sw_tok')).toBeNull();
  });

  it("never messages a worker of the site's own at another scope", async () => {
    const b = browser({ scope: 'https://site.test/' });
    b.storage.setItem('mp_sw_tok', '/outlast-sw.js');
    linkServiceWorker('tok', () => testConfig(), recordingReporter());
    await flush();
    expect(b.posted).toEqual([]);
  });

  it('a refused registration is reported, never thrown; no service workers at all changes nothing', async () => {
    browser({ refuse: true });
    const reporter = recordingReporter();
    const link = linkServiceWorker('tok', () => testConfig({ service_worker: '/outlast-sw.js' }), reporter)!;
    await flush();
    expect(reporter.reports).toMatchObject([{ code: 'delivery', message: expect.stringContaining('refused') }]);
    expect(() => link.hidden()).not.toThrow();

    vi.stubGlobal('navigator', {});
    expect(linkServiceWorker('tok', () => testConfig({ service_worker: '/outlast-sw.js' }), reporter)).toBeNull();
  });
});

// The plain builds link no worker (rollup.config.mjs puts service-worker-absent.ts in place of the registration).
describe('the plain builds: no service worker link', () => {
  it('a site that names a worker is told once which builds have it; nothing is registered', async () => {
    const b = browser();
    const reporter = recordingReporter();
    expect(linkAbsentWorker('tok', () => testConfig({ service_worker: '/outlast-sw.js' }), reporter)).toBeNull();
    await flush();
    expect(reporter.reports).toMatchObject([
      { code: 'invalid_config', message: expect.stringMatching(/outlast-with-sw\.min\.js.*outlast\/with-service-worker/) },
    ]);
    expect(b.container.register).not.toHaveBeenCalled();
  });

  it('a site that does not: nothing said, nothing registered', () => {
    const b = browser();
    const reporter = recordingReporter();
    expect(linkAbsentWorker('tok', () => testConfig(), reporter)).toBeNull();
    expect(reporter.reports).toEqual([]);
    expect(b.container.register).not.toHaveBeenCalled();
  });
});
