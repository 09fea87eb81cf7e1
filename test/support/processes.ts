// The browser processes a test process starts, and their temporary profiles: every driver
// (Chromium, Firefox, WebKit) starts its browser in a process group of its own, so that one
// signal reaches all of its children, and registers it here so that nothing outlives the test.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { sleep } from './wait';

/** Process groups still running. */
const liveGroups = new Set<number>();
/** Temporary profiles, kept across a kill (for a restart) and removed at the latest on exit. */
const tempDirs = new Set<string>();

let cleanupInstalled = false;

/**
 * Makes sure a failed or interrupted test leaves no browser or profile behind: on exit, and on
 * the SIGTERM a test runner sends its workers (which skips `exit` handlers), after which the
 * signal is raised again so the process still ends as it would have.
 */
function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  const cleanup = () => {
    for (const pgid of liveGroups) killGroup(pgid);
    liveGroups.clear();
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
    tempDirs.clear();
  };
  process.once('exit', cleanup);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanup();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/**
 * Starts `command` as the leader of a new process group (one signal then reaches every process
 * it starts), registered to be killed at exit. `exited` resolves when it ends, or when it could
 * not be started at all (a missing binary emits 'error' and never 'exit').
 */
export function spawnGroup(
  command: string,
  args: string[],
  options: SpawnOptions,
): { child: ChildProcess; pid: number; exited: Promise<void> } {
  const child = spawn(command, args, { ...options, detached: true });
  const pid = child.pid ?? 0;
  if (pid) trackGroup(pid);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      untrackGroup(pid);
      resolve();
    });
    child.once('error', () => resolve());
  });
  return { child, pid, exited };
}

/** Registers a process group (a child started with `detached: true`) to kill at exit. */
export function trackGroup(pgid: number): void {
  installCleanup();
  liveGroups.add(pgid);
}

/** The group has ended (or was killed): nothing to do for it at exit. */
export function untrackGroup(pgid: number): void {
  liveGroups.delete(pgid);
}

/** Registers a temporary profile folder to remove at exit at the latest. */
export function trackTempDir(dir: string): void {
  installCleanup();
  tempDirs.add(dir);
}

/** Removes a folder `trackTempDir` registered; any other folder is left alone. */
export async function removeTempDir(dir: string): Promise<void> {
  if (!tempDirs.delete(dir)) return;
  await rm(dir, { recursive: true, force: true }).catch(() => {});
}

/** Sends SIGKILL to a whole process group; a group already gone is fine. */
export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Whether a process group still has a living member. Once its leader is reaped, the other
 * members are reparented and reaped by init a moment later; as zombies they are already dead
 * and do not count.
 */
function groupAlive(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return false;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone while scanning
    }
    // After the command name (in parentheses, which may hold spaces): state, ppid, pgrp.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
  }
  return false;
}

/** Waits (at most `timeoutMs`) until no live process is left in any of the groups. */
export async function waitGroupsGone(pgids: number[], timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pgids.some((g) => g && groupAlive(g)) && Date.now() < deadline) await sleep(20);
}

/**
 * The first group of `pattern` in what `child` writes to stderr, e.g. the DevTools or BiDi
 * address a browser prints once it listens. Rejects when the child exits first or after
 * `timeoutMs`, with what it printed. Stderr keeps being drained afterwards, so that a chatty
 * browser never blocks on a full pipe.
 */
export function waitForStderr(child: ChildProcess, pattern: RegExp, name: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => fail(new Error(`${name} did not start within ${timeoutMs} ms:\n${buffered}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = pattern.exec(buffered);
      if (match) {
        cleanup();
        child.stderr?.resume();
        resolve(match[1] as string);
      } else if (buffered.length > 64 * 1024) {
        buffered = buffered.slice(-16 * 1024);
      }
    };
    const onExit = (code: number | null) => fail(new Error(`${name} exited (${code}) before it was ready:\n${buffered}`));
    const onError = (e: Error) => fail(e);
    function cleanup() {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    }
    function fail(e: Error) {
      cleanup();
      reject(e);
    }
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}
