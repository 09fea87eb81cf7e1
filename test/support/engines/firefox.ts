// Firefox through the driver layer: Debian's Firefox ESR, driven by puppeteer-core over
// WebDriver BiDi. We start the process ourselves and only connect puppeteer to it, as the
// Chromium driver does, because `puppeteer.launch` would own the profile: it rewrites user.js,
// keeps backups of prefs.js and puts them back when Firefox exits, which undoes what the
// browser wrote there. Owning the process also lets `kill()` SIGKILL its whole process group.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type ConsoleMessage, type Page } from 'puppeteer-core';
import { killGroup, removeTempDir, spawnGroup, trackTempDir, waitForStderr, waitGroupsGone } from '../processes';
import { sleep } from '../wait';
import type { EngineBrowser, EngineLaunchOptions, Tab } from './types';

/** Set FIREFOX_PATH to use another build. */
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/**
 * How long Firefox may take to become drivable. Its WebDriver BiDi server only opens a session
 * once the browser's idle startup tasks have run, which on a busy machine takes seconds.
 */
const LAUNCH_TIMEOUT_MS = 60_000;

/** How long a graceful close may take before the process group is killed. */
const CLOSE_TIMEOUT_MS = 5_000;

/** How long the processes of a killed group may take to disappear. */
const REAP_TIMEOUT_MS = 5_000;

/**
 * Preferences written to the profile's user.js, which Firefox applies at every start (so they
 * hold from the first moment, before the remote agent applies its own). The machine has no
 * outside network: every service that would phone home is switched off, so that Firefox does
 * not spend time and CPU on connections that can only fail, and so that nothing but the page
 * under test talks to the local servers.
 */
const PREFS: Record<string, string | number | boolean> = {
  // Updates of the browser, add-ons, plugins, search engines and the region lookup.
  'app.update.disabledForTesting': true,
  'app.update.auto': false,
  'app.update.checkInstallTime': false,
  'extensions.update.enabled': false,
  'extensions.systemAddon.update.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'extensions.blocklist.enabled': false,
  'media.gmp-manager.updateEnabled': false,
  'browser.search.update': false,
  'browser.region.network.url': '',
  'browser.region.update.enabled': false,
  // Studies, experiments and remote settings (Normandy, Nimbus and their shared server).
  'app.normandy.enabled': false,
  'app.normandy.api_url': '',
  'app.shield.optoutstudies.enabled': false,
  'nimbus.rollouts.enabled': false,
  // Release builds ignore this override unless MOZ_REMOTE_SETTINGS_DEVTOOLS is set (see the
  // spawn below); this exact dummy value also makes Firefox skip remote-settings syncs.
  'services.settings.server': 'data:,#remote-settings-dummy/v1',
  'security.remote_settings.intermediates.enabled': false,
  'security.remote_settings.crlite_filters.enabled': false,
  // Telemetry and data reporting.
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.unified': false,
  'toolkit.telemetry.archive.enabled': false,
  'toolkit.telemetry.server': 'data:,',
  'datareporting.healthreport.uploadEnabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'datareporting.policy.dataSubmissionPolicyBypassNotification': true,
  'datareporting.usage.uploadEnabled': false,
  // Connectivity probes.
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.sntp.pools': '',
  'geo.provider.network.url': '',
  'dom.push.connection.enabled': false,
  'security.OCSP.enabled': 0,
  // Safe browsing list downloads and lookups.
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.safebrowsing.downloads.remote.enabled': false,
  'browser.safebrowsing.blockedURIs.enabled': false,
  'browser.safebrowsing.update.enabled': false,
  // New-tab content, sponsored tiles, on-device ML and translation models.
  'browser.newtabpage.enabled': false,
  'browser.newtabpage.activity-stream.feeds.system.topstories': false,
  'browser.topsites.contile.enabled': false,
  'browser.ml.enable': false,
  'browser.translations.enable': false,
  'browser.backup.enabled': false,
  // Guesses that open connections the page did not ask for (they would show up in request counts).
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
  'network.http.speculative-parallel-limit': 0,
  'browser.urlbar.speculativeConnect.enabled': false,
  'network.trr.mode': 5,
  // A quiet start on a blank page, with no first-run or what's-new pages.
  'browser.startup.page': 0,
  'browser.startup.homepage': 'about:blank',
  'startup.homepage_welcome_url': 'about:blank',
  'startup.homepage_welcome_url.additional': '',
  'browser.startup.homepage_override.mstone': 'ignore',
  'browser.aboutwelcome.enabled': false,
  'datareporting.policy.firstRunURL': '',
  'termsofuse.bypassNotification': true,
  'browser.shell.checkDefaultBrowser': false,
  'browser.warnOnQuit': false,
  'browser.tabs.warnOnClose': false,
  // After a kill, start as a user would after a crash but without the prompts: no restored
  // tabs (the scenario opens its own) and no offer of safe mode after repeated "crashes".
  'browser.sessionstore.resume_from_crash': false,
  'toolkit.startup.max_resumed_crashes': -1,
  // 127.0.0.1 and 127.0.0.2 are two plain-http sites on loopback: connect directly (the
  // system proxy settings could send them elsewhere), never upgrade to https, and let one
  // loopback origin send beacons and keepalive fetches to another.
  'network.proxy.type': 0,
  'network.proxy.allow_hijacking_localhost': false,
  'dom.security.https_only_mode': false,
  'dom.security.https_only_mode_ever_enabled': false,
  'dom.security.https_only_mode_pbm': false,
  'dom.security.https_first': false,
  'dom.security.https_first_pbm': false,
  'dom.security.https_first_schemeless': false,
  'network.lna.enabled': false,
  'network.lna.blocking': false,
  'privacy.trackingprotection.enabled': false,
  'beacon.enabled': true,
  // A spare content process started in advance only costs CPU on a 2-core machine.
  'dom.ipc.processPrelaunch.enabled': false,
};

const PREFS_BEGIN = '// outlast test driver: begin';
const PREFS_END = '// outlast test driver: end';

let versionPromise: Promise<string> | undefined;

/**
 * `Firefox 153.7.0esr`. BiDi reports only `153.7.0`; `--version` has the channel suffix and
 * costs a fraction of a second, run once per process next to the first launch.
 */
function firefoxVersion(): Promise<string> {
  versionPromise ??= new Promise((resolve) => {
    execFile(FIREFOX_PATH, ['--version'], { timeout: 10_000 }, (error, stdout) => {
      const match = /Firefox\s+(\S+)/.exec(String(stdout));
      resolve(!error && match ? `Firefox ${match[1]}` : 'Firefox (unknown version)');
    });
  });
  return versionPromise;
}

/** Writes our preferences into the profile's user.js, keeping any lines that are not ours. */
async function writePrefs(profileDir: string): Promise<void> {
  const path = join(profileDir, 'user.js');
  const existing = await readFile(path, 'utf8').catch(() => '');
  const begin = existing.indexOf(PREFS_BEGIN);
  const end = existing.indexOf(PREFS_END);
  const others = begin >= 0 && end > begin ? existing.slice(0, begin) + existing.slice(end + PREFS_END.length + 1) : existing;
  const ours = Object.entries(PREFS).map(([name, value]) => `user_pref(${JSON.stringify(name)}, ${JSON.stringify(value)});`);
  // Ours come last, so they win over an earlier line for the same preference.
  const text = `${others.trimEnd()}${others.trim() ? '\n' : ''}${PREFS_BEGIN}\n${ours.join('\n')}\n${PREFS_END}\n`;
  if (text !== existing) await writeFile(path, text);
}

/** A running Firefox that this process owns. */
interface FirefoxSession {
  browser: Browser;
  pid: number;
  profileDir: string;
  version: string;
  /** Resolves once the main process has exited. */
  exited: Promise<void>;
}

/** Starts Firefox on a profile and connects puppeteer to it over WebDriver BiDi. */
async function startFirefox(profileDir: string): Promise<FirefoxSession> {
  await mkdir(profileDir, { recursive: true });
  await writePrefs(profileDir);
  const version = firefoxVersion();
  // its own process group, so one signal reaches the content, socket and utility processes too
  const { child, pid, exited } = spawnGroup(
    FIREFOX_PATH,
    ['--headless', '--no-remote', '--profile', profileDir, '--remote-debugging-port=0', 'about:blank'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      // A crash reporter would only hold on to a killed browser's minidumps. Without the
      // remote-settings variable, a release build ignores the server preference above and keeps
      // asking Mozilla's servers for block lists, experiments and the like.
      env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: '1', MOZ_REMOTE_SETTINGS_DEVTOOLS: '1' },
    },
  );
  try {
    const deadline = Date.now() + LAUNCH_TIMEOUT_MS;
    const endpoint = await waitForStderr(child, /WebDriver BiDi listening on (ws:\/\/\S+)/, 'Firefox', LAUNCH_TIMEOUT_MS);
    const connecting = puppeteer.connect({
      browserWSEndpoint: `${endpoint}/session`,
      protocol: 'webDriverBiDi',
      // Keep the window's own size rather than resizing every new tab.
      defaultViewport: null,
      // The driver never reads requests or responses, and subscribing to them makes Firefox
      // keep a copy of every body.
      networkEnabled: false,
    });
    let timer: NodeJS.Timeout | undefined;
    const browser = await Promise.race([
      connecting,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Firefox opened no WebDriver BiDi session within ${LAUNCH_TIMEOUT_MS} ms`)),
          Math.max(0, deadline - Date.now()),
        );
      }),
    ]).finally(() => clearTimeout(timer));
    return { browser, pid, profileDir, version: await version, exited };
  } catch (e) {
    if (pid) killGroup(pid);
    await exited;
    await waitGroupsGone([pid], REAP_TIMEOUT_MS);
    throw e;
  }
}

/** A value as WebDriver BiDi serializes it (the part this file reads). */
interface RemoteValue {
  type: string;
  value?: unknown;
}

/**
 * A console line with its objects written out. Puppeteer's own text shows an object only as
 * `JSHandle@object`, though Firefox sends its contents along; a failing test's log is more
 * useful with them. Falls back to puppeteer's text if the handles ever look different.
 */
function consoleText(message: ConsoleMessage): string {
  const values = message.args().map((arg) => (arg as unknown as { remoteValue?: () => RemoteValue }).remoteValue?.());
  if (values.some((v) => !v)) return message.text();
  return (values as RemoteValue[]).map((v) => (v.type === 'string' ? String(v.value) : formatRemote(v))).join(' ');
}

function formatRemote(v: RemoteValue, depth = 0): string {
  switch (v.type) {
    case 'string':
      return JSON.stringify(v.value);
    case 'number':
    case 'boolean':
      return String(v.value);
    case 'bigint':
      return `${String(v.value)}n`;
    case 'undefined':
    case 'null':
      return v.type;
    case 'array':
      if (!Array.isArray(v.value) || depth > 3) return 'Array';
      return `[${(v.value as RemoteValue[]).map((item) => formatRemote(item, depth + 1)).join(', ')}]`;
    case 'object':
      if (!Array.isArray(v.value) || depth > 3) return 'Object';
      return `{${(v.value as [string | RemoteValue, RemoteValue][])
        .map(([key, item]) => `${typeof key === 'string' ? key : formatRemote(key, depth + 1)}: ${formatRemote(item, depth + 1)}`)
        .join(', ')}}`;
    default:
      // Errors, functions, nodes, maps...: their kind is enough for a log line.
      return v.type;
  }
}

/** A puppeteer page as a `Tab`, collecting console lines and page errors from the start. */
function puppeteerTab(page: Page): Tab {
  const logs: string[] = [];
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    const text = consoleText(m);
    logs.push(`${new Date().toISOString().slice(11, 23)} ${text}`);
    if (m.type() === 'error') consoleErrors.push(text);
  });
  // Firefox reports an uncaught error as `Error: message` (with its type), not just the message.
  page.on('pageerror', (e) => {
    const message = e instanceof Error ? e.message : String(e);
    pageErrors.push(message);
    logs.push(`PAGEERROR ${message}`);
  });
  // WebDriver BiDi leaves an alert or confirm open, which would stall the page; dismiss them
  // as Playwright does for Chromium.
  page.on('dialog', (d) => void d.dismiss().catch(() => {}));
  return {
    logs,
    pageErrors,
    consoleErrors,
    goto: async (url) => void (await page.goto(url, { waitUntil: 'load' })),
    evaluate: (fn, arg) => page.evaluate(fn as never, arg) as never,
    url: async () => page.url(),
    waitForURL: (url, timeoutMs = 30_000) => waitForURL(page, url, timeoutMs),
    cookies: async () => (await page.cookies()).map((c) => ({ name: c.name, value: c.value, sameSite: String(c.sameSite ?? 'None') })),
    close: () => page.close(),
  };
}

/**
 * Waits until the page is at `url` and that document has loaded (as Playwright's waitForURL
 * does), whether the page navigated itself or was sent there. While a navigation replaces the
 * document an evaluation can fail; it is simply tried again.
 */
async function waitForURL(page: Page, url: string | RegExp, timeoutMs: number): Promise<void> {
  const matches = (href: string) => (typeof url === 'string' ? href === url : url.test(href));
  const deadline = Date.now() + timeoutMs;
  let seen = page.url();
  while (Date.now() < deadline) {
    if (matches(page.url())) {
      const remaining = Math.max(1, deadline - Date.now());
      const state = await Promise.race([
        page
          .evaluate(() =>
            document.readyState === 'complete'
              ? location.href
              : new Promise<string>((resolve) => addEventListener('load', () => resolve(location.href), { once: true })),
          )
          .catch(() => null),
        new Promise<null>((resolve) => setTimeout(() => resolve(null), Math.min(remaining, 1_000))),
      ]);
      if (state !== null) {
        seen = state;
        if (matches(state)) return;
      }
    } else {
      seen = page.url();
    }
    await sleep(50);
  }
  throw new Error(`waitForURL: the tab did not reach ${String(url)} within ${timeoutMs} ms (it is at ${seen})`);
}

/** Where the browser is in its life: only a running one can be killed, closed or driven. */
type State = 'running' | 'killed' | 'closed';

function wrap(session: FirefoxSession, temporary: boolean): EngineBrowser {
  const { browser, pid, profileDir, exited } = session;
  let state: State = 'running';
  let offline = false;

  // Pages the tab itself opens (window.open) must follow the offline switch too.
  browser.on('targetcreated', (target) => {
    if (!offline) return;
    void target
      .page()
      .then((page) => page?.setOfflineMode(true))
      .catch(() => {});
  });

  const engine: EngineBrowser = {
    name: 'firefox',
    version: session.version,
    pid,
    async newTab() {
      const page = await browser.newPage();
      const tab = puppeteerTab(page);
      if (offline) await page.setOfflineMode(true);
      return tab;
    },
    // WebDriver BiDi's emulation.setNetworkConditions works in this Firefox: navigator.onLine
    // turns false (with an `offline` event) and fetch fails. Puppeteer applies it per tab, so
    // every open tab is switched, and tabs opened later start in the same state.
    async setOffline(value) {
      offline = value;
      const pages = await browser.pages();
      await Promise.all(pages.map((p) => p.setOfflineMode(value)));
    },
    persistentProfile: true,
    workerLogs: [],
    async kill() {
      if (state !== 'running') return;
      state = 'killed';
      killGroup(pid);
      await exited;
      await waitGroupsGone([pid], REAP_TIMEOUT_MS);
      await browser.disconnect().catch(() => {});
      // The profile is kept, even a temporary one: the point is to start again on it.
    },
    async restart() {
      if (state === 'running') throw new Error('restart() starts Firefox again after kill() or close(); it is still running');
      if (temporary) trackTempDir(profileDir);
      return wrap(await startFirefox(profileDir), temporary);
    },
    async close() {
      if (state === 'closed') return;
      if (state === 'running') {
        // Firefox quits on its own (and flushes what it holds) after BiDi's browser.close.
        await browser.close().catch(() => {});
        const timer = setTimeout(() => killGroup(pid), CLOSE_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
        // Content processes may outlive the main one for a moment.
        killGroup(pid);
        await waitGroupsGone([pid], REAP_TIMEOUT_MS);
      }
      state = 'closed';
      await removeTempDir(profileDir);
    },
  };
  return engine;
}

/** Starts Debian's Firefox ESR (headless, own process group) on a profile. */
export async function launchFirefox(opts: EngineLaunchOptions = {}): Promise<EngineBrowser> {
  const temporary = !opts.profileDir;
  const profileDir = opts.profileDir ?? (await mkdtemp(join(tmpdir(), 'outlast-firefox-')));
  if (temporary) trackTempDir(profileDir);
  try {
    return wrap(await startFirefox(profileDir), temporary);
  } catch (e) {
    if (temporary) await removeTempDir(profileDir);
    throw e;
  }
}
