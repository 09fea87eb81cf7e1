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
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { killGroup, spawnGroup, waitGroupsGone } from '../processes';
import type { EngineBrowser, EngineLaunchOptions, Tab } from './types';

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

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One process we started, leader of its own process group so one signal reaches its children. */
interface Owned {
  child: ChildProcess;
  pgid: number;
  exited: Promise<void>;
  /** The end of its stderr, for a failure's message. */
  stderr(): string;
}

function start(command: string, args: string[], env: NodeJS.ProcessEnv, extraFd = false): Owned {
  const {
    child,
    pid: pgid,
    exited,
  } = spawnGroup(command, args, {
    env,
    stdio: extraFd ? ['ignore', 'ignore', 'pipe', 'pipe'] : ['ignore', 'ignore', 'pipe'],
  });
  let tail = '';
  // Keep draining stderr so a chatty process never blocks on a full pipe.
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4096);
  });
  child.once('error', (e) => void (tail += `\n${e.message}`));
  return { child, pgid, exited, stderr: () => tail.trim() };
}

/** SIGKILLs all the groups at once, then waits until their processes are gone. */
async function killAll(owned: Owned[]): Promise<void> {
  // Started display first, browser next, driver last: signalled the other way round.
  for (const o of [...owned].reverse()) if (o.pgid) killGroup(o.pgid);
  await Promise.all(owned.map((o) => o.exited));
  // The leaders are reaped; their children (web and network processes) die with the same signal
  // but are reaped by init, so wait until the groups are empty too.
  await waitGroupsGone(owned.map((o) => o.pgid));
}

async function within<T>(what: string, ms: number, work: Promise<T>, abort?: Promise<void>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  const aborted = abort?.then(() => Promise.reject(new Error(`${what}: the process exited`)));
  try {
    return await Promise.race([work, timeout, ...(aborted ? [aborted] : [])]);
  } finally {
    clearTimeout(timer);
  }
}

/** A free TCP port on loopback (the process that gets it binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** TCP ports a process listens on, from its socket inodes and the kernel's socket table. */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (match?.[1]) inodes.add(match[1]);
      } catch {
        // The descriptor closed while we looked.
      }
    }
  } catch {
    return [];
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      // State 0A is LISTEN; column 9 is the inode.
      if (local && cols[3] === '0A' && cols[9] && inodes.has(cols[9])) ports.push(parseInt(local.split(':')[1] ?? '0', 16));
    }
  }
  return ports;
}

/** Starts Xvfb on the first free display; `-displayfd` makes it pick and report it without races. */
async function startDisplay(): Promise<{ xvfb: Owned; display: string }> {
  const xvfb = start('Xvfb', ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '1280x1024x24'], process.env, true);
  const fd = xvfb.child.stdio[3] as NodeJS.ReadableStream | null;
  const number = await within(
    'Xvfb reporting its display',
    LAUNCH_TIMEOUT_MS,
    new Promise<string>((resolve) => {
      let text = '';
      fd?.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) resolve(text.trim());
      });
    }),
    xvfb.exited,
  ).catch((e: Error) => {
    throw new Error(`${e.message}\n${xvfb.stderr()}`);
  });
  return { xvfb, display: `:${number}` };
}

// ---------------------------------------------------------------------------------------------
// WebDriver over HTTP.

interface WebDriverError {
  error?: string;
  message?: string;
}

class WebDriver {
  constructor(private readonly base: string) {}

  async send<T = unknown>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const response = await fetch(this.base + path, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json; charset=utf-8' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: { value?: unknown } = {};
    try {
      parsed = JSON.parse(text) as { value?: unknown };
    } catch {
      // Not JSON: reported below.
    }
    if (!response.ok) {
      const value = (parsed.value ?? {}) as WebDriverError;
      const error = new Error(value.message || value.error || `HTTP ${response.status} ${text.slice(0, 200)}`);
      (error as Error & { webdriverError?: string }).webdriverError = value.error;
      throw error;
    }
    return parsed.value as T;
  }
}

// ---------------------------------------------------------------------------------------------
// A small WebSocket client (RFC 6455, text frames only), enough for the inspector's socket.

class WebSocketClient {
  private buffer: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  closed = false;
  onMessage: (text: string) => void = () => {};
  onClose: () => void = () => {};

  private constructor(
    private readonly socket: Socket,
    head: Buffer,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      if (this.closed) return;
      this.closed = true;
      this.onClose();
    });
    if (head.length) setImmediate(() => this.receive(head));
  }

  static open(port: number, path: string): Promise<WebSocketClient> {
    return new Promise((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port,
        path,
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        },
      });
      req.once('upgrade', (_res, socket, head) => resolve(new WebSocketClient(socket, head)));
      req.once('response', (res) => {
        res.resume();
        reject(new Error(`inspector socket ${path}: HTTP ${res.statusCode}`));
      });
      req.once('error', reject);
      req.end();
    });
  }

  send(text: string): void {
    if (!this.closed) this.socket.write(this.frame(0x1, Buffer.from(text)));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.write(this.frame(0x8, Buffer.alloc(0)));
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1_000).unref();
  }

  /** A client frame: always final and masked. */
  private frame(opcode: number, payload: Buffer): Buffer {
    const length = payload.length;
    const header = length < 126 ? Buffer.alloc(2) : length < 65_536 ? Buffer.alloc(4) : Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    if (length < 126) header[1] = 0x80 | length;
    else if (length < 65_536) {
      header[1] = 0x80 | 126;
      header.writeUInt16BE(length, 2);
    } else {
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(length), 2);
    }
    const mask = randomBytes(4);
    const masked = Buffer.alloc(length);
    for (let i = 0; i < length; i++) masked[i] = (payload[i] as number) ^ (mask[i & 3] as number);
    return Buffer.concat([header, mask, masked]);
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      if (this.buffer.length < 2) return;
      const b0 = this.buffer[0] as number;
      const b1 = this.buffer[1] as number;
      let offset = 2;
      let length = b1 & 0x7f;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      const masked = (b1 & 0x80) !== 0;
      const maskOffset = offset;
      if (masked) offset += 4;
      if (this.buffer.length < offset + length) return;
      let payload = this.buffer.subarray(offset, offset + length);
      if (masked) {
        const unmasked = Buffer.alloc(length);
        for (let i = 0; i < length; i++) unmasked[i] = (payload[i] as number) ^ (this.buffer[maskOffset + (i & 3)] as number);
        payload = unmasked;
      }
      this.buffer = this.buffer.subarray(offset + length);
      const opcode = b0 & 0x0f;
      const fin = (b0 & 0x80) !== 0;
      if (opcode === 0x8) {
        this.close();
        return;
      }
      if (opcode === 0x9) {
        if (!this.closed) this.socket.write(this.frame(0xa, Buffer.from(payload)));
        continue;
      }
      if (opcode === 0xa) continue;
      // Text, binary or a continuation of either.
      this.fragments.push(Buffer.from(payload));
      if (fin) {
        const message = Buffer.concat(this.fragments).toString('utf8');
        this.fragments = [];
        this.onMessage(message);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The inspector of one page: console messages and uncaught errors of whatever document it shows.

interface ConsoleParameter {
  type?: string;
  subtype?: string;
  value?: unknown;
  description?: string;
}

interface ConsoleMessage {
  source?: string;
  level?: string;
  text?: string;
  parameters?: ConsoleParameter[];
}

class PageInspector {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private lastEntry: { line: string; error: boolean } | null = null;
  /** Page targets announced so far; their console is read once the page is known to be ours. */
  private readonly targets: string[] = [];
  private adopted = false;
  /** The page's first target, once announced. */
  readonly firstTarget: Promise<string>;

  constructor(
    private readonly socket: WebSocketClient,
    private readonly sink: { logs: string[]; pageErrors: string[] },
  ) {
    let announce: (id: string) => void = () => {};
    this.firstTarget = new Promise((resolve) => (announce = resolve));
    socket.onMessage = (text) => {
      let message: { method?: string; params?: Record<string, unknown> };
      try {
        message = JSON.parse(text) as typeof message;
      } catch {
        return;
      }
      if (message.method === 'Target.targetCreated') {
        const info = message.params?.targetInfo as { targetId?: string; type?: string } | undefined;
        if (info?.targetId && info.type === 'page') {
          // Each document process gets a target of its own (a cross-site navigation may swap
          // processes); messages logged before this arrives are kept and replayed on enable.
          this.targets.push(info.targetId);
          if (this.adopted) this.enableConsole(info.targetId);
          announce(info.targetId);
        }
      } else if (message.method === 'Target.dispatchMessageFromTarget') {
        this.fromTarget(String(message.params?.message ?? ''));
      }
    };
    socket.onClose = () => {
      for (const { reject } of this.pending.values()) reject(new Error('inspector socket closed'));
      this.pending.clear();
    };
  }

  /** Connection 1 is MiniBrowser's own process, the first to register with its inspector server. */
  static async attach(port: number, targetId: number, sink: { logs: string[]; pageErrors: string[] }): Promise<PageInspector> {
    return new PageInspector(await WebSocketClient.open(port, `/socket/1/${targetId}/WebPage`), sink);
  }

  /** Starts reading the page's console (what it logged so far comes first). */
  adopt(): void {
    this.adopted = true;
    for (const target of this.targets) this.enableConsole(target);
  }

  private enableConsole(target: string): void {
    void this.call(target, 'Console.enable').catch(() => {});
  }

  call(target: string, method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    const inner = JSON.stringify({ id, method, params });
    return new Promise((resolve, reject) => {
      if (this.socket.closed) return reject(new Error('inspector socket closed'));
      this.pending.set(id, { resolve, reject });
      this.socket.send(
        JSON.stringify({ id: this.nextId++, method: 'Target.sendMessageToTarget', params: { targetId: target, message: inner } }),
      );
    });
  }

  /** Evaluates an expression in the page's current document and returns its JSON value. */
  async valueOf(target: string, expression: string): Promise<unknown> {
    const reply = (await this.call(target, 'Runtime.evaluate', { expression, returnByValue: true })) as { result?: { value?: unknown } };
    return reply.result?.value;
  }

  close(): void {
    this.socket.close();
  }

  private fromTarget(text: string): void {
    let inner: { id?: number; result?: unknown; error?: { message?: string }; method?: string; params?: Record<string, unknown> };
    try {
      inner = JSON.parse(text) as typeof inner;
    } catch {
      return;
    }
    if (inner.id !== undefined) {
      const waiter = this.pending.get(inner.id);
      this.pending.delete(inner.id);
      if (inner.error) waiter?.reject(new Error(inner.error.message ?? 'inspector error'));
      else waiter?.resolve(inner.result);
      return;
    }
    if (inner.method === 'Console.messageAdded') {
      const message = (inner.params?.message ?? {}) as ConsoleMessage;
      // WebKit reports an uncaught exception, an unhandled rejection or a script that fails to
      // parse as an error-level message whose source is the JavaScript engine itself.
      const error = message.source === 'javascript' && message.level === 'error';
      this.record(error ? (message.text ?? '') : consoleText(message), error);
    } else if (inner.method === 'Console.messageRepeatCountUpdated' && this.lastEntry) {
      // WebKit folds a message repeated in a row into a counter: write it out again.
      this.record(this.lastEntry.line, this.lastEntry.error);
    }
  }

  private record(line: string, error: boolean): void {
    this.lastEntry = { line, error };
    if (error) {
      this.sink.pageErrors.push(line);
      this.sink.logs.push(`PAGEERROR ${line}`);
    } else {
      this.sink.logs.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
    }
  }
}

/** A console call's arguments joined with spaces, like other engines' message text. */
function consoleText(message: ConsoleMessage): string {
  const params = message.parameters;
  if (!params?.length) return message.text ?? '';
  return params
    .map((p) => {
      if (p.type === 'string') return String(p.value ?? '');
      if (p.type === 'undefined') return 'undefined';
      if (p.subtype === 'null') return 'null';
      if (p.value !== undefined && p.type !== 'object') return String(p.value);
      return p.description ?? p.type ?? '';
    })
    .join(' ');
}

// ---------------------------------------------------------------------------------------------
// The browser.

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
    const { xvfb, display } = await startDisplay();
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
  async function attachInspector(token: string, sink: { logs: string[]; pageErrors: string[] }): Promise<PageInspector | null> {
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
    // WebDriver classic cannot take a browser offline, and MiniBrowser has no switch for it.
    setOffline: null,
    // MiniBrowser gives automation an ephemeral website data session (in memory) whatever the
    // environment says (XDG_DATA_HOME, XDG_CACHE_HOME, its own options), so nothing written
    // before a kill is there after a restart, and there is no profile folder: `profileDir` has
    // nothing to hold.
    persistentProfile: false,

    newTab: () =>
      serial(async () => {
        if (ended) throw new Error('the browser is closed');
        if (!current) await switchTo(homeHandle);
        const { handle } = await driver.send<{ handle: string }>('POST', `${session}/window/new`, { type: 'window' });
        await switchTo(handle);
        const logs: string[] = [];
        const pageErrors: string[] = [];
        const token = randomUUID();
        await driver.send('POST', `${session}/execute/sync`, { script: `window.__outlastTabToken = ${JSON.stringify(token)};`, args: [] });
        const inspector = await attachInspector(token, { logs, pageErrors });
        await driver.send('POST', `${session}/execute/sync`, { script: 'delete window.__outlastTabToken;', args: [] });
        if (inspector) inspectors.add(inspector);
        else logs.push('(no console capture: the inspector target of this tab was not found)');
        return makeTab(handle, logs, pageErrors, inspector);
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

  function makeTab(handle: string, logs: string[], pageErrors: string[], inspector: PageInspector | null): Tab {
    let closed = false;
    const inTab = <T>(work: () => Promise<T>): Promise<T> =>
      serial(async () => {
        if (closed) throw new Error('the tab is closed');
        if (ended) throw new Error('the browser is closed');
        await switchTo(handle);
        return work();
      });

    return {
      logs,
      pageErrors,
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
