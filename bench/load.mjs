// Time until the page's `load` event while the script host hangs, and while every API host hangs,
// each against the same page without any SDK. The page has a 300 ms image so `load` has some
// weight. Outlast loads through its snippet, mixpanel-browser through its own (both official).
import { hostConfig, median, sdkHtml, sleep } from './pages.mjs';
import { closePage } from './browser.mjs';

/** The image that gives `load` its weight: a page's usual slow resource. */
const BODY = '<img src="/slow.gif?ms=300" alt="">';

/** `loadEventStart` of one fresh visit, or null when `load` had not fired by `capMs`. */
async function loadTime(env, url, capMs) {
  const page = await env.browser.newPage();
  try {
    await page.goto(url, { waitUntil: 'commit' });
    const done = page
      .waitForFunction(() => performance.getEntriesByType('navigation')[0]?.loadEventEnd > 0, undefined, { timeout: capMs, polling: 10 })
      .then(() => page.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventStart))
      .catch(() => null);
    return await done;
  } finally {
    await closePage(page);
  }
}

/** Per scenario: median `load` per SDK and for the page without one. */
export async function measureLoad(env) {
  const capMs = env.quick ? 5_000 : 10_000;
  // seven visits each: on a shared 2-core machine the page without an SDK alone varied by ±8 % over five
  const reps = env.quick ? 2 : 7;
  const scenarios = [
    { name: 'script host hanging', script: 'hang', api: 'ok' },
    { name: 'API hosts hanging', script: 'ok', api: 'hang' },
  ];
  const out = [];
  for (const s of scenarios) {
    await env.collector.setMode('script', s.script);
    await env.setApi(s.api);
    const row = { name: s.name, capMs };
    const urls = {};
    const times = {};
    const tokens = {};
    for (const sdk of ['none', ...env.sdks]) {
      const token = `load-${sdk}-${s.api}-${Date.now()}`;
      const html = sdkHtml({
        sdk,
        token,
        snippet: true,
        libUrl: `${env.scriptUrl}/${sdk}.min.js`,
        config: hostConfig(sdk, env.apiHosts),
        script: sdk === 'none' ? '' : "mixpanel.track('page opened', { plan: 'pro' });",
        body: BODY,
      });
      urls[sdk] = env.site.page(`/load/${token}`, html);
      tokens[sdk] = token;
      times[sdk] = [];
    }
    // round robin, so that a machine growing busier or quieter weighs on every column alike
    for (let i = 0; i < reps; i++) {
      for (const sdk of Object.keys(urls)) {
        if (times[sdk] === null) continue; // `load` never fired: one wait is enough to say so
        const t = await loadTime(env, urls[sdk], capMs);
        if (sdk !== 'none') env.tally.add(`load, ${s.name}`, sdk, tokens[sdk], 1);
        if (t === null) times[sdk] = null;
        else times[sdk].push(t);
      }
    }
    for (const sdk of Object.keys(urls)) row[sdk] = times[sdk] ? { ms: median(times[sdk]), runs: times[sdk].length } : { never: true };
    out.push(row);
  }
  await env.collector.setMode('script', 'ok');
  await env.setApi('ok');
  await sleep(100);
  return out;
}
