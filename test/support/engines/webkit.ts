// WebKit through the driver layer: WebKitGTK's MiniBrowser on a private Xvfb display, driven
// over W3C WebDriver (WebKitWebDriver) with plain HTTP requests.
//
// WebDriver classic has no console API, and MiniBrowser's "console messages to stdout" setting
// is silent here: WebKit never prints console messages of an ephemeral session, and MiniBrowser
// always gives automation an ephemeral one. So console lines and page errors come from WebKit's
// own remote inspector instead: MiniBrowser serves it over HTTP/WebSocket when started with
// WEBKIT_INSPECTOR_HTTP_SERVER, and each tab attaches to its page's `Console` domain. That
// variable moves the inspector's D-Bus endpoint (the one WebKitWebDriver talks to) to a random
// port, so we start MiniBrowser ourselves, read that port from /proc and point the driver at it
// with `--target`.
import { randomUUID } from 'node:crypto';
import { sleep } from '../wait';
import type { EngineBrowser, EngineLaunchOptions, Tab } from './types';
import { WebDriver } from './webdriver-client';
import { PageInspector, type InspectorSink } from './webkit-inspector';
import { freePort, killAll, listeningPorts, start, startDisplay, within, type Owned } from './webkit-processes';

const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const WEBDRIVER = 'WebKitWebDriver';

/** How long each start-up step (display, browser, driver, session) may take. */
const LAUNCH_TIMEOUT_MS = 30_000;
/** How long the WebDriver session may take to end before everything is killed. */
const CLOSE_TIMEOUT_MS = 5_000;

/** How long `goto` waits for the page's `load` event (the session's own wait is off: see pageLoadStrategy). */
const PAGE_LOAD_TIMEOUT_MS = 60_000;
/** How long a probed inspector target may take to announce its page. */
const PROBE_TIMEOUT_MS = 1_500;
/**
 * Inspector target ids are handed out in order by MiniBrowser: its first window is 1 and the
 * automation session 2, so the windows we open come after. The automation session's id must
 * never be probed: attaching to it would take the session away from the driver.
 */
const FIRST_TAB_TARGET_ID = 3;
/** Most inspector targets looked at for one new tab, and most of them that may not answer. */
const PROBE_LIMIT = 32;
const SILENT_LIMIT = 2;

interface Launched {
  owned: Owned[];
  driver: WebDriver;
  sessionId: string;
  homeHandle: string;
  inspectorPort: number;
  version: string;
}

async function launchOnce(): Promise<Launched> {
  const owned: Owned[] = [];
  try {
    const { xvfb, display } = await startDisplay(LAUNCH_TIMEOUT_MS);
    owned.push(xvfb);

    const inspectorPort = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DISPLAY: display,
      GDK_BACKEND: 'x11',
      // No accessibility bus on a test display; looking for one only slows start-up.
      NO_AT_BRIDGE: '1',
      WEBKIT_INSPECTOR_HTTP_SERVER: `127.0.0.1:${inspectorPort}`,
    };
    delete env.WEBKIT_INSPECTOR_SERVER;
    const browser = start(MINIBROWSER, ['--automation'], env);
    owned.push(browser);
    const pid = browser.child.pid ?? 0;
    // Two listening ports appear: the HTTP inspector we chose, and the D-Bus one for the driver.
    const dbusPort = await within(
      'MiniBrowser opening its inspector server',
      LAUNCH_TIMEOUT_MS,
      (async () => {
        for (;;) {
          const ports = listeningPorts(pid);
          const other = ports.find((p) => p !== inspectorPort);
          if (other && ports.includes(inspectorPort)) return other;
          await sleep(20);
        }
      })(),
      browser.exited,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${browser.stderr()}`);
    });

    const driverPort = await freePort();
    const webdriver = start(WEBDRIVER, [`--port=${driverPort}`, `--target=127.0.0.1:${dbusPort}`], env);
    owned.push(webdriver);
    const driver = new WebDriver(`http://127.0.0.1:${driverPort}`);
    await within(
      'WebKitWebDriver answering',
      LAUNCH_TIMEOUT_MS,
      (async () => {
        for (;;) {
          try {
            await driver.send('GET', '/status');
            return;
          } catch {
            await sleep(20);
          }
        }
      })(),
      webdriver.exited,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${webdriver.stderr()}`);
    });

    const session = await within(
      'a WebDriver session',
      LAUNCH_TIMEOUT_MS,
      driver.send<{ sessionId: string; capabilities: { browserVersion?: string } }>('POST', '/session', {
        capabilities: {
          alwaysMatch: {
            // 'normal' (and 'eager', which WebKit treats alike) also waits for requests started
            // after `load`, such as a script the snippet injects on a host that hangs: `goto`
            // waits for `load` itself.
            pageLoadStrategy: 'none',
            // No time limit on evaluated scripts, like the other engines' drivers.
            timeouts: { script: null, pageLoad: 60_000, implicit: 0 },
          },
        },
      }),
      browser.exited,
    );
    const homeHandle = await driver.send<string>('GET', `/session/${session.sessionId}/window`);
    return {
      owned,
      driver,
      sessionId: session.sessionId,
      homeHandle,
      inspectorPort,
      version: `WebKitGTK ${session.capabilities.browserVersion ?? 'unknown'}`,
    };
  } catch (e) {
    await killAll(owned);
    throw e;
  }
}

/** Starts MiniBrowser (WebKitGTK) on a display of its own and opens a WebDriver session on it. */
export async function launchWebKit(opts: EngineLaunchOptions = {}): Promise<EngineBrowser> {
  let launched: Launched;
  try {
    launched = await launchOnce();
  } catch {
    // The ports are picked a moment before the processes bind them; another process may have
    // taken one in between. A second try gets fresh ones.
    launched = await launchOnce();
  }
  return wrap(launched, opts);
}

function wrap(launched: Launched, opts: EngineLaunchOptions): EngineBrowser {
  const { driver, sessionId, homeHandle, inspectorPort, owned } = launched;
  const session = `/session/${sessionId}`;
  const inspectors = new Set<PageInspector>();
  let ended = false;
  /** The window WebDriver commands go to; null after it was closed. */
  let current: string | null = homeHandle;
  let nextTargetId = FIRST_TAB_TARGET_ID;

  // WebDriver drives one window at a time, so the commands of all tabs run one after another,
  // each switching to its own window first. A long `evaluate` in one tab holds the others back.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => {});
    return run;
  };
  const switchTo = async (handle: string) => {
    if (current === handle) return;
    await driver.send('POST', `${session}/window`, { handle });
    current = handle;
  };

  /**
   * Finds the inspector target of the window just opened (marked with `token`) and attaches to
   * it. That window has the highest id so far. Popups that pages opened since the last tab come
   * before it; an id nothing answers on is a popup already closed, or lies past the end.
   */
  async function attachInspector(token: string, sink: InspectorSink): Promise<PageInspector | null> {
    const from = nextTargetId;
    let firstSilent: number | null = null;
    let silent = 0;
    for (let id = from; id < from + PROBE_LIMIT && silent <= SILENT_LIMIT; id++) {
      let inspector: PageInspector | null = null;
      let target: string;
      try {
        inspector = await PageInspector.attach(inspectorPort, id, sink);
        target = await within('an inspector target', PROBE_TIMEOUT_MS, inspector.firstTarget);
      } catch {
        inspector?.close();
        silent++;
        firstSilent ??= id;
        continue;
      }
      const mark = await within('an inspector reply', PROBE_TIMEOUT_MS, inspector.valueOf(target, 'window.__outlastTabToken')).catch(
        () => null,
      );
      if (mark === token) {
        // Every id before it is older than this window: none can be a later tab's.
        nextTargetId = id + 1;
        inspector.adopt();
        return inspector;
      }
      inspector.close();
    }
    // A silent id may still be the next window's: look from there next time.
    nextTargetId = firstSilent ?? from + PROBE_LIMIT;
    return null;
  }

  const browser: EngineBrowser = {
    name: 'webkit',
    version: launched.version,
    // Started display first, browser second, driver last (see launchOnce).
    pid: owned[1]?.pgid ?? 0,
    // WebDriver classic cannot take a browser offline, and MiniBrowser has no switch for it.
    setOffline: null,
    // MiniBrowser gives automation an ephemeral website data session (in memory) whatever the
    // environment says (XDG_DATA_HOME, XDG_CACHE_HOME, its own options), so nothing written
    // before a kill is there after a restart, and there is no profile folder: `profileDir` has
    // nothing to hold.
    persistentProfile: false,
    workerLogs: [],

    newTab: () =>
      serial(async () => {
        if (ended) throw new Error('the browser is closed');
        if (!current) await switchTo(homeHandle);
        const { handle } = await driver.send<{ handle: string }>('POST', `${session}/window/new`, { type: 'window' });
        await switchTo(handle);
        const logs: string[] = [];
        const pageErrors: string[] = [];
        const consoleErrors: string[] = [];
        const token = randomUUID();
        await driver.send('POST', `${session}/execute/sync`, { script: `window.__outlastTabToken = ${JSON.stringify(token)};`, args: [] });
        const inspector = await attachInspector(token, { logs, pageErrors, consoleErrors });
        await driver.send('POST', `${session}/execute/sync`, { script: 'delete window.__outlastTabToken;', args: [] });
        if (inspector) inspectors.add(inspector);
        else logs.push('(no console capture: the inspector target of this tab was not found)');
        return makeTab(handle, { logs, pageErrors, consoleErrors }, inspector);
      }),

    async kill() {
      if (ended) return;
      ended = true;
      for (const inspector of inspectors) inspector.close();
      await killAll(owned);
    },

    restart: () => launchWebKit(opts),

    async close() {
      if (ended) return;
      ended = true;
      for (const inspector of inspectors) inspector.close();
      // Nothing to flush (the session's storage is in memory): end the session politely, then
      // make sure every process is gone.
      await within('the WebDriver session ending', CLOSE_TIMEOUT_MS, driver.send('DELETE', session)).catch(() => {});
      await killAll(owned);
    },
  };

  function makeTab(handle: string, sink: InspectorSink, inspector: PageInspector | null): Tab {
    let closed = false;
    const inTab = <T>(work: () => Promise<T>): Promise<T> =>
      serial(async () => {
        if (closed) throw new Error('the tab is closed');
        if (ended) throw new Error('the browser is closed');
        await switchTo(handle);
        return work();
      });

    return {
      ...sink,
      goto: (url) =>
        inTab(async () => {
          // the old document is marked, so that its own 'complete' is not taken for the new one's
          await driver.send('POST', `${session}/execute/sync`, { script: 'window.__outlastOldDocument = true;', args: [] }).catch(() => {});
          await driver.send('POST', `${session}/url`, { url });
          const deadline = Date.now() + PAGE_LOAD_TIMEOUT_MS;
          for (;;) {
            // 'complete' is set as `load` is dispatched; the next poll comes after its handlers ran
            const loaded = await driver
              .send<boolean>('POST', `${session}/execute/sync`, {
                script: "return !window.__outlastOldDocument && document.readyState == 'complete';",
                args: [],
              })
              .catch(() => false); // between documents the driver may not answer
            if (loaded) return;
            if (Date.now() > deadline) throw new Error(`goto: ${url} did not fire load within ${PAGE_LOAD_TIMEOUT_MS} ms`);
            await sleep(20);
          }
        }),
      evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg?: A) =>
        inTab(async () => {
          // The function runs as source; a returned promise is awaited. `undefined` is not JSON,
          // so it travels as a flag.
          const script = `
            const done = arguments[arguments.length - 1];
            const args = Array.prototype.slice.call(arguments, 0, -1);
            Promise.resolve()
              .then(() => (${fn.toString()})(args.length ? args[0] : undefined))
              .then(
                (value) => done({ value: value === undefined ? null : value, undefined: value === undefined }),
                (e) => done({ error: e instanceof Error ? e.message : String(e) }),
              );`;
          const reply = await driver.send<{ value?: unknown; undefined?: boolean; error?: string }>('POST', `${session}/execute/async`, {
            script,
            args: arg === undefined ? [] : [arg],
          });
          if (reply.error !== undefined) throw new Error(reply.error);
          return (reply.undefined ? undefined : reply.value) as R;
        }),
      url: () => inTab(() => driver.send<string>('GET', `${session}/url`)),
      cookies: () =>
        inTab(async () =>
          (await driver.send<Array<{ name: string; value: string; sameSite?: string }>>('GET', `${session}/cookie`)).map((c) => ({
            name: c.name,
            value: c.value,
            sameSite: c.sameSite ?? 'None',
          })),
        ),
      async waitForURL(url, timeoutMs = 30_000) {
        const deadline = Date.now() + timeoutMs;
        let last = '';
        for (;;) {
          try {
            last = await inTab(() => driver.send<string>('GET', `${session}/url`));
            // the URL changes when the new document commits; like the other drivers, wait for its `load` too
            if (
              (typeof url === 'string' ? last === url : url.test(last)) &&
              (await inTab(() =>
                driver.send<boolean>('POST', `${session}/execute/sync`, { script: "return document.readyState == 'complete';", args: [] }),
              ))
            )
              return;
          } catch (e) {
            // In the middle of a navigation the driver may not answer; a closed tab or browser won't.
            if (closed || ended) throw e;
          }
          if (Date.now() >= deadline)
            throw new Error(`waitForURL: ${String(url)} not reached within ${timeoutMs} ms (at ${last || 'unknown'})`);
          await sleep(50);
        }
      },
      close: () =>
        serial(async () => {
          // Once the browser is gone, so is the window.
          if (closed || ended) return;
          closed = true;
          if (inspector) {
            inspector.close();
            inspectors.delete(inspector);
          }
          try {
            await switchTo(handle);
            await driver.send('DELETE', `${session}/window`);
          } catch (e) {
            // The page may have closed its window itself.
            if ((e as { webdriverError?: string }).webdriverError !== 'no such window') throw e;
          } finally {
            // The driver has no window to talk to until one is chosen again.
            current = null;
          }
        }),
    };
  }

  return browser;
}
