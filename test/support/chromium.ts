// Launches Debian's Chromium for browser tests. We start the process ourselves and attach
// Playwright over CDP, so that we own the process and can SIGKILL it (a crash, a power cut)
// and start it again on the same profile to check what survived.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/chromium-flags.mjs';
import { killGroup, removeTempDir, spawnGroup, trackTempDir, waitForStderr } from './processes';

export { CHROMIUM_ARGS, CHROMIUM_PATH };

/** How long Chromium may take to print its DevTools address. */
const LAUNCH_TIMEOUT_MS = 30_000;

/** How long a graceful close may take before the process is killed. */
const CLOSE_TIMEOUT_MS = 5_000;

/** A running Chromium that this process owns. */
export interface ChromiumSession {
  browser: Browser;
  /** The profile's default context: its storage lives in `userDataDir` and survives a restart. */
  context: BrowserContext;
  userDataDir: string;
  /** Process id of the browser process (also its process group). */
  pid: number;
  /** Opens a tab in the persistent context. */
  newPage(): Promise<Page>;
  /** Closes Chromium as a user would (it flushes what it holds), and removes a temporary profile. */
  close(): Promise<void>;
  /** SIGKILLs the browser and all its child processes at once, as a crash would; the profile is kept. */
  kill(): Promise<void>;
}

export interface LaunchOptions {
  /** Profile folder; reuse one to restart "the same browser". Default: a temporary one, removed on close. */
  userDataDir?: string;
  /** Only headless is supported on the test machines. */
  headless?: true;
  /** Extra command-line flags. */
  args?: string[];
}

/**
 * Starts Chromium on a profile and connects Playwright to it.
 * Use `kill()` then `launchChromium({ userDataDir })` again to test a crash and restart.
 */
export async function launchChromium(opts: LaunchOptions = {}): Promise<ChromiumSession> {
  const userDataDir = opts.userDataDir ?? (await mkdtemp(join(tmpdir(), 'outlast-chromium-')));
  if (!opts.userDataDir) trackTempDir(userDataDir);
  const { child, pid, exited } = spawnGroup(
    CHROMIUM_PATH,
    ['--headless', ...CHROMIUM_ARGS, ...(opts.args ?? []), '--remote-debugging-port=0', `--user-data-dir=${userDataDir}`, 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let browser: Browser;
  let context: BrowserContext;
  try {
    const wsUrl = await waitForStderr(child, /DevTools listening on (ws:\/\/\S+)/, 'Chromium', LAUNCH_TIMEOUT_MS);
    browser = await chromium.connectOverCDP(wsUrl);
    const first = browser.contexts()[0];
    if (!first) throw new Error('Chromium started without a default context');
    context = first;
  } catch (e) {
    if (pid) killGroup(pid);
    await exited;
    await removeTempDir(userDataDir);
    throw e;
  }

  let ended = false;
  const session: ChromiumSession = {
    browser,
    context,
    userDataDir,
    pid,
    newPage: () => context.newPage(),
    async close() {
      if (ended) return;
      try {
        const cdp = await browser.newBrowserCDPSession();
        await cdp.send('Browser.close').catch(() => {});
      } catch {
        // Already disconnected: the kill below still ends it.
      }
      const timer = setTimeout(() => killGroup(pid), CLOSE_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
      await browser.close().catch(() => {});
      ended = true;
      await removeTempDir(userDataDir);
    },
    async kill() {
      if (ended) return;
      killGroup(pid);
      await exited;
      await browser.close().catch(() => {});
      // The profile is kept, even a temporary one: the point is to start again on it.
      ended = true;
    },
  };
  return session;
}
