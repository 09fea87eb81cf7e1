import { afterEach, describe, expect, it, vi } from 'vitest';
import { browserProperties } from '../../../src/client/environment';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0';

describe('browserProperties (parse reused between events)', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('follows a user agent that changes (a test harness or an extension may swap it)', () => {
    vi.stubGlobal('navigator', { userAgent: CHROME });
    expect(browserProperties()).toEqual({ $browser: 'Chrome', $browser_version: 120, $os: 'Linux' });
    vi.stubGlobal('navigator', { userAgent: FIREFOX });
    expect(browserProperties()).toEqual({ $browser: 'Firefox', $browser_version: 121, $os: 'Windows' });
  });

  it('gives each event its own object, so changing one event never changes the next', () => {
    vi.stubGlobal('navigator', { userAgent: CHROME });
    const first = browserProperties();
    first.$browser = 'changed';
    expect(browserProperties().$browser).toBe('Chrome');
  });
});
