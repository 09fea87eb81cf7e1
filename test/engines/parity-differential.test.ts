// The differential test of Outlast against mixpanel-browser 2.83: the same visitor journeys run once
// through mixpanel-browser's own browser build and once through Outlast's CDN build, in the same
// browser, against the local collector (one ingest host for each library), and every item the
// collector accepted (/track, /engage, /groups) and every request's shape is compared field by field,
// with ids and timestamps normalised. The differences that remain must be exactly the allow-list
// below, each with its reason: a deliberate difference, or a `KNOWN BUG:` the test documents.
//
// Some journeys use two tabs of one visitor (opt-out in one tab, reset and register in one tab while
// the other identifies): both libraries keep the visitor in storage that every tab of the site shares.
//
// Every engine but Firefox (see `firefoxSkipped`): the campaign and subdomain journeys use other host
// names (`www.google.localhost`, `www.shop.localhost`, `app.shop.localhost`), which Chromium resolves
// to the loopback address by itself; the other engines' drivers here have no host-resolver rules to
// make such names reach the site, so there they run only the journeys on one host name.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../examples/collector/collector.mjs';
import { sleep, waitFor } from '../support/fixtures';
import { useEngineScenario, type EngineHarness } from '../support/engines/harness';
import type { Tab } from '../support/engines/types';
import { FAST_CONFIG } from '../support/sdk-page';
import { pageHtml } from '../support/site';

/** mixpanel-browser's UMD build: it defines `window.mixpanel` without the snippet. */
const MIXPANEL_BROWSER = readFileSync(
  fileURLToPath(new URL('../../node_modules/mixpanel-browser/dist/mixpanel.umd.js', import.meta.url)),
  'utf8',
);

let h: EngineHarness;
const open = useEngineScenario((harness) => (h = harness), { hosts: ['ref', 'out'] });
const chromium = process.env.OUTLAST_ENGINE === undefined || process.env.OUTLAST_ENGINE === 'chromium';

beforeAll(() => {
  h.site.page('/vendor/mixpanel-browser.js', MIXPANEL_BROWSER, 'text/javascript; charset=utf-8');
});

/** The two runs of a journey: `ref` is mixpanel-browser, `out` is Outlast. */
type Lib = 'ref' | 'out';
const LIBS: readonly Lib[] = ['ref', 'out'];
const LIB_NAME: Record<Lib, string> = { ref: 'mixpanel-browser', out: 'outlast' };

/** Options both libraries get, besides each one's delays and host. */
const SHARED_CONFIG = { debug: false, track_pageview: false };

/**
 * mixpanel-browser's configuration: batches (so its requests go through the same kind of queue),
 * flushed every 100 ms, form-encoded POST bodies over XHR as Outlast sends them.
 */
const referenceConfig = (apiHost: string) => ({
  ...SHARED_CONFIG,
  api_host: apiHost,
  batch_requests: true,
  batch_flush_interval_ms: 100,
  api_transport: 'XHR',
  api_method: 'POST',
});

/** Outlast's configuration: the fast delays of every browser scenario. */
const outlastConfig = (apiHost: string) => ({ ...SHARED_CONFIG, ...FAST_CONFIG, api_host: apiHost });

/** What a journey page needs: its init options (JSON, plus `configCode`, a JS object expression for functions), its body and its script. */
interface PageSpec {
  config?: Record<string, unknown>;
  configCode?: string;
  body?: string;
  script?: string;
  head?: string;
  /** The library the page loads (default: the run's); its requests still go to the run's host. */
  library?: Lib;
}

/** One journey's names in one run: the token and the folder its pages live in. */
interface Run {
  lib: Lib;
  journey: string;
  token: string;
  /** `/<lib>/<journey>`, the folder of the run's pages. */
  dir: string;
}

/**
 * The attempt of the test: a retry runs every journey under new tokens, since a journey's stored
 * visitor (cookie, localStorage, opt-out choice) is keyed by the token and would otherwise carry the
 * failed attempt's identity into the retry.
 */
let attempt = 0;
const runOf = (lib: Lib, journey: string): Run => ({ lib, journey, token: `diff${attempt}-${journey}-${lib}`, dir: `/${lib}/${journey}` });

/** Registers a page of `run` at `<dir>/<file>` that loads the run's library and inits it; returns its URL. */
function libPage(run: Run, file: string, spec: PageSpec = {}): string {
  const apiHost = h.collector.urls[run.lib]!;
  const library = spec.library ?? run.lib;
  const base = library === 'ref' ? referenceConfig(apiHost) : outlastConfig(apiHost);
  const src = library === 'ref' ? '/vendor/mixpanel-browser.js' : '/dist/mixpanel.min.js';
  const config = `Object.assign(${JSON.stringify({ ...base, ...spec.config })}, ${spec.configCode ?? '{}'})`;
  return h.site.page(
    `${run.dir}/${file}`,
    pageHtml({
      head: `${spec.head ?? ''}<script src="${src}"></script>`,
      body: spec.body,
      script: `mixpanel.init(${JSON.stringify(run.token)}, ${config});\n${spec.script ?? ''}`,
    }),
  );
}

/** A journey: what a visitor does, written once and run with each library. */
interface Journey {
  name: string;
  /** Whether the journey visits other host names of the test site (`*.localhost`): Chromium only. */
  hosts?: boolean;
  /**
   * Drives one tab through the journey (and any more it opens with `open()`); resolves when the
   * visitor is done, with the tab whose library is asked whether everything left (default: `tab`).
   */
  run(tab: Tab, run: Run): Promise<Tab | void>;
}

type Json = unknown;

/** JSON with every object's keys sorted: the same content from either library gives the same text. */
const sortedJson = (value: Json): string =>
  JSON.stringify(value, (_key, v: Json) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, Json>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );

/**
 * The collector's accepted items of one run, first copy of each, in arrival order. A profile update
 * has no id of its own in mixpanel-browser, and Outlast's carry `$time`: updates are told apart by
 * their content but `$time`, in both runs, so that mixpanel-browser's equal updates sent on two
 * pages (the first referrer's `$set_once` on each page, MixpanelLib._loaded) or twice by two tabs
 * (both flush the batch queue they share) count as Outlast's do.
 */
function itemsOf(run: Run): StoredEvent[] {
  const seen = new Set<string>();
  const firstCopy = (e: StoredEvent): boolean => {
    if (e.endpoint === 'track') return !e.duplicate;
    const { $time: _time, ...content } = e.data;
    const key = `${e.endpoint} ${sortedJson(content)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  return h.collector.events({ host: run.lib }).filter((e) => {
    const token = e.endpoint === 'track' ? (e.data.properties as Record<string, Json> | undefined)?.token : e.data.$token;
    return token === run.token && firstCopy(e);
  });
}

/**
 * Whether the run's library has nothing left to send: mixpanel-browser's batch queues
 * (`__mpq_<token>_ev`, `_pp`, `_gr` in localStorage) hold nothing it will send, Outlast's delivery state has
 * nothing queued or in flight.
 */
async function idle(tab: Tab, run: Run, library?: Lib): Promise<boolean> {
  // by default, the library the tab's page loaded: a journey may end on a page of the other one
  library ??=
    (await tab.evaluate(() => typeof (window as unknown as { mixpanel: { get_delivery_state?: unknown } }).mixpanel.get_delivery_state)) ===
    'function'
      ? 'out'
      : 'ref';
  if (library === 'out') {
    return tab.evaluate(async () => {
      const mp = (window as unknown as { mixpanel: { get_delivery_state(): Promise<{ queued: number; in_flight: number }> } }).mixpanel;
      const state = await mp.get_delivery_state();
      return state.queued === 0 && state.in_flight === 0;
    });
  }
  return tab.evaluate((token: string) => {
    type Hook = (payload: unknown) => unknown;
    const mp = (window as unknown as { mixpanel: { get_config(name: string): Record<string, Hook> | undefined } }).mixpanel;
    const dropEvents = mp.get_config('hooks')?.before_send_events;
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i)!;
      if (!key.startsWith(`__mpq_${token}`)) continue;
      const queue = JSON.parse(localStorage.getItem(key) ?? '[]') as unknown;
      if (!Array.isArray(queue)) continue;
      // a batch that the hook drops whole stays in mixpanel-browser's queue (RequestBatcher.flush
      // returns before removing it): such an item is never sent, so it is not waited for
      const pending = queue.filter(
        (item: { payload: unknown }) =>
          !(key.endsWith('_ev') && typeof dropEvents === 'function' && !dropEvents(JSON.parse(JSON.stringify(item.payload)))),
      );
      if (pending.length > 0) return false;
    }
    return true;
  }, run.token);
}

/** Waits until both runs have sent something, have nothing left to send, and the collector has heard nothing more for a while. */
async function settle(runs: Array<{ run: Run; tab: Tab }>, quietMs = 400, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  let since = Date.now();
  for (;;) {
    const counts = runs.map((r) => itemsOf(r.run).length);
    const key = counts.join(',');
    if (key !== last) {
      last = key;
      since = Date.now();
    } else if (counts.every((c) => c > 0) && Date.now() - since >= quietMs) {
      const done = await Promise.all(runs.map((r) => idle(r.tab, r.run).catch(() => false)));
      if (done.every(Boolean)) return;
    }
    if (Date.now() > deadline) {
      const states = await Promise.all(
        runs.map(async (r) => `${r.run.token} at ${await r.tab.url()}: ${await idle(r.tab, r.run).catch(String)}`),
      );
      throw new Error(`settle: still changing or empty after ${timeoutMs} ms (items ${key}; idle ${states.join(', ')})`);
    }
    await sleep(100);
  }
}

/** The operations of a profile update, e.g. `$set`, `$add`. */
const PROFILE_OPERATIONS = ['$set', '$set_once', '$add', '$append', '$union', '$remove', '$unset', '$delete'];

/**
 * How an item is paired with its counterpart: the endpoint, then the event's name or the profile
 * operations with the names they touch (the libraries may send profile updates in another order,
 * or one more of them); with the item's rank among items of that kind.
 */
function kindOf(e: StoredEvent): string {
  if (e.endpoint === 'track') return `track ${String(e.data.event)}`;
  const ops = Object.keys(e.data)
    .filter((k) => PROFILE_OPERATIONS.includes(k))
    .sort()
    .map((op) => {
      const value = e.data[op];
      const names = value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value).sort() : [];
      return `${op}{${names.join(',')}}`;
    });
  const group = e.endpoint === 'groups' ? ` ${String(e.data.$group_key)}=${String(e.data.$group_id)}` : '';
  return `${e.endpoint} ${ops.join('+')}${group}`;
}

/** A shape for ids whose value is random: what kind of string it is, never the value. */
function idShape(value: Json): string {
  if (typeof value !== 'string' || value === '') return `<${JSON.stringify(value)}>`;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value)) return '<uuid>';
  return `<${value.replace(/[0-9a-f]/g, 'x').replace(/[g-z]/g, 'a')}>`;
}

/**
 * `time` as its unit: seconds or milliseconds. Whether seconds have a fraction is not compared:
 * both libraries send milliseconds / 1000, which is whole once in a thousand events.
 */
function timeShape(value: Json): string {
  if (typeof value !== 'number') return `<${JSON.stringify(value)}>`;
  return value > 1e11 ? '<ms>' : '<seconds>';
}

/** The fields of one item, flattened one level (`properties.x`, `$set.x`), normalised for comparison. */
function fieldsOf(e: StoredEvent, run: Run, deviceIds: Set<string>): Map<string, string> {
  const fields = new Map<string, string>();
  const text = (value: Json): string => {
    let s = JSON.stringify(value) ?? 'undefined';
    s = s.split(run.token).join('TOKEN').split(`/${run.lib}/`).join('/LIB/');
    for (const id of deviceIds) s = s.split(id).join('DEVICE');
    return s;
  };
  const put = (name: string, value: Json) => {
    const leaf = name.slice(name.lastIndexOf('.') + 1);
    if (leaf === '$insert_id') fields.set(name, typeof value === 'string' && value !== '' ? '<insert_id>' : text(value));
    else if (leaf === 'time' || leaf === '$time' || leaf === '$mp_api_timestamp_ms') fields.set(name, timeShape(value));
    else if (leaf === '$device_id') fields.set(name, idShape(value));
    else fields.set(name, text(value));
  };
  for (const [key, value] of Object.entries(e.data)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [inner, v] of Object.entries(value as Record<string, Json>)) put(`${key}.${inner}`, v);
    } else put(key, value);
  }
  return fields;
}

/** Every device id a run's items carry, so that ids built on them (`$device:<id>`) compare equal. */
function deviceIdsOf(items: StoredEvent[]): Set<string> {
  const ids = new Set<string>();
  for (const e of items) {
    const props = (e.data.properties ?? {}) as Record<string, Json>;
    for (const v of [props.$device_id, e.data.$device_id]) if (typeof v === 'string' && v !== '') ids.add(v);
  }
  return ids;
}

/** When a track event was made (its `time`, in ms), so that events of one name rank in the order they were tracked, whatever batch carried them. */
const trackedAt = (e: StoredEvent): number => {
  const time = (e.data.properties as Record<string, Json> | undefined)?.time;
  if (typeof time !== 'number') return 0;
  return time > 1e11 ? time : time * 1000;
};

/** A run's items keyed `<kind> #<rank>`; track events ranked by their time, profile updates by content. */
function keyedItems(run: Run): Map<string, Map<string, string>> {
  const items = itemsOf(run);
  const tracked = items.filter((e) => e.endpoint === 'track').sort((a, b) => trackedAt(a) - trackedAt(b));
  // Profile updates carry no time in mixpanel-browser, and the order it flushes its queues in varies:
  // they rank by their operations' content, so that equal updates pair up.
  const updates = items
    .filter((e) => e.endpoint !== 'track')
    .map((e) => ({ e, content: JSON.stringify(PROFILE_OPERATIONS.map((op) => e.data[op] ?? null)) }))
    .sort((a, b) => (a.content < b.content ? -1 : Number(a.content > b.content)))
    .map((u) => u.e);
  const devices = deviceIdsOf(items);
  const ranks = new Map<string, number>();
  const keyed = new Map<string, Map<string, string>>();
  const distinctId = (e: StoredEvent | undefined) => (e?.data.properties as Record<string, Json> | undefined)?.distinct_id;
  for (const e of [...tracked, ...updates]) {
    const kind = kindOf(e);
    const rank = (ranks.get(kind) ?? 0) + 1;
    ranks.set(kind, rank);
    const fields = fieldsOf(e, run, devices);
    // ids are normalised away, so whether an event belongs to the visitor of the run's first event is compared on its own
    if (e.endpoint === 'track') fields.set('(same distinct_id as the first event)', String(distinctId(e) === distinctId(tracked[0])));
    keyed.set(`${kind} #${rank}`, fields);
  }
  return keyed;
}

/** The requests of a run, as shapes: method, endpoint path, query (the cache-buster's value hidden), content type, transport. */
function requestShapes(lib: Lib, since: number): Set<string> {
  const shapes = new Set<string>();
  for (const r of h.collector.requests(since)) {
    // Unload requests are left out: whether mixpanel-browser needs one depends on how far its last
    // flush got before the page went away, and Outlast's unload path differs on purpose (keepalive
    // fetch, form-encoded, without credentials: see delivery/wire.ts). Their items are compared all the same.
    if (r.host !== lib || r.method === 'OPTIONS' || r.transport === 'beacon') continue;
    const query = new URLSearchParams(r.query);
    if (query.has('_')) query.set('_', 'TS');
    query.sort();
    shapes.add(`${r.method} ${r.path}?${query.toString()} ${r.contentType || '(no type)'} ${r.transport}`);
  }
  return shapes;
}

/** What comparing one journey found. */
interface Comparison {
  compared: number;
  matched: number;
  /** One line per difference: `<journey> | <item> | <field>: mixpanel-browser=<v> outlast=<v>`. */
  differences: string[];
}

function compare(journey: string, since: Record<Lib, number>): Comparison {
  const [ref, out] = LIBS.map((lib) => keyedItems(runOf(lib, journey)));
  const result: Comparison = { compared: 0, matched: 0, differences: [] };
  const note = (item: string, field: string, a: string | undefined, b: string | undefined) => {
    result.compared++;
    if (a === b) result.matched++;
    else result.differences.push(`${journey} | ${item} | ${field}: ${LIB_NAME.ref}=${a ?? '(absent)'} ${LIB_NAME.out}=${b ?? '(absent)'}`);
  };
  for (const item of new Set([...ref!.keys(), ...out!.keys()])) {
    const a = ref!.get(item);
    const b = out!.get(item);
    if (!a || !b) {
      note(item, '(item)', a ? 'sent' : undefined, b ? 'sent' : undefined);
      continue;
    }
    for (const field of new Set([...a.keys(), ...b.keys()])) note(item, field, a.get(field), b.get(field));
  }
  const [refShapes, outShapes] = LIBS.map((lib) => requestShapes(lib, since[lib]));
  for (const shape of new Set([...refShapes!, ...outShapes!])) {
    const endpoint = /\/(track|engage|groups)\/?\?/.exec(shape)?.[1] ?? '?';
    note(`request ${endpoint}`, shape, refShapes!.has(shape) ? 'sent' : undefined, outShapes!.has(shape) ? 'sent' : undefined);
  }
  return result;
}

/** A difference the test expects, with why it is there. */
interface AllowedDifference {
  /** Matches whole difference lines (`<journey> | <item> | <field>: mixpanel-browser=<v> outlast=<v>`). */
  lines: RegExp;
  reason: string;
  /** Where the difference is not certain to occur (it depends on timing): the engines it may occur in. */
  mayOccurIn?: string[];
}

/**
 * Every difference between the two libraries' requests in these journeys. A deliberate difference
 * says why Outlast differs; `KNOWN BUG:` entries are Outlast behaviour that issue 14 asks to
 * change, kept here so that the test documents them and fails once they are fixed (then the entry goes).
 */
const ALLOWED: AllowedDifference[] = [
  {
    lines: /^[\w-]+ \| track .+ \| properties\.mp_loader: mixpanel-browser=\(absent\) outlast="outlast\/[^"]+"$/,
    reason:
      'Outlast names itself in mp_loader ("outlast/<version>"), so reports can tell its events apart; mp_lib and $lib_version stay "web" and "2.83.0", so existing filters and breakdowns keep their meaning (src/constants.ts).',
  },
  {
    lines: /^[\w-]+ \| track .+ \| properties\.mp_sent_by_lib_version: mixpanel-browser="2\.83\.0" outlast=\(absent\)$/,
    reason:
      "mixpanel-browser's batcher stamps the release that sent a queued event (RequestBatcher.flush); Outlast is not a mixpanel-browser release, and its own version is in mp_loader.",
  },
  {
    lines: /^[\w-]+ \| engage .+ \| \$time: mixpanel-browser=\(absent\) outlast=<ms>$/,
    reason:
      'Outlast stamps each profile update with the moment it was made ($time, ms): an update queued through an outage arrives late, and $time tells Mixpanel when it was made.',
  },
  {
    lines: /^links \| track (Clicked link|Signed up) #1 \| \(item\): mixpanel-browser=\(absent\) outlast=sent$/,
    reason:
      "mixpanel-browser holds a tracked link's or form's navigation for track_links_timeout (300 ms) and sends the event then; Firefox and WebKit may cancel that request as the next page loads, and the event is lost. Outlast never holds the navigation: the event is durable in the outbox when the click handler returns, and the next page or the unload path sends it.",
    mayOccurIn: ['firefox', 'webkit'],
  },
  {
    lines: /^optout[\w-]* \| request track \| POST \/track\/\?_=TS&ip=1 \S+ fetch: mixpanel-browser=sent outlast=\(absent\)$/,
    reason:
      "mixpanel-browser sends the $opt_in event in a request of its own, past its batch queue (opt_in_tracking tracks it with send_immediately, _track_or_batch); Outlast stores it in the outbox like every event, so it waits out an outage instead of being lost. The event's fields are compared all the same.",
  },
];

/** Runs page code as the site's own script would: an inline script element, run as it is added. */
const callMixpanel = (tab: Tab, code: string) =>
  tab.evaluate((c: string) => {
    const script = document.createElement('script');
    script.textContent = c;
    document.body.appendChild(script);
  }, code);

const JOURNEYS: Journey[] = [
  {
    // A visitor clicks an ad on Google's results page and lands with campaign parameters and a click id,
    // then opens a second page of the site without them (mixpanel-browser 2.83: MixpanelLib._init_url_params,
    // _.info.campaignParams, _.info.clickParams, _.info.searchEngine, MixpanelPersistence.update_referrer_info).
    name: 'campaign',
    hosts: true,
    async run(tab, run) {
      const next = libPage(run, 'next.html', { script: "mixpanel.track('Second page');" });
      const landing = libPage(run, 'landing.html', {
        config: { track_pageview: true },
        script: "mixpanel.track('Landed', { cta: 'hero' });",
      });
      const query = 'utm_source=google&utm_medium=cpc&utm_campaign=spring_sale&utm_term=running+shoes&utm_content=ad-1&gclid=gclid-123';
      const search = h.site.page(
        `${run.dir}/search`,
        pageHtml({
          head: '<meta name="referrer" content="unsafe-url">',
          body: `<a id="ad" href="${landing}?${query}">ad</a>`,
        }),
      );
      await tab.goto(search.replace('://127.0.0.1:', '://www.google.localhost:') + '?q=running+shoes&hl=en');
      await tab.evaluate(() => (document.getElementById('ad') as HTMLAnchorElement).click());
      await tab.waitForURL(/landing\.html\?/, 10_000);
      await waitFor(() => itemsOf(run).length >= 2, 10_000);
      await tab.goto(next);
    },
  },
  {
    // A fresh visitor tracks and updates the profile, logs in, does more, gets an alias, then logs out
    // (mixpanel-browser 2.83: MixpanelLib.identify, alias, reset, MixpanelPeople.set/increment).
    name: 'identity',
    async run(tab, run) {
      await tab.goto(libPage(run, 'app.html'));
      await callMixpanel(
        tab,
        [
          "mixpanel.track('Anonymous step', { step: 1 });",
          "mixpanel.people.set({ plan: 'free' });",
          "mixpanel.people.increment('visits');",
          "mixpanel.identify('user-1');",
          "mixpanel.track('Known step', { step: 2 });",
          "mixpanel.people.set({ name: 'Ada' });",
          "mixpanel.people.increment('visits', 2);",
          "mixpanel.people.set_once({ first_seen: '2026-12-01' });",
          "mixpanel.alias('ada@example.com');",
        ].join('\n'),
      );
      // mixpanel-browser identifies as the alias once the `$create_alias` request is answered (MixpanelLib.alias):
      // its `$user_id` is the alias from then on; wait for that before the next steps
      await waitFor(async () => {
        type Lib = { get_property(name: string): unknown };
        const user = await tab.evaluate(() => (window as unknown as { mixpanel: Lib }).mixpanel.get_property('$user_id'));
        if (user !== 'ada@example.com') throw new Error(`${run.token}: $user_id still ${String(user)}`);
        return true;
      }, 10_000);
      await callMixpanel(tab, ["mixpanel.track('After alias');", 'mixpanel.reset();', "mixpanel.track('After reset');"].join('\n'));
    },
  },
  {
    // Group keys on the visitor and on events, and group profile updates on /groups
    // (mixpanel-browser 2.83: MixpanelLib.set_group, add_group, get_group, MixpanelGroup.set/set_once/union).
    name: 'groups',
    async run(tab, run) {
      await tab.goto(libPage(run, 'app.html'));
      await callMixpanel(
        tab,
        [
          "mixpanel.set_group('company', 'acme');",
          "mixpanel.get_group('company', 'acme').set({ plan: 'pro' });",
          "mixpanel.get_group('company', 'acme').set_once({ founded: 2001 });",
          "mixpanel.get_group('company', 'acme').union('regions', ['eu']);",
          "mixpanel.track('With group');",
          "mixpanel.add_group('company', 'globex');",
          "mixpanel.track('With two groups');",
        ].join('\n'),
      );
    },
  },
  {
    // A tracked link that navigates, then a tracked form that navigates
    // (mixpanel-browser 2.83: MixpanelLib.track_links, track_forms, LinkTracker, FormTracker).
    name: 'links',
    async run(tab, run) {
      const done = libPage(run, 'done.html', { script: "mixpanel.track('Done');" });
      const form = libPage(run, 'form.html', {
        body: `<form id="signup" method="get" action="${done}"><input name="plan" value="pro"></form>`,
        script: "mixpanel.track_forms('#signup', 'Signed up', function (f) { return { form: f.id }; });",
      });
      const start = libPage(run, 'start.html', {
        body: `<a id="go" href="${form}">go</a>`,
        script: "mixpanel.track_links('#go', 'Clicked link', { where: 'nav' });",
      });
      await tab.goto(start);
      await tab.evaluate(() => (document.getElementById('go') as HTMLAnchorElement).click());
      await tab.waitForURL(form, 10_000);
      await tab.evaluate(() => (document.getElementById('signup') as HTMLFormElement).requestSubmit());
      await tab.waitForURL(/done\.html\?plan=pro$/, 10_000);
    },
  },
  {
    // A single-page app with page views per path (mixpanel-browser 2.83: Autocapture.initPageviewTracking).
    name: 'spa',
    async run(tab, run) {
      await tab.goto(libPage(run, 'app.html', { config: { track_pageview: 'url-with-path' } }) + '?utm_source=news');
      await tab.evaluate(async (dir: string) => {
        const settleStep = () => new Promise((resolve) => setTimeout(resolve, 150));
        history.pushState({}, '', `${dir}/pricing`);
        await settleStep();
        history.pushState({}, '', `${dir}/pricing?plan=pro`);
        await settleStep();
        history.pushState({}, '', `${dir}/about`);
        await settleStep();
      }, run.dir);
    },
  },
  {
    // Hooks that edit and drop events before they are sent (mixpanel-browser 2.83: MixpanelLib._run_hook,
    // 'before_send_events' in the batcher's queue).
    name: 'hooks',
    async run(tab, run) {
      const hooks = `{ hooks: { before_send_events: function (e) {
        if (e.event === 'Drop me') return null;
        e.properties.edited = true;
        delete e.properties.secret;
        return e;
      } } }`;
      await tab.goto(libPage(run, 'app.html', { configCode: hooks }));
      await callMixpanel(
        tab,
        ["mixpanel.track('Keep me', { secret: 'x', kept: 1 });", "mixpanel.track('Drop me');", "mixpanel.track('Keep me too');"].join('\n'),
      );
    },
  },
];

/** The existing-visitor journey: mixpanel-browser sets the visitor up, then the run's library continues it. */
const MIGRATION: Journey = {
  // A returning visitor of a site that switched libraries: the first page is mixpanel-browser in both
  // runs; the next page is the run's library, which must continue the same visitor with its super
  // properties (mixpanel-browser 2.83: MixpanelPersistence.load, the `mp_<token>_mixpanel` cookie).
  name: 'migrate',
  async run(tab, run) {
    const before = libPage(run, 'before.html', {
      library: 'ref',
      script: "mixpanel.register({ plan: 'pro' });\nmixpanel.track('Before the switch');",
    });
    const after = libPage(run, 'after.html', { script: "mixpanel.track('After the switch');" });
    await tab.goto(before);
    await waitFor(async () => itemsOf(run).length >= 1 && (await idle(tab, run, 'ref')), 10_000);
    await tab.goto(after);
  },
};
JOURNEYS.push(MIGRATION);

/** `url` on another host name of the same test site: `*.localhost` is the loopback address in Chromium. */
const onHost = (url: string, hostname: string) => url.replace('://127.0.0.1:', `://${hostname}:`);

JOURNEYS.push({
  // One site on two subdomains: the visitor of www. is the visitor of app. (mixpanel-browser 2.83: the
  // cookie on the registrable domain, `cross_subdomain_cookie`, _.cookie.set with the extracted domain).
  name: 'subdomains',
  hosts: true,
  async run(tab, run) {
    const www = onHost(libPage(run, 'www.html', { script: "mixpanel.track('On www');" }), 'www.shop.localhost');
    const app = onHost(libPage(run, 'app.html', { script: "mixpanel.track('On app');" }), 'app.shop.localhost');
    await tab.goto(www);
    await waitFor(async () => itemsOf(run).length >= 1 && (await idle(tab, run)), 10_000);
    await tab.goto(app);
  },
});

/** Waits until the run's collector has `n` items and the library in `tab` has nothing left to send; says what it saw if not. */
const delivered = (tab: Tab, run: Run, n: number, library?: Lib) =>
  waitFor(async () => {
    const seen = itemsOf(run).map((i) => String(i.data.event ?? i.endpoint));
    if (seen.length >= n && (await idle(tab, run, library))) return true;
    throw new Error(`${run.token}: ${seen.length} of ${n} items (${seen.join(', ')}), or more to send`);
  }, 10_000);

/**
 * Opt-out in one tab seen by another: tab A opts out, tab B (open since before) then tracks,
 * identifies, sets people properties and registers; B opts back in and tracks, and so does A.
 * mixpanel-browser 2.83 checks the stored choice on every call of `track` and of the people and
 * group methods (gdpr-utils.js `_addOptOutCheck`, which reads `hasOptedOut` each time); `identify`
 * and `register` are not checked and keep writing the visitor (MixpanelLib.identify,
 * MixpanelPersistence.register); A's persistence stays off after its opt-out (set_disabled(true))
 * until A itself opts in again.
 */
const optOutAcrossTabs = (name: string, config: Record<string, unknown>): Journey => ({
  name,
  async run(a, run) {
    const page = libPage(run, 'app.html', { config });
    await a.goto(page);
    await callMixpanel(a, "mixpanel.register({ plan: 'pro' });\nmixpanel.track('A first');");
    await delivered(a, run, 1);
    const b = await open(page);
    await callMixpanel(b, "mixpanel.track('B first');");
    await delivered(b, run, 2);
    await callMixpanel(a, 'mixpanel.opt_out_tracking();');
    // where the choice is kept: `<prefix><token>` = 0 in localStorage (the default) or in a cookie
    const key = `${String(config.opt_out_tracking_cookie_prefix ?? '__mp_opt_in_out_')}${run.token}`;
    const kept = await a.evaluate(
      (k: string) => ({ localStorage: localStorage.getItem(k), cookie: new RegExp(`(^|; )${k}=0(;|$)`).test(document.cookie) }),
      key,
    );
    expect(kept).toEqual(
      (config.opt_out_tracking_persistence_type ?? 'localStorage') === 'localStorage'
        ? { localStorage: '0', cookie: false }
        : { localStorage: null, cookie: true },
    );
    const states = async () => [
      await a.evaluate(() => (window as unknown as { mixpanel: { has_opted_out_tracking(): boolean } }).mixpanel.has_opted_out_tracking()),
      await b.evaluate(() => (window as unknown as { mixpanel: { has_opted_out_tracking(): boolean } }).mixpanel.has_opted_out_tracking()),
    ];
    /**
     * Both libraries read the stored choice on every call, but Chromium hands a localStorage write to
     * the other tabs of the origin asynchronously (each renderer keeps its own copy of the area), so on
     * a loaded machine B can read the old choice for a moment: the journey waits until both tabs read
     * `expected` before going on, as a visitor's next click would come later.
     */
    const bothRead = (expected: boolean) =>
      waitFor(async () => {
        const now = await states();
        if (now.every((s) => s === expected)) return true;
        throw new Error(`${run.token}: has_opted_out_tracking() in A and B is ${now.join(', ')}, not ${expected} in both`);
      }, 5_000);
    await bothRead(true);
    await callMixpanel(
      b,
      [
        "mixpanel.track('B after opt-out');",
        "mixpanel.identify('user-b');",
        "mixpanel.people.set({ name: 'Bea' });",
        "mixpanel.register({ tab: 'b' });",
        "mixpanel.get_group('company', 'acme').set({ plan: 'pro' });",
        "mixpanel.track('B still opted out');",
      ].join('\n'),
    );
    expect(await states()).toEqual([true, true]);
    await callMixpanel(
      b,
      ['mixpanel.opt_in_tracking();', "mixpanel.track('B after opt-in');", 'mixpanel.people.set({ opted_in: true });'].join('\n'),
    );
    await bothRead(false);
    await callMixpanel(a, "mixpanel.track('A after opt-in in B');\nmixpanel.people.set({ from_a: true });");
    await delivered(b, run, 4);
    return b;
  },
});
JOURNEYS.push(
  optOutAcrossTabs('optout-tabs', {}),
  optOutAcrossTabs('optout-cookie-prefix', { opt_out_tracking_persistence_type: 'cookie', opt_out_tracking_cookie_prefix: 'consent_' }),
  // any spelling but 'localStorage' keeps the choice in the cookie (gdpr-utils.js `_getStorage` compares with ===)
  optOutAcrossTabs('optout-type-misspelled', { opt_out_tracking_persistence_type: 'localstorage' }),
);

/**
 * An existing visitor moves between subdomains of a site, one of which switched libraries: the first
 * page (on `first`'s host, with library `firstLib`) identifies and registers, the second (on `second`'s
 * host, with `secondLib`) continues: same distinct_id and super properties where the cookie is shared,
 * a new visitor where it is not (mixpanel-browser 2.83: _.cookie.set with `cross_subdomain_cookie` and
 * `cookie_domain`, MixpanelPersistence.load, MixpanelLib.identify sending `$identify` only for a new id).
 */
const visitorAcrossSubdomains = (name: string, libs: (run: Run) => [Lib, Lib], config: Record<string, unknown> = {}): Journey => ({
  name,
  hosts: true,
  async run(tab, run) {
    const [firstLib, secondLib] = libs(run);
    const first = onHost(
      libPage(run, 'www.html', {
        library: firstLib,
        config,
        script: [
          "mixpanel.register({ plan: 'pro' });",
          "mixpanel.track('On www');",
          "mixpanel.identify('user-7');",
          "mixpanel.people.set({ name: 'Sam' });",
          "mixpanel.track('Logged in on www');",
        ].join('\n'),
      }),
      'www.shop.localhost',
    );
    const second = onHost(
      libPage(run, 'app.html', {
        library: secondLib,
        config,
        script: [
          "mixpanel.track('On app');",
          "mixpanel.register_once({ plan: 'free', first_app_visit: true });",
          "mixpanel.identify('user-7');",
          'mixpanel.people.set({ app: true });',
          "mixpanel.track('Identified on app', { user: mixpanel.get_property('$user_id') || 'none' });",
        ].join('\n'),
      }),
      'app.shop.localhost',
    );
    await tab.goto(first);
    await delivered(tab, run, 4, firstLib);
    // the page's last event by name too: mixpanel-browser's first items can number 4 before it (a
    // `$set_once` of the referrer beside the `$set`), and what it has not sent when the visitor moves
    // to another host stays in that host's localStorage, so under load the reference lost it
    await waitFor(() => itemsOf(run).some((i) => i.data.event === 'Logged in on www') || undefined, 10_000);
    await tab.goto(second);
  },
});
JOURNEYS.push(
  // www. has mixpanel-browser and app. the run's library; then the other way round
  visitorAcrossSubdomains('visitor-mixpanel-then-run', (run) => ['ref', run.lib]),
  visitorAcrossSubdomains('visitor-run-then-mixpanel', (run) => [run.lib, 'ref']),
  visitorAcrossSubdomains('visitor-host-only', (run) => [run.lib, run.lib], { cross_subdomain_cookie: false }),
  visitorAcrossSubdomains('visitor-cookie-domain', (run) => ['ref', run.lib], {
    cross_subdomain_cookie: false,
    cookie_domain: '.shop.localhost',
  }),
);

/**
 * Two tabs of one visitor: A logs in, B is opened, A resets and another user logs in; B then tracks
 * and updates the profile; each tab registers while the other identifies. mixpanel-browser 2.83
 * reads the stored visitor again before every event and every register (MixpanelPersistence.properties,
 * register, load), so no tab writes back a visitor another tab replaced.
 */
JOURNEYS.push({
  name: 'tabs-reset-register',
  async run(a, run) {
    const page = libPage(run, 'app.html');
    await a.goto(page);
    await callMixpanel(a, "mixpanel.identify('user-1');\nmixpanel.track('A as user-1');");
    await delivered(a, run, 2);
    const b = await open(page);
    await callMixpanel(b, "mixpanel.track('B as user-1');");
    await delivered(b, run, 3);
    await callMixpanel(
      a,
      "mixpanel.reset();\nmixpanel.track('A anonymous');\nmixpanel.identify('user-2');\nmixpanel.track('A as user-2');",
    );
    await delivered(a, run, 6);
    await callMixpanel(
      b,
      "mixpanel.track('B after reset in A');\nmixpanel.people.set({ seen_b: true });\nmixpanel.register({ from_b: 1 });",
    );
    await callMixpanel(a, "mixpanel.identify('user-3');\nmixpanel.register({ from_a: 1 });");
    await callMixpanel(b, "mixpanel.register({ from_b: 2 });\nmixpanel.track('B last', { who: mixpanel.get_distinct_id() });");
    await callMixpanel(a, "mixpanel.track('A last', { who: mixpanel.get_distinct_id() });");
  },
});

const TITLE = 'differential: mixpanel-browser 2.83 and Outlast, journey by journey';
const engine = process.env.OUTLAST_ENGINE ?? 'chromium';
/**
 * Firefox runs the journeys with PARITY_FIREFOX=1 only: there mixpanel-browser's batches sometimes
 * reach the collector after its localStorage queue already reads empty, so `settle` moves on too early
 * and their items land in the next journey; a settle that waits on mixpanel-browser's own requests is
 * what it takes.
 */
const firefoxSkipped = engine === 'firefox' && !process.env.PARITY_FIREFOX;
/**
 * WebKit runs them with PARITY_WEBKIT=1 only: they match there as listed when the machine is quiet,
 * but in a full-suite run on the loaded 2-core machine mixpanel-browser's tab B had not read tab A's
 * `register()` from the cookie yet (`from_a` missing from two of its events), a timing of the
 * reference, not a rule.
 */
const webkitSkipped = engine === 'webkit' && !process.env.PARITY_WEBKIT;

describe.skipIf(firefoxSkipped || webkitSkipped)(
  engine === 'chromium' ? TITLE : `${TITLE} (journeys on one host name: the others need *.localhost names only Chromium resolves)`,
  () => {
    // One retry: on the loaded 2-core machine of a full-suite run the reference itself missed once:
    // mixpanel-browser's tab B had not yet read tab A's opt-out cookie and sent 7 requests it does
    // not send otherwise, and it lost one event of the subdomain journey. A second miss fails.
    it('every captured request matches field by field, but for the listed differences', { timeout: 240_000, retry: 1 }, async () => {
      attempt += 1;
      const total: Comparison = { compared: 0, matched: 0, differences: [] };
      // PARITY_JOURNEYS=name,name runs only those journeys (while working on one; the count is then partial)
      const only = process.env.PARITY_JOURNEYS?.split(',');
      for (const journey of JOURNEYS.filter((j) => (!only || only.includes(j.name)) && (chromium || !j.hosts))) {
        const since = { ref: 0, out: 0 };
        const last = h.collector.requests().at(-1)?.seq ?? 0;
        since.ref = last;
        since.out = last;
        const runs = await Promise.all(
          LIBS.map(async (lib) => {
            const run = runOf(lib, journey.name);
            const first = await open();
            const tab = (await journey.run(first, run)) ?? first;
            return { run, tab };
          }),
        );
        await settle(runs);
        const result = compare(journey.name, since);
        total.compared += result.compared;
        total.matched += result.matched;
        total.differences.push(...result.differences);
      }
      const allowed = ALLOWED.filter((a) => !a.mayOccurIn || a.mayOccurIn.includes(engine));
      const unexplained = total.differences.filter((line) => !allowed.some((a) => a.lines.test(line)));
      const report = allowed.map((a) => {
        const lines = total.differences.filter((line) => a.lines.test(line));
        return `${lines.length} × ${a.reason}\n${lines.map((line) => `    ${line}`).join('\n')}`;
      });
      console.log(
        [
          `differential: ${total.matched} of ${total.compared} fields match; ${total.differences.length} differences`,
          ...report,
          `unexplained (${unexplained.length}):`,
          ...unexplained.map((line) => `    ${line}`),
        ].join('\n'),
      );
      expect(unexplained).toEqual([]);
      // every allowed difference still occurs: an entry for a difference that is gone must go too
      if (!only)
        expect(allowed.filter((a) => !a.mayOccurIn && !total.differences.some((line) => a.lines.test(line))).map((a) => a.reason)).toEqual(
          [],
        );
    });
  },
);
