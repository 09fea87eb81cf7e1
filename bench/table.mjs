// The bench's table: one row per figure, Outlast and mixpanel-browser side by side, their ratio
// (Outlast ÷ mixpanel-browser: below 1 means Outlast is smaller, faster or loses less), the ratio to
// the floor where there is one (the same work without an SDK), the goal and whether it is met.
// Ratios come from one run, so a busy machine slows both columns alike and the verdict holds.
// The same rows print as text (`npm run bench`) and as Markdown (the bench report).
import { readFileSync } from 'node:fs';

export const mixpanelVersion = () =>
  JSON.parse(readFileSync(new URL('../node_modules/mixpanel-browser/package.json', import.meta.url), 'utf8')).version;

/** The decided byte budgets (the CDN build's ceiling is also checked by the build tests). */
export const BYTES = { cdnCeilingGzip: 18_000, cdnGoalGzip: 15_000, snippetGzip: 1_100 };

/** The decided goals of `track()`: the SDK's own cost per call over the floor, and against mixpanel-browser. */
export const TRACK = { ownUsAt10k: 10, ownUsAt1k: 30, cheaperThanMixpanel: 50, firstCallMs: 1 };

/** Outlast's main-thread loading time at 4× CPU, at most this share of mixpanel-browser's. */
export const SLOW_LOAD_SHARE = 1 / 3;

/** No main-thread task caused by the SDK over this (ms): the long-task threshold. */
export const TASK_MS = 50;

/** 10,000 queued events drained in at most this (ms), unthrottled. */
export const DRAIN_MS = 5_000;

const int = (n) => Math.round(n).toLocaleString('en-US');
const fixed = (n, d = 1) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const num = (x) => typeof x === 'number' && Number.isFinite(x);
const ratio = (a, b) => {
  if (!num(a) || !num(b) || b <= 0) return '–';
  const q = a / b;
  if (q === 0) return '0';
  return q < 0.01 ? q.toPrecision(2) : fixed(q, 2);
};
const ms = (x) => (num(x) ? `${x < 10 ? fixed(x) : int(x)} ms` : 'n/a');
const errText = (x) => (x && x.error ? `error: ${String(x.error).split('\n')[0]}` : null);

/**
 * Every row of a run: `{ section }` headings and `{ measure, outlast, mixpanel, ratio, floor, goal, met }`
 * rows, `met` true, false or null (no goal, or not measured). Tolerates runs of older formats.
 */
export function rowsOf(r) {
  const rows = [];
  const section = (title) => rows.push({ section: title });
  const add = (row) => rows.push({ ratio: '–', floor: '–', goal: 'none set', met: null, ...row });
  const failed = (name, x) => add({ measure: name, outlast: errText(x) ?? 'not measured', mixpanel: '' });

  if (Array.isArray(r.bytes)) {
    section('bytes shipped (gzip -9 / brotli)');
    for (const b of r.bytes) {
      const cell = (v) => (v ? `${int(v.gzip)} / ${v.brotli === undefined ? 'n/a' : int(v.brotli)} B` : 'n/a');
      const row = { measure: `  ${b.name}`, outlast: cell(b.outlast), mixpanel: cell(b.mixpanel) };
      if (b.mixpanel) row.ratio = `${ratio(b.outlast.gzip, b.mixpanel.gzip)} / ${ratio(b.outlast.brotli, b.mixpanel.brotli)}`;
      const g = b.outlast.gzip;
      if (b.name === 'snippet') Object.assign(row, { goal: `≤ ${int(BYTES.snippetGzip)} B gzip`, met: g <= BYTES.snippetGzip });
      if (b.name === 'CDN build') {
        row.goal = `≤ ${int(BYTES.cdnGoalGzip)} B gzip (ceiling ${int(BYTES.cdnCeilingGzip)})`;
        row.met = g <= BYTES.cdnGoalGzip;
        if (!row.met) row.note = g <= BYTES.cdnCeilingGzip ? 'within the ceiling' : 'OVER THE CEILING';
      }
      add(row);
    }
  } else if (r.bytes) failed('bytes', r.bytes);

  if (Array.isArray(r.trackCost)) {
    section('track(): µs per call (median); own = Outlast − floor; floor = build + stringify the same event, no SDK');
    for (const t of r.trackCost) {
      const o = t.outlast;
      const m = t.mixpanel;
      const own = num(o.us) && num(t.floorUs) ? o.us - t.floorUs : undefined;
      const capped = (v) => (v.calls < t.n ? ` (time cap: ${int(v.calls)} calls)` : '');
      const row = {
        measure: `  burst of ${int(t.n)}`,
        outlast: o.failed ?? `${fixed(o.us)} µs${num(own) ? ` (own ${fixed(own)})` : ''}`,
        mixpanel: m.failed ?? `${fixed(m.us)} µs${capped(m)}${m.busyAfter ? ', then busy > 5 s' : ''}`,
        ratio: ratio(o.us, m.us),
        floor: ratio(o.us, t.floorUs),
      };
      let limit;
      if (t.n >= 10_000) limit = TRACK.ownUsAt10k;
      else if (t.n >= 1_000) limit = TRACK.ownUsAt1k;
      if (limit !== undefined) {
        row.goal = `own ≤ ${limit} µs; ≥ ${TRACK.cheaperThanMixpanel}× cheaper`;
        const ownMet = num(own) ? own <= limit : null;
        const cheaper = num(o.us) && num(m.us) ? m.us / o.us >= TRACK.cheaperThanMixpanel : null;
        // met only when both halves were measured; a half that failed is a miss either way
        if (ownMet === false || cheaper === false) row.met = false;
        else row.met = ownMet && cheaper ? true : null;
        const parts = [];
        if (ownMet === false) parts.push(`own ${fixed(own)} µs > ${limit}`);
        if (num(o.us) && num(m.us)) parts.push(`${fixed(m.us / o.us, 0)}× cheaper`);
        else parts.push('mixpanel-browser not measured');
        row.note = parts.join('; ');
      }
      add(row);
    }
    for (const t of r.trackCost)
      if (t.floorUs !== undefined)
        add({ measure: `  floor, burst of ${int(t.n)}`, outlast: `${fixed(t.floorUs)} µs`, mixpanel: '(same page)' });
    const worst = Math.max(...r.trackCost.map((t) => t.outlast.sdkTaskMs ?? 0));
    const worstM = Math.max(...r.trackCost.map((t) => t.mixpanel.sdkTaskMs ?? 0));
    add({
      measure: '  longest task the SDK adds to a burst',
      outlast: ms(worst),
      mixpanel: ms(worstM),
      ratio: ratio(worst, worstM),
      goal: `≤ ${TASK_MS} ms`,
      met: worst <= TASK_MS,
    });
  } else if (r.trackCost) failed('track()', r.trackCost);

  if (r.firstTrack && !r.firstTrack.error) {
    const f = r.firstTrack;
    add({
      measure: '  first track() on a fresh page (median)',
      outlast: f.outlast.failed ?? ms(f.outlast.ms),
      mixpanel: f.mixpanel.failed ?? ms(f.mixpanel.ms),
      ratio: ratio(f.outlast.ms, f.mixpanel.ms),
      goal: `≤ ${TRACK.firstCallMs} ms`,
      met: num(f.outlast.ms) ? f.outlast.ms <= TRACK.firstCallMs : null,
    });
  } else if (r.firstTrack) failed('first track()', r.firstTrack);

  if (r.slowLoad && !r.slowLoad.error) {
    const s = r.slowLoad;
    section(`slow phone (CPU ${s.cpuThrottle}× slower): loading, median of ${s.reps} visits`);
    const o = s.outlast;
    const m = s.mixpanel;
    add({
      measure: '  main thread, script arrival → ready',
      outlast: o.failed ?? ms(o.loadMs),
      mixpanel: m.failed ?? ms(m.loadMs),
      ratio: ratio(o.loadMs, m.loadMs),
      goal: '≤ ⅓ of mixpanel-browser',
      met: num(o.loadMs) && num(m.loadMs) ? o.loadMs <= m.loadMs * SLOW_LOAD_SHARE : null,
    });
    if (num(o.loadCpuMs))
      add({
        measure: '  same window, thread CPU time (unthrottled work, robust to load)',
        outlast: ms(o.loadCpuMs),
        mixpanel: ms(m.loadCpuMs),
        ratio: ratio(o.loadCpuMs, m.loadCpuMs),
        goal: '≤ ⅓ (cross-check)',
        met: num(m.loadCpuMs) ? o.loadCpuMs <= m.loadCpuMs * SLOW_LOAD_SHARE : null,
      });
    const none = s.none?.tbtMs;
    add({
      measure: `  Total Blocking Time (no SDK: ${ms(none)})`,
      outlast: o.failed ?? ms(o.tbtMs),
      mixpanel: m.failed ?? ms(m.tbtMs),
      ratio: ratio(o.tbtMs, m.tbtMs),
      floor: ratio(o.tbtMs, none),
      goal: 'none set (reported)',
    });
    add({
      measure: `  longest task of the page (no SDK: ${ms(s.none?.longestMs)})`,
      outlast: o.failed ?? ms(o.longestMs),
      mixpanel: m.failed ?? ms(m.longestMs),
      ratio: ratio(o.longestMs, m.longestMs),
      floor: ratio(o.longestMs, s.none?.longestMs),
    });
  } else if (r.slowLoad) failed('slow phone loading', r.slowLoad);

  if (Array.isArray(r.load)) {
    section('time until load (median; floor = the same page without an SDK)');
    for (const l of r.load) {
      const cell = (v) =>
        v.never
          ? `never (> ${int(l.capMs)} ms)`
          : `${int(v.ms)} ms (${v.ms >= l.none.ms ? '+' : ''}${fixed(((v.ms - l.none.ms) / l.none.ms) * 100)} %)`;
      const pct = num(l.outlast.ms) && num(l.none.ms) ? ((l.outlast.ms - l.none.ms) / l.none.ms) * 100 : null;
      add({
        measure: `  ${l.name} (no SDK ${l.none.never ? 'never' : int(l.none.ms) + ' ms'})`,
        outlast: cell(l.outlast),
        mixpanel: cell(l.mixpanel),
        ratio: ratio(l.outlast.ms, l.mixpanel.ms),
        floor: ratio(l.outlast.ms, l.none.ms),
        goal: 'within 5 % of no SDK',
        met: pct === null ? null : pct <= 5,
      });
    }
  } else if (r.load) failed('load', r.load);

  for (const key of ['drain', 'drainSlow']) {
    const d = r[key];
    if (!d) continue;
    if (d.error) {
      failed(key, d);
      continue;
    }
    const slow = key === 'drainSlow';
    if (!slow) section(`drain: ${int(d.n)} events queued during 503s, then ingest recovers (cap ${int(d.capMs / 1000)} s)`);
    const cell = (v) => {
      if (!v || v.failed) return v?.failed ?? 'n/a';
      if (v.capped) return `${int(v.delivered)} of ${int(v.queued)} by the cap`;
      return `${fixed(v.ms / 1000)} s${v.queued < d.n ? ` (${int(v.queued)} queued in ${int(d.queueCapMs / 1000)} s)` : ''}`;
    };
    add({
      measure: slow ? `  time to deliver all queued, CPU ${d.cpu}× slower` : '  time to deliver all queued',
      outlast: cell(d.outlast),
      mixpanel: cell(d.mixpanel),
      ratio: ratio(d.outlast?.ms, d.mixpanel?.ms),
      goal: slow ? 'none set (reported)' : `≤ ${DRAIN_MS / 1000} s`,
      met: slow || !d.outlast || d.outlast.failed ? null : num(d.outlast.ms) && d.outlast.ms <= DRAIN_MS && d.outlast.queued >= d.n,
      note: num(d.outlast?.firstMs) ? `first event ${fixed(d.outlast.firstMs / 1000)} s after recovery` : undefined,
    });
    if (slow)
      add({
        measure: `  sending: longest main-thread task while draining, CPU ${d.cpu}×`,
        outlast: d.outlast?.failed ?? ms(d.outlast?.longestTaskMs),
        mixpanel: d.mixpanel?.failed ?? ms(d.mixpanel?.longestTaskMs),
        ratio: ratio(d.outlast?.longestTaskMs, d.mixpanel?.longestTaskMs),
        goal: `none over ${TASK_MS} ms`,
        met: num(d.outlast?.longestTaskMs) ? d.outlast.longestTaskMs <= TASK_MS : null,
        note: num(d.outlast?.longTasks)
          ? `${d.outlast.longTasks} tasks over ${TASK_MS} ms; mixpanel-browser ${d.mixpanel?.longTasks ?? 'n/a'}`
          : undefined,
      });
  }

  if (r.sendPath && !r.sendPath.error) {
    const p = r.sendPath;
    section(`sending probe, no SDK: ${p.batches} batches of ${p.eventsPerBatch} events posted by fetch() at ${p.cpuThrottle}× CPU`);
    const cell = (v) => v.failed ?? `longest task ${ms(v.longestTaskMs)} · main thread ${ms(v.busyMs)}`;
    add({ measure: "  fetch() on the page's thread", outlast: cell(p.page), mixpanel: '(no SDK)' });
    add({
      measure: '  fetch() in a dedicated Worker',
      outlast: cell(p.worker),
      mixpanel: '(no SDK)',
      floor: ratio(p.worker.longestTaskMs, p.page.longestTaskMs),
      note: 'O ÷ floor here: Worker ÷ page, longest task',
    });
  } else if (r.sendPath) failed('sending probe', r.sendPath);

  if (r.durability && !r.durability.error) {
    section(`durability: events lost of ${r.durability.events} (SIGKILL during 503s, restart, ingest back)`);
    const cell = (v) => (v.failed ? v.failed : String(v.lost));
    for (const k of r.durability.rows)
      add({
        measure: `  kill ${int(k.killAfterMs)} ms after track()`,
        outlast: cell(k.outlast),
        mixpanel: cell(k.mixpanel),
        ratio: ratio(k.outlast.lost, k.mixpanel.lost),
        goal: k.killAfterMs >= 200 ? 'none lost' : 'none set (reported)',
        met: k.killAfterMs >= 200 && num(k.outlast.lost) ? k.outlast.lost === 0 : null,
      });
  } else if (r.durability) failed('durability', r.durability);

  if (r.memory && !r.memory.error) {
    const m = r.memory;
    section(`memory: JS heap growth with ${int(m.n)} events queued during 503s (after GC)`);
    const cell = (v) =>
      v.failed
        ? v.failed
        : `${fixed(v.growthBytes / 2 ** 20)} MiB${v.tracked < m.n ? ` (${int(v.tracked)} tracked in ${int(m.queueCapMs / 1000)} s)` : ''}${v.dropped ? `, ${int(v.dropped)} dropped` : ''}`;
    add({
      measure: '  heap growth',
      outlast: cell(m.outlast),
      mixpanel: cell(m.mixpanel),
      ratio: ratio(m.outlast.growthBytes, m.mixpanel.growthBytes),
      goal: '< 10 MB',
      met: m.outlast.failed ? null : m.outlast.growthBytes < 10e6 && m.outlast.tracked >= m.n,
    });
  } else if (r.memory) failed('memory', r.memory);

  if (Array.isArray(r.delivery) && r.delivery.length) {
    section('delivered / tracked / raw received, per scenario (raw − delivered = duplicates)');
    const scenarios = [...new Set(r.delivery.map((d) => d.scenario))];
    for (const name of scenarios) {
      const of = (sdk) => r.delivery.find((d) => d.scenario === name && d.sdk === sdk);
      const cell = (d) => (d ? `${int(d.delivered)} / ${int(d.tracked)} / ${int(d.raw)}` : 'n/a');
      const o = of('outlast');
      const m = of('mixpanel');
      const keeps = KEEPS_STORAGE.has(name);
      const dup = o ? o.raw - o.delivered : null;
      const lost = o ? o.tracked - o.delivered : null;
      add({
        measure: `  ${name}`,
        outlast: cell(o),
        mixpanel: cell(m),
        ratio: o && m && o.tracked && m.tracked ? ratio(1 - o.delivered / o.tracked, 1 - m.delivered / m.tracked) : '–',
        goal: keeps ? 'none lost, no duplicate' : 'no duplicate',
        met: o ? dup === 0 && (!keeps || lost === 0) : null,
        note: keeps ? undefined : 'pages close with their storage: not a loss measure',
      });
    }
  }
  return rows;
}

/**
 * Scenarios whose storage survives until ingest is back, where every tracked event must arrive.
 * The others close each page (and its browser context, storage included) soon after measuring.
 */
const KEEPS_STORAGE = new Set(['drain', 'drain (4× CPU)', 'durability (SIGKILL, restart)']);

/** A row's name without the figures some names carry (`(no SDK 400 ms)`), the same from run to run. */
export const keyOf = (measure) => measure.replace(/\s*\((no SDK|median)[^)]*\)\s*$/, '').trim();

/** `[{ measure, goal, met }]` of the rows that have a goal. */
export function goalsOf(rows) {
  return rows.filter((x) => !x.section && x.met !== null && x.met !== undefined);
}

/**
 * What stands in the way of each missed goal, from what the run measured: what the main thread
 * spent the time on (trace events by self time), per row. `[measure, text]`.
 */
export function obstacles(r, rows) {
  const out = [];
  const spent = (list) => (list ?? []).map((x) => `${x.name} ${fixed(x.ms)} ms`).join(', ');
  for (const row of goalsOf(rows).filter((x) => x.met === false)) {
    const m = row.measure.trim();
    if (m.startsWith('main thread, script arrival') && r.slowLoad?.outlast?.spent)
      out.push([m, `Outlast's median visit spent ${spent(r.slowLoad.outlast.spent)}`]);
    else if (m.startsWith('sending:') && r.drainSlow?.outlast?.longestSpent) {
      const d = r.drainSlow.outlast;
      const kinds = Object.entries(d.longTaskKinds ?? {})
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${n} × ${k}`)
        .join(', ');
      const p = r.sendPath;
      const probe =
        p && !p.error && !p.page.failed && !p.worker.failed
          ? `; the probe's batches by fetch() took a ${ms(p.page.longestTaskMs)} task on the page's thread, ${ms(p.worker.longestTaskMs)} from a Worker`
          : '';
      out.push([
        m,
        `the longest task spent ${spent(d.longestSpent)}; the ${d.longTasks} tasks over ${TASK_MS} ms, by their largest part: ${kinds}; main thread busy ${ms(d.busyMs)} of the drain's ${num(d.ms) ? `${fixed(d.ms / 1000)} s` : 'time until the cap'}${probe}`,
      ]);
    } else if (m.startsWith('time to deliver') && r.drain?.outlast?.firstMs !== undefined) {
      const d = r.drain.outlast;
      const q = d.requests;
      const requests = q
        ? `; ${int(q.accepted)} requests of ${int(q.eventsPerRequest)} events (${fixed(q.bytesPerRequest / 1024)} KiB) arrived a median ${ms(q.medianGapMs)} apart`
        : '';
      out.push([
        m,
        `first event ${fixed(d.firstMs / 1000)} s after recovery, ${num(d.ms) ? `the rest in ${fixed((d.ms - d.firstMs) / 1000)} s` : `${int(d.delivered)} of ${int(d.queued)} by the cap`}${requests}`,
      ]);
    } else out.push([m, row.note ?? `${row.outlast} against ${row.goal}`]);
  }
  return out;
}

const metText = (met) => {
  if (met === null || met === undefined) return '–';
  return met ? 'met' : 'MISS';
};

/** The header lines of a run: when, on what, and how busy the machine was. */
export function headerOf(r) {
  const m = r.machine;
  return [
    `Outlast bench${r.quick ? ' (--quick)' : ''}, ${r.date}`,
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; load average ${m.loadAverage.join(' ')} at start${m.loadAverageEnd ? `, ${m.loadAverageEnd.join(' ')} at the end` : ''}; Chromium ${m.chromium}; Node ${m.node}`,
    `Reference: 1,000,000 JSON.stringify({ a: i }) in this Chromium took ${m.referenceMs === undefined ? 'n/a' : int(m.referenceMs) + ' ms'} (scale the timings by it).`,
    'Outlast config: defaults with api_host = [primary, alternate]; drain only: retry_backoff_base_ms 100, retry_backoff_max_ms 1000.',
    'mixpanel-browser config: defaults with api_host = primary (it takes one host).',
  ];
}

const HEAD = () => ['measure', 'Outlast', `mixpanel-browser ${mixpanelVersion()}`, 'O ÷ M', 'O ÷ floor', 'goal', 'met'];
const cells = (x) => [x.measure, x.outlast, x.mixpanel, x.ratio, x.floor, x.goal, `${metText(x.met)}${x.note ? ` (${x.note})` : ''}`];

/** Text of the whole report, as `npm run bench` prints it. */
export function formatTable(r) {
  const rows = rowsOf(r);
  const head = HEAD();
  const body = rows.filter((x) => !x.section).map(cells);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((x) => String(x[i]).length)));
  const line = (cs) =>
    cs
      .map((c, i) => String(c).padEnd(widths[i]))
      .join(' | ')
      .trimEnd();
  const goals = goalsOf(rows);
  return [
    ...headerOf(r),
    '',
    line(head),
    widths.map((w) => '-'.repeat(w)).join('-|-'),
    ...rows.map((x) => (x.section ? x.section : line(cells(x)))),
    '',
    `Goals: ${goals.filter((g) => g.met).length} met, ${goals.filter((g) => !g.met).length} missed.`,
    ...obstacles(r, rows).map(([m, why]) => `  MISS  ${m}: ${why}`),
    '',
    `O ÷ M = Outlast ÷ mixpanel-browser, O ÷ floor = Outlast ÷ the same work without an SDK, both from this run. Took ${r.durationS} s.`,
  ].join('\n');
}

/** The same table in Markdown. */
export function markdownTable(r) {
  const esc = (c) => String(c).replace(/\|/g, '\\|');
  const out = [
    `| ${HEAD().join(' | ')} |`,
    `| ${HEAD()
      .map(() => '---')
      .join(' | ')} |`,
  ];
  for (const x of rowsOf(r))
    out.push(
      x.section
        ? `| **${esc(x.section)}** |||||||`
        : `| ${cells(x)
            .map((c) => esc(String(c).trim()))
            .join(' | ')} |`,
    );
  return out.join('\n');
}
