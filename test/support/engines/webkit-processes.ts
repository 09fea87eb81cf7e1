// The processes the WebKit driver starts (Xvfb, MiniBrowser, WebKitWebDriver): each the leader
// of its own process group, its stderr kept for a failure's message, and the ports it listens on
// read from /proc, because MiniBrowser picks one of them itself.
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { killGroup, spawnGroup, waitGroupsGone } from '../processes';

/** One process we started, leader of its own process group so one signal reaches its children. */
export interface Owned {
  child: ChildProcess;
  pgid: number;
  exited: Promise<void>;
  /** The end of its stderr, for a failure's message. */
  stderr(): string;
}

/** Starts `command` in a group of its own; `extraFd` opens a fourth pipe (fd 3) for Xvfb's `-displayfd`. */
export function start(command: string, args: string[], env: NodeJS.ProcessEnv, extraFd = false): Owned {
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
export async function killAll(owned: Owned[]): Promise<void> {
  // Started display first, browser next, driver last: signalled the other way round.
  for (const o of [...owned].reverse()) if (o.pgid) killGroup(o.pgid);
  await Promise.all(owned.map((o) => o.exited));
  // The leaders are reaped; their children (web and network processes) die with the same signal
  // but are reaped by init, so wait until the groups are empty too.
  await waitGroupsGone(owned.map((o) => o.pgid));
}

/** `work`, or a rejection after `ms` (or once `abort` resolves: the process it waits for exited). */
export async function within<T>(what: string, ms: number, work: Promise<T>, abort?: Promise<void>): Promise<T> {
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
export function freePort(): Promise<number> {
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
export function listeningPorts(pid: number): number[] {
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
    let text: string;
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
export async function startDisplay(timeoutMs: number): Promise<{ xvfb: Owned; display: string }> {
  const xvfb = start('Xvfb', ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '1280x1024x24'], process.env, true);
  const fd = xvfb.child.stdio[3] as NodeJS.ReadableStream | null;
  const number = await within(
    'Xvfb reporting its display',
    timeoutMs,
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
