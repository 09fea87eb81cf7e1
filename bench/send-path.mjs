// A probe for the sending design, with no SDK on the page: at 4× CPU, the same batches (50
// events of the SDKs' shape, URL-encoded as /track takes them) are posted one after another
// with `fetch`, once from the page's own thread and once from a dedicated Worker. The trace says
// what each way costs the page's main thread: the figures behind moving delivery into a Worker.
import { sdkHtml } from './pages.mjs';
import { SLOW_PHONE_CPU, busyMs, longestTask, mainTasks, markTs, throttleCpu, traced } from './trace.mjs';
import { closePage, failure } from './browser.mjs';

const BATCHES = 20;
const EVENTS_PER_BATCH = 50;

/**
 * Page-side source: builds the bodies, then sends them from `where` ('page' or 'worker'),
 * marking `send-start` and `send-end` around the sending.
 */
const PROBE = `
window.probe = function (where, url, batches, perBatch) {
  var bodies = [];
  for (var b = 0; b < batches; b++) {
    var events = [];
    for (var i = 0; i < perBatch; i++)
      events.push({ event: 'probe', properties: { token: 'send-path-' + where, $insert_id: where + '-' + b + '-' + i, time: Date.now() / 1000,
        distinct_id: '$device:0d9f6c1e-7a4b-4c2d-9e8f-123456789abc', $current_url: location.href, $browser: 'Chrome', $os: 'Linux',
        mp_lib: 'web', plan: 'pro', price: 42, tags: ['a', 'b'], source: 'bench', i: i } });
    bodies.push('data=' + encodeURIComponent(JSON.stringify(events)));
  }
  var send = function (body) {
    return fetch(url, { method: 'POST', body: body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, credentials: 'omit', keepalive: false }).then(function (r) { return r.text(); });
  };
  performance.mark('send-start');
  var done;
  if (where === 'page') {
    done = bodies.reduce(function (p, body) { return p.then(function () { return send(body); }); }, Promise.resolve());
  } else {
    var src = 'onmessage = function (e) { var url = e.data.url; e.data.bodies.reduce(function (p, body) { return p.then(function () { return fetch(url, { method: "POST", body: body, headers: { "Content-Type": "application/x-www-form-urlencoded" }, credentials: "omit" }).then(function (r) { return r.text(); }); }); }, Promise.resolve()).then(function () { postMessage("done"); }); };';
    var worker = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
    done = new Promise(function (resolve) { worker.onmessage = resolve; });
    worker.postMessage({ url: url, bodies: bodies });
  }
  return done.then(function () { performance.mark('send-end'); });
};`;

/** One way of sending: the longest main-thread task and the main thread's busy time while sending. */
async function sendFrom(env, where) {
  const page = await env.browser.newPage();
  try {
    await page.goto(env.site.page(`/send-path/${where}-${Date.now()}`, sdkHtml({ sdk: 'none', script: PROBE })));
    await throttleCpu(page, SLOW_PHONE_CPU);
    const url = `${env.apiHosts[0]}/track/?ip=1&verbose=1`;
    const { result, trace } = await traced(env.browser.browser, page, 'send-start', async () => {
      const t0 = Date.now();
      await page.evaluate(([w, u, b, n]) => window.probe(w, u, b, n), [where, url, BATCHES, EVENTS_PER_BATCH]);
      return Date.now() - t0;
    });
    const from = markTs(trace, 'send-start');
    const to = markTs(trace, 'send-end');
    const tasks = mainTasks(trace);
    return { longestTaskMs: longestTask(tasks, from, to).ms, busyMs: busyMs(tasks, from, to), wallMs: result };
  } catch (e) {
    return failure(e);
  } finally {
    await closePage(page);
  }
}

/** `{ page, worker }`, each `{ longestTaskMs, busyMs, wallMs }`, for `BATCHES` batches of `EVENTS_PER_BATCH`. */
export async function measureSendPath(env) {
  const out = { cpuThrottle: SLOW_PHONE_CPU, batches: BATCHES, eventsPerBatch: EVENTS_PER_BATCH };
  for (const where of ['page', 'worker']) out[where] = await sendFrom(env, where);
  return out;
}
