import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../src/config';
import { cookieJar, removeBrowser, setup } from './fake-browser';

afterEach(removeBrowser);

describe('config', () => {
  it('an api_host that is not an http(s) URL is reported and the default kept', () => {
    const { lib, reports, on_error, pipes } = setup();
    lib.init('tok', { on_error, api_host: ['https://proxy.example.com', 'ftp://nope'] });
    expect(lib.get_config('api_host')).toEqual(DEFAULT_CONFIG.api_host);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ code: 'invalid_config' });
    expect(reports[0]!.message).toMatch(
      /^api_host must be an http\(s\) URL, a \/path or a \/\/host, or a list of them, got .*ftp:\/\/nope.*; ignored$/,
    );
    expect(pipes.created[0]!.config().api_host).toEqual(DEFAULT_CONFIG.api_host);
  });

  it('accepts a string or an ordered list of hosts', () => {
    const { lib, pipes } = setup();
    lib.init('tok', { api_host: 'https://eu.mixpanel.com' });
    expect(pipes.created[0]!.config().api_host).toBe('https://eu.mixpanel.com');
    lib.set_config({ api_host: ['https://a.example', 'http://localhost:8080/mp'] });
    expect(pipes.created[0]!.config().api_host).toEqual(['https://a.example', 'http://localhost:8080/mp']);
  });

  it('refuses numbers that are not finite and positive, and wrong types', () => {
    const { lib, reports, on_error } = setup();
    lib.init('tok', {
      on_error,
      batch_size: -1,
      batch_flush_interval_ms: Infinity,
      retry_backoff_base_ms: NaN,
      debug: 'yes' as unknown as boolean,
      persistence: 'indexeddb' as 'cookie',
    });
    expect(reports.map((r) => r.message.split(' must be ')[0])).toEqual([
      'batch_size',
      'batch_flush_interval_ms',
      'retry_backoff_base_ms',
      'debug',
      'persistence',
    ]);
    expect(lib.get_config('batch_size')).toBe(DEFAULT_CONFIG.batch_size);
    expect(lib.get_config('persistence')).toBe('cookie');
    expect(reports[0]!.message).toBe('batch_size must be a number above 0, got -1; ignored');
    expect(reports[3]!.message).toBe('debug must be true or false, got "yes"; ignored');
    expect(reports[4]!.message).toBe('persistence must be one of "cookie", "localStorage", got "indexeddb"; the cookie is used');
  });

  // mixpanel-browser 2.83's MixpanelPersistence compares persistence with ===: 'localstorage' falls back to the cookie
  it('keeps unknown (mixpanel-browser) options; persistence spelled otherwise is reported and the cookie used', () => {
    const { lib, reports, on_error } = setup();
    lib.init('tok', { on_error, autotrack: true, persistence: 'localstorage' as 'localStorage' });
    expect(lib.get_config('autotrack')).toBe(true);
    expect(lib.get_config('persistence')).toBe('cookie');
    expect(reports.map((r) => r.message)).toEqual([
      'persistence must be one of "cookie", "localStorage", got "localstorage"; the cookie is used',
    ]);
    expect(lib.get_config('token')).toBe('tok');
  });

  it('set_config changes what the pipeline reads', () => {
    const { lib, pipes, reports, on_error } = setup();
    lib.init('tok');
    const read = pipes.created[0]!.config;
    lib.set_config({ batch_size: 10, on_error });
    expect(read().batch_size).toBe(10);
    lib.set_config({ batch_size: 0 });
    expect(read().batch_size).toBe(10);
    expect(reports).toHaveLength(1);
  });

  // mixpanel-browser concatenates api_host + '/' + route, so a path or a //host resolves against the page
  it('accepts a relative (/mp) and a protocol-relative (//t.example.com) api_host', () => {
    const { lib, reports, on_error, pipes } = setup();
    lib.init('tok', { on_error, api_host: ['/mp/', '//t.example.com', 'https://api-js.mixpanel.com'] });
    expect(reports).toHaveLength(0);
    expect(pipes.created[0]!.config().api_host).toEqual(['/mp/', '//t.example.com', 'https://api-js.mixpanel.com']);
    lib.set_config({ api_host: 'mp' });
    expect(reports).toHaveLength(1);
  });

  it('accepts every mixpanel-browser option; says once in debug mode which ones do nothing', () => {
    const { lib, reports, on_error } = setup();
    const debug: unknown[][] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => void debug.push(a);
    try {
      lib.init('tok', {
        on_error,
        debug: true,
        record_sessions_percent: 10,
        autocapture: true,
        flags: true,
        ip: false,
        xhr_headers: { 'X-A': 'b' },
        api_extra_query_params: { env: 3 },
        opt_out_tracking_cookie_prefix: 'consent_',
        opt_out_tracking_persistence_type: 'cookie',
        cross_site_cookie: true,
      } as never);
      lib.set_config({ autocapture: false } as never);
    } finally {
      console.log = log;
    }
    expect(reports).toHaveLength(0);
    const said = debug.map((a) => a.join(' ')).filter((m) => /is not part of Outlast; ignored/.test(m));
    expect(said).toHaveLength(3);
    expect(said.join('\n')).toMatch(/record_sessions_percent[\s\S]*autocapture[\s\S]*flags/);
    expect(lib.get_config('api_extra_query_params')).toEqual({ env: '3' });
    expect(lib.get_config('ip')).toBe(false);
  });

  it('api_routes merge with the defaults', () => {
    const { lib } = setup();
    lib.init('tok', { api_routes: { track: 'collect/' } as never });
    expect(lib.get_config('api_routes')).toEqual({ ...DEFAULT_CONFIG.api_routes, track: 'collect/' });
  });
});

describe('persistence', () => {
  it('persistence: "cookie" writes one cookie with SameSite=Lax, Secure and the site-wide domain', () => {
    const cookies = cookieJar();
    const { lib, env } = setup({ cookies, url: 'https://shop.example.co.uk/' });
    lib.init('tok', { persistence: 'cookie', secure_cookie: true });
    lib.register({ plan: 'pro' });
    expect(env!.storage.map.size).toBe(0);
    const line = cookies.writes.at(-1)!;
    expect(line).toMatch(/^mp_tok_mixpanel=/);
    expect(line).toContain('SameSite=Lax');
    expect(line).toContain('; Secure');
    expect(line).toContain('domain=.example.co.uk');
    expect(JSON.parse(decodeURIComponent(cookies.values.get('mp_tok_mixpanel')!))).toMatchObject({ plan: 'pro' });
  });

  it('cookies are Secure on https even without secure_cookie, and only with it on http', () => {
    const https = cookieJar();
    setup({ cookies: https, url: 'https://shop.example.com/' }).lib.init('tok', { persistence: 'cookie' });
    expect(https.writes.at(-1)).toContain('; Secure');
    removeBrowser();
    const http = cookieJar();
    setup({ cookies: http, url: 'http://shop.example.com/' }).lib.init('tok', { persistence: 'cookie' });
    expect(http.writes.at(-1)).not.toContain('; Secure');
  });

  it('a refused cookie domain is retried without one; cookie_domain wins', () => {
    const cookies = cookieJar({ refuseDomain: '.example.com' });
    const { lib } = setup({ cookies, url: 'https://app.example.com/' });
    lib.init('tok', { persistence: 'cookie' });
    expect(cookies.values.has('mp_tok_mixpanel')).toBe(true);
    lib.init('tok2', { persistence: 'cookie', cookie_domain: '.shop.example.com', cross_subdomain_cookie: false }, 'two');
    expect(cookies.writes.some((w) => w.startsWith('mp_tok2_mixpanel=') && w.includes('domain=.shop.example.com'))).toBe(true);
  });

  it('falls back to a cookie when localStorage throws', () => {
    const cookies = cookieJar();
    const { lib } = setup({ localStorage: 'throws', cookies });
    lib.init('tok');
    expect(cookies.values.has('mp_tok_mixpanel')).toBe(true);
  });

  it('disable_persistence writes nothing', () => {
    const cookies = cookieJar();
    const { lib, env } = setup({ cookies });
    lib.init('tok', { disable_persistence: true });
    lib.register({ a: 1 });
    lib.identify('u');
    expect(env!.storage.map.size).toBe(0);
    expect(cookies.values.size).toBe(0);
    expect(lib.get_distinct_id()).toBe('u');
  });

  it('persistence_name renames the stored value', () => {
    const { lib, env } = setup();
    lib.init('tok', { persistence_name: 'custom', persistence: 'localStorage' });
    expect([...env!.storage.map.keys()]).toEqual(['mp_custom']);
  });

  it('a write the browser refuses is reported once', () => {
    const { lib, env, reports, on_error } = setup();
    const set = env!.storage.setItem;
    // the availability probe passes; the real value does not fit
    env!.storage.setItem = (k, v) => {
      if (k.startsWith('mp_')) throw new DOMException('full', 'QuotaExceededError');
      set(k, v);
    };
    lib.init('tok', { on_error, persistence: 'localStorage' });
    lib.register({ a: 1 });
    lib.register({ b: 2 });
    expect(reports.filter((r) => r.code === 'storage')).toHaveLength(1);
  });
});
