// Chromium through the driver layer: the Playwright page of `launchChromium`, seen as a `Tab`.
import type { Page } from 'playwright-core';
import { launchChromium, type ChromiumSession } from '../chromium';
import type { EngineBrowser, EngineLaunchOptions, Tab } from './types';

/** The Playwright page behind each Chromium tab. */
const pages = new WeakMap<Tab, Page>();

/**
 * The Playwright page behind a Chromium tab, for the few Chromium-only files that need a step the
 * driver layer has no counterpart for on other engines (each says which in its header).
 */
export function playwrightPage(tab: Tab): Page {
  const page = pages.get(tab);
  if (!page) throw new Error('this tab is not a Chromium tab of the driver layer');
  return page;
}

/** A Playwright page as a `Tab`. */
export function playwrightTab(page: Page): Tab {
  const logs: string[] = [];
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    logs.push(`${new Date().toISOString().slice(11, 23)} ${m.text()}`);
    // The browser's own request for a favicon (the test site has none) is not the page's doing.
    const url = m.location().url;
    if (m.type() === 'error' && !url.endsWith('/favicon.ico')) consoleErrors.push(`${m.text()} (${url})`);
  });
  page.on('pageerror', (e) => {
    pageErrors.push(e.message);
    logs.push(`PAGEERROR ${e.message}`);
  });
  const tab: Tab = {
    logs,
    pageErrors,
    consoleErrors,
    goto: async (url) => {
      // A page that navigates on from its own `load` handler can beat Playwright's wait for that
      // `load`, which then fails as interrupted: the page did load, and went on by itself.
      await page.goto(url).catch((e: Error) => {
        if (!/interrupted by another navigation/.test(e.message)) throw e;
      });
    },
    evaluate: (fn, arg) => page.evaluate(fn as never, arg) as never,
    url: async () => page.url(),
    waitForURL: (url, timeoutMs = 30_000) => page.waitForURL(url, { timeout: timeoutMs }),
    cookies: async () => (await page.context().cookies(page.url())).map((c) => ({ name: c.name, value: c.value, sameSite: c.sameSite })),
    close: () => page.close(),
  };
  pages.set(tab, page);
  return tab;
}

function wrap(session: ChromiumSession, args: string[]): EngineBrowser {
  const workerLogs: string[] = [];
  session.context.on('console', (m) => {
    if (m.worker()) workerLogs.push(`${new Date().toISOString().slice(11, 23)} ${m.text()}`);
  });
  return {
    workerLogs,
    name: 'chromium',
    version: `Chromium ${session.browser.version()}`,
    pid: session.pid,
    newTab: async () => playwrightTab(await session.newPage()),
    setOffline: (offline) => session.context.setOffline(offline),
    persistentProfile: true,
    kill: () => session.kill(),
    restart: async () => wrap(await launchChromium({ userDataDir: session.userDataDir, args }), args),
    close: () => session.close(),
  };
}

/** Starts Debian's Chromium (headless, own process group) on a profile. */
export async function launchChromiumEngine(opts: EngineLaunchOptions & { args?: string[] } = {}): Promise<EngineBrowser> {
  const args = opts.args ?? [];
  return wrap(await launchChromium({ userDataDir: opts.profileDir, args }), args);
}

/**
 * Kills the renderer of a Chromium tab, as an out-of-memory kill or a discarded mobile tab
 * would: the page gets no `pagehide`, `visibilitychange` or `unload`, and its document is
 * destroyed (CDP `Page.crash`). The tab stays open on its crash page.
 */
export async function crashTab(tab: Tab): Promise<void> {
  const page = playwrightPage(tab);
  const cdp = await page.context().newCDPSession(page);
  const crashed = new Promise<void>((resolve) => page.once('crash', () => resolve()));
  // The renderer dies before it can answer, so the command itself never resolves.
  void cdp.send('Page.crash').catch(() => undefined);
  await crashed;
}
