// Chromium performance traces for the slow-phone measures: the renderer's main-thread tasks read
// from a trace (Tracing over CDP), CPU throttling (`Emulation.setCPUThrottlingRate`), and the
// figures drawn from them: busy time in a window, the longest task, Total Blocking Time, and what
// the time inside a window or a task was spent on.

/** Categories with every main-thread task, what ran inside it (compiling included), user timing marks and network events. */
export const TRACE_CATEGORIES = [
  'toplevel',
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'blink.user_timing',
  'loading',
  'v8',
  'v8.execute',
  // V8's parse and compile of each function as it first runs: most of a library's loading cost
  'disabled-by-default-v8.compile',
];

/** A slow phone's CPU, as Lighthouse and DevTools emulate it. */
export const SLOW_PHONE_CPU = 4;

/** A task longer than this blocks input (the long-task threshold of Total Blocking Time). */
export const LONG_TASK_MS = 50;

/** Names of the events that are one main-thread task each. */
const TASK_NAMES = new Set(['ThreadControllerImpl::RunTask', 'RunTask']);

/** Throttles the page's CPU by `rate` (1 to stop throttling). */
export async function throttleCpu(page, rate) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate });
  return cdp;
}

/**
 * Runs `work` while `browser` (Playwright's) records a trace of `page`; resolves with
 * `{ result, trace }`, the trace parsed as `{ events, mainPid, mainTid }` where main is the
 * renderer main thread that recorded `markName` (a `performance.mark` of the page).
 */
export async function traced(browser, page, markName, work, categories = TRACE_CATEGORIES) {
  await browser.startTracing(page, { categories, screenshots: false });
  let result;
  try {
    result = await work();
  } catch (e) {
    await browser.stopTracing().catch(() => {});
    throw e;
  }
  const buffer = await browser.stopTracing();
  return { result, trace: parseTrace(JSON.parse(buffer.toString('utf8')).traceEvents, markName) };
}

/** Finds the renderer main thread that recorded `markName`. */
export function parseTrace(events, markName) {
  const mark = events.find((e) => e.name === markName && String(e.cat).includes('blink.user_timing'));
  const mains = events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const main = mark ? (mains.find((m) => m.pid === mark.pid && m.tid === mark.tid) ?? mains.find((m) => m.pid === mark.pid)) : mains[0];
  return { events, mainPid: main?.pid, mainTid: main?.tid };
}

/** Timestamp (µs, trace clock) of the first `performance.mark(name)` in the trace, or undefined. */
export function markTs(trace, name) {
  return trace.events.find((e) => e.name === name && String(e.cat).includes('blink.user_timing') && e.pid === trace.mainPid)?.ts;
}

/**
 * Main-thread tasks as `{ start, end, cpu }` in µs, nested and overlapping ones merged, oldest
 * first. `cpu` is the thread's CPU time in the task (the trace's `tdur`): the time it really ran,
 * without the time it waited for a core on a busy machine or was held back by the throttling.
 */
export function mainTasks(trace) {
  const spans = trace.events
    .filter((e) => e.ph === 'X' && e.pid === trace.mainPid && e.tid === trace.mainTid && TASK_NAMES.has(e.name) && e.dur > 0)
    .map((e) => ({ start: e.ts, end: e.ts + e.dur, cpu: e.tdur ?? 0 }))
    .sort((a, b) => a.start - b.start);
  const merged = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && s.start <= last.end) {
      last.end = Math.max(last.end, s.end);
      last.cpu = Math.max(last.cpu, s.cpu);
    } else merged.push({ ...s });
  }
  return merged;
}

/** Main-thread CPU time (ms) inside [from, to] (µs), a task cut by the window counted pro rata. */
export function busyCpuMs(tasks, from, to) {
  let us = 0;
  for (const t of tasks) {
    const inside = Math.max(0, Math.min(t.end, to) - Math.max(t.start, from));
    if (inside > 0) us += (t.cpu * inside) / (t.end - t.start);
  }
  return us / 1000;
}

/** Main-thread busy time (ms) inside [from, to] (µs). */
export function busyMs(tasks, from, to) {
  let us = 0;
  for (const t of tasks) us += Math.max(0, Math.min(t.end, to) - Math.max(t.start, from));
  return us / 1000;
}

/** The longest task (ms, and its span) that starts inside [from, to]. */
export function longestTask(tasks, from, to) {
  let best = null;
  for (const t of tasks) if (t.start >= from && t.start <= to && (!best || t.end - t.start > best.end - best.start)) best = t;
  return best ? { ms: (best.end - best.start) / 1000, start: best.start, end: best.end } : { ms: 0 };
}

/** Total Blocking Time (ms): the part over 50 ms of every task that starts inside [from, to]. */
export function totalBlockingMs(tasks, from, to) {
  let us = 0;
  for (const t of tasks) if (t.start >= from && t.start <= to) us += Math.max(0, t.end - t.start - LONG_TASK_MS * 1000);
  return us / 1000;
}

/**
 * What the main thread did inside [from, to]: self time (ms) by trace event name, largest first,
 * from the complete events nested in its tasks (`EvaluateScript`, `v8.compile`, `FunctionCall`,
 * `MinorGC`, `ResourceSendRequest`…); time no event inside the task accounts for is `(task itself)`.
 */
export function breakdown(trace, from, to, top = 8) {
  const evs = trace.events
    .filter((e) => e.ph === 'X' && e.pid === trace.mainPid && e.tid === trace.mainTid && e.dur > 0 && e.ts < to && e.ts + e.dur > from)
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const self = new Map();
  const stack = [];
  const clip = (e) => Math.max(0, Math.min(e.ts + e.dur, to) - Math.max(e.ts, from));
  for (const e of evs) {
    while (stack.length && stack[stack.length - 1].ts + stack[stack.length - 1].dur <= e.ts) stack.pop();
    const parent = stack[stack.length - 1];
    const name = TASK_NAMES.has(e.name) ? '(task itself)' : describe(e);
    self.set(name, (self.get(name) ?? 0) + clip(e));
    if (parent) {
      const pname = TASK_NAMES.has(parent.name) ? '(task itself)' : describe(parent);
      self.set(pname, (self.get(pname) ?? 0) - clip(e));
    }
    stack.push(e);
  }
  return [...self.entries()]
    .filter(([, us]) => us > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10 }));
}

/** An event's name, with the script or callback it ran when the trace says so. */
function describe(e) {
  const d = e.args?.data ?? e.args ?? {};
  const url = d.url || d.fileName || '';
  const file = url ? ` ${String(url).split('/').pop().split('?')[0]}` : '';
  const fn = d.functionName ? ` ${d.functionName}` : '';
  return `${e.name}${fn}${file}`;
}

/** Trace timestamp (µs) when the response for the first request whose URL contains `part` finished. */
export function resourceArrivalTs(trace, part) {
  const send = trace.events.find((e) => e.name === 'ResourceSendRequest' && String(e.args?.data?.url ?? '').includes(part));
  if (!send) return undefined;
  const id = send.args.data.requestId;
  const finish = trace.events.find((e) => e.name === 'ResourceFinish' && e.args?.data?.requestId === id);
  const response = trace.events.find((e) => e.name === 'ResourceReceiveResponse' && e.args?.data?.requestId === id);
  return (response ?? finish)?.ts;
}
