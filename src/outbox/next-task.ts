/**
 * Calls `f` in a later macrotask, so the page gets the main thread in
 * between. A MessageChannel message rather than `setTimeout(f, 0)`: chained
 * timers are clamped to 4 ms and throttled to once a second (or less) in
 * background tabs, messages are not. The port is closed so that Node's event
 * loop is not held open. Where MessageChannel is missing or throws, a timer:
 * buffered records must never wait for a write that cannot be scheduled.
 */
export function nextTask(f: () => void): void {
  try {
    const c = new MessageChannel();
    c.port1.onmessage = () => {
      c.port1.close();
      f();
    };
    c.port2.postMessage(0);
  } catch {
    setTimeout(f);
  }
}
