// WebKit's remote inspector for one page: console messages and uncaught errors of whatever
// document it shows, over the inspector's WebSocket (see webkit.ts for why it is needed).
import { WebSocketClient } from './websocket-client';

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
  /** The resource a message is about (a failed load's URL). */
  url?: string;
  parameters?: ConsoleParameter[];
}

/** What a page's console said: every line, and the errors apart. */
export interface InspectorSink {
  logs: string[];
  pageErrors: string[];
  consoleErrors: string[];
}

/** An uncaught error of the page, a console line of level error, or any other console line. */
type EntryKind = 'page-error' | 'console-error' | 'log';

export class PageInspector {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private lastEntry: { line: string; kind: EntryKind } | null = null;
  /** Page targets announced so far; their console is read once the page is known to be ours. */
  private readonly targets: string[] = [];
  private adopted = false;
  /** The page's first target, once announced. */
  readonly firstTarget: Promise<string>;

  constructor(
    private readonly socket: WebSocketClient,
    private readonly sink: InspectorSink,
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
  static async attach(port: number, targetId: number, sink: InspectorSink): Promise<PageInspector> {
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
      // Any other error-level message is a console line of level error: console.error, or the
      // browser's own (a CSP refusal, a failed load).
      let kind: EntryKind = 'log';
      if (message.level === 'error') kind = message.source === 'javascript' ? 'page-error' : 'console-error';
      // The browser's own request for a favicon (the test site has none) is not the page's doing.
      if (kind === 'console-error' && message.url?.endsWith('/favicon.ico')) kind = 'log';
      this.record(kind === 'page-error' ? (message.text ?? '') : consoleText(message), kind);
    } else if (inner.method === 'Console.messageRepeatCountUpdated' && this.lastEntry) {
      // WebKit folds a message repeated in a row into a counter: write it out again.
      this.record(this.lastEntry.line, this.lastEntry.kind);
    }
  }

  private record(line: string, kind: EntryKind): void {
    this.lastEntry = { line, kind };
    if (kind === 'page-error') {
      this.sink.pageErrors.push(line);
      this.sink.logs.push(`PAGEERROR ${line}`);
      return;
    }
    if (kind === 'console-error') this.sink.consoleErrors.push(line);
    this.sink.logs.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
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
