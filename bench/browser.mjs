// Starts Debian's Chromium for the bench and attaches Playwright over CDP. We own the process,
// so a measure can SIGKILL it (a crash) and start it again on the same profile.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../scripts/chromium-flags.mjs';

export { CHROMIUM_PATH };

/**
 * Headless flags that work as root, without background traffic; precise memory info so that
 * `performance.memory` is not rounded, and no throttling of a tab Playwright does not focus.
 */
const ARGS = [
  '--headless',
  ...CHROMIUM_ARGS,
  '--enable-precise-memory-info',
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
];

const live = new Set();
process.once('exit', () => live.forEach((pid) => killGroup(pid)));

/** A running Chromium on `userDataDir` (a fresh temporary profile by default). */
export async function launch(userDataDir) {
  const temp = !userDataDir;
  const dir = userDataDir ?? mkdtempSync(join(tmpdir(), 'outlast-bench-'));
  const child = spawn(CHROMIUM_PATH, [...ARGS, '--remote-debugging-port=0', `--user-data-dir=${dir}`, 'about:blank'], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  live.add(child.pid);
  const exited = new Promise((r) =>
    child.once('exit', () => {
      live.delete(child.pid);
      r();
    }),
  );
  const ws = await new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error('Chromium did not start:\n' + text)), 30_000);
    child.stderr.on('data', (c) => {
      text += c;
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
      if (text.length > 65536) text = text.slice(-4096);
    });
    child.once('exit', (code) => reject(new Error(`Chromium exited (${code}):\n${text}`)));
  });
  const browser = await chromium.connectOverCDP(ws);
  const context = browser.contexts()[0];
  let ended = false;
  const end = async (graceful) => {
    if (ended) return;
    ended = true;
    if (graceful) {
      const cdp = await browser.newBrowserCDPSession().catch(() => null);
      await cdp?.send('Browser.close').catch(() => {});
      const t = setTimeout(() => killGroup(child.pid), 5000);
      await exited;
      clearTimeout(t);
    } else {
      killGroup(child.pid);
      await exited;
    }
    await browser.close().catch(() => {});
  };
  return {
    browser,
    context,
    userDataDir: dir,
    /** A page in a fresh, empty browser context (its own storage), or in the profile's own context. */
    async newPage(persistent = false) {
      const ctx = persistent ? context : await browser.newContext();
      return ctx.newPage();
    },
    version: () => browser.version(),
    /** SIGKILL, as a crash; the profile is kept. */
    kill: () => end(false),
    async close() {
      await end(true);
      if (temp) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Closes a page opened by `newPage()` together with its context; a page already gone is fine. */
export const closePage = (page) =>
  page
    .context()
    .close()
    .catch(() => {});

/** What a measure that threw reports instead of figures: the first line of its error. */
export const failure = (e) => ({ failed: String(e.message || e).split('\n')[0] });
