// The printed table: one row per figure, Outlast and mixpanel-browser side by side, and their
// ratio (Outlast ÷ mixpanel-browser: below 1 means Outlast is smaller, faster or loses less).
import { readFileSync } from 'node:fs';

const mixpanelVersion = () =>
  JSON.parse(readFileSync(new URL('../node_modules/mixpanel-browser/package.json', import.meta.url), 'utf8')).version;

const int = (n) => Math.round(n).toLocaleString('en-US');
const fixed = (n, d = 1) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const ratio = (a, b) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? fixed(a / b, 2) : '–');

/** Text of the whole report. */
export function formatTable(r) {
  const rows = [];
  const add = (measure, outlast, mixpanel, q = '–') => rows.push([measure, outlast, mixpanel, q]);
  const section = (title) => rows.push([title]);
  const err = (x) => (x && x.error ? `error: ${x.error.split('\n')[0]}` : null);

  if (r.bytes && !err(r.bytes)) {
    section('bytes (raw / gzip -9)');
    for (const b of r.bytes) {
      const cell = (v) => (v ? `${int(v.raw)} / ${int(v.gzip)} B` : 'n/a');
      add(
        `  ${b.name}`,
        cell(b.outlast),
        cell(b.mixpanel),
        b.mixpanel ? `${ratio(b.outlast.raw, b.mixpanel.raw)} / ${ratio(b.outlast.gzip, b.mixpanel.gzip)}` : '–',
      );
    }
  } else if (r.bytes) add('bytes', err(r.bytes), '', '');

  if (Array.isArray(r.trackCost)) {
    section('track(): µs per call (median) · longest SDK task');
    for (const t of r.trackCost) {
      const cell = (v) =>
        v.failed
          ? v.failed
          : `${fixed(v.us)} µs · ${int(v.sdkTaskMs)} ms${v.calls < t.n ? ` (stopped at the time cap after ${int(v.calls)} calls)` : ''}`;
      add(
        `  burst of ${int(t.n)}`,
        cell(t.outlast),
        cell(t.mixpanel),
        `${ratio(t.outlast.us, t.mixpanel.us)} · ${ratio(t.outlast.sdkTaskMs, t.mixpanel.sdkTaskMs)}`,
      );
    }
    for (const t of r.trackCost)
      if (t.floorUs !== undefined)
        add(`  floor, burst of ${int(t.n)} (build + stringify, no SDK)`, `${fixed(t.floorUs)} µs`, `${fixed(t.floorUs)} µs`);
  } else if (r.trackCost) add('track()', err(r.trackCost), '', '');

  if (Array.isArray(r.load)) {
    section('time until load (median; no SDK = same page without one)');
    for (const l of r.load) {
      const cell = (v) =>
        v.never
          ? `never (> ${int(l.capMs)} ms)`
          : `${int(v.ms)} ms (${v.ms >= l.none.ms ? '+' : ''}${fixed(((v.ms - l.none.ms) / l.none.ms) * 100)} %)`;
      add(
        `  ${l.name} (no SDK ${l.none.never ? 'never' : int(l.none.ms) + ' ms'})`,
        cell(l.outlast),
        cell(l.mixpanel),
        ratio(l.outlast.ms, l.mixpanel.ms),
      );
    }
  } else if (r.load) add('load', err(r.load), '', '');

  if (r.drain && !r.drain.error) {
    const d = r.drain;
    section(`drain after the outage (${int(d.n)} queued during 503s; cap ${int(d.capMs / 1000)} s)`);
    const cell = (v) =>
      v.failed
        ? v.failed
        : v.capped
          ? `${int(v.delivered)} of ${int(v.queued)} by the cap`
          : `${int(v.ms)} ms${v.queued < d.n ? ` (only ${int(v.queued)} could be queued in ${int(d.queueCapMs / 1000)} s)` : ''}`;
    add('  time to deliver all queued', cell(d.outlast), cell(d.mixpanel), ratio(d.outlast.ms, d.mixpanel.ms));
  } else if (r.drain) add('drain', err(r.drain), '', '');

  if (r.durability && !r.durability.error) {
    section(`durability: events lost of ${r.durability.events} (SIGKILL during 503s, restart, ingest back)`);
    const cell = (v) => (v.failed ? v.failed : String(v.lost));
    for (const k of r.durability.rows)
      add(`  kill ${int(k.killAfterMs)} ms after track()`, cell(k.outlast), cell(k.mixpanel), ratio(k.outlast.lost, k.mixpanel.lost));
  } else if (r.durability) add('durability', err(r.durability), '', '');

  if (r.memory && !r.memory.error) {
    const m = r.memory;
    section(`memory: JS heap growth with ${int(m.n)} events queued during 503s (after GC)`);
    const cell = (v) =>
      v.failed
        ? v.failed
        : `${fixed(v.growthBytes / 2 ** 20)} MiB${v.tracked < m.n ? ` (only ${int(v.tracked)} tracked in ${int(m.queueCapMs / 1000)} s)` : ''}${v.dropped ? `, ${int(v.dropped)} dropped` : ''}`;
    add('  heap growth', cell(m.outlast), cell(m.mixpanel), ratio(m.outlast.growthBytes, m.mixpanel.growthBytes));
  } else if (r.memory) add('memory', err(r.memory), '', '');

  const targets = checkTargets(r);
  const head = ['measure', 'Outlast', `mixpanel-browser ${mixpanelVersion()}`, 'ratio'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.filter((x) => x.length > 1).map((x) => String(x[i]).length)));
  const line = (cells) =>
    cells
      .map((c, i) => String(c).padEnd(widths[i]))
      .join(' | ')
      .trimEnd();
  const m = r.machine;
  return [
    `Outlast bench${r.quick ? ' (--quick)' : ''}, ${r.date}`,
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; load average ${m.loadAverage.join(' ')} at start; Chromium ${m.chromium}; Node ${m.node}`,
    `Reference: 1,000,000 JSON.stringify({ a: i }) in this Chromium took ${m.referenceMs === undefined ? 'n/a' : int(m.referenceMs) + ' ms'} (scale the timings by it).`,
    'Outlast config: defaults with api_host = [primary, alternate]; drain only: retry_backoff_base_ms 100, retry_backoff_max_ms 1000.',
    'mixpanel-browser config: defaults with api_host = primary (it takes one host).',
    '',
    line(head),
    widths.map((w) => '-'.repeat(w)).join('-|-'),
    ...rows.map((x) => (x.length === 1 ? x[0] : line(x))),
    '',
    'Outlast targets:',
    ...targets.map(([ok, what, got]) => `  ${ok === null ? 'n/a ' : ok ? 'met ' : 'MISS'}  ${what}: ${got}`),
    '',
    `ratio = Outlast ÷ mixpanel-browser. Took ${r.durationS} s.`,
  ].join('\n');
}

/** The figures Outlast promises, each as `[met (or null when not measured), target, figure]`. */
function checkTargets(r) {
  const out = [];
  const cost = Array.isArray(r.trackCost) ? r.trackCost.filter((t) => t.n >= 1_000 && !t.outlast.failed) : [];
  if (cost.length) {
    const floor = cost.every((t) => t.floorUs !== undefined)
      ? ` (floor on this machine: ${cost.map((t) => `${fixed(t.floorUs)} µs`).join(', ')})`
      : '';
    out.push([
      cost.every((t) => t.outlast.us <= 20),
      'track() ≤ 20 µs per call at 1,000 and 10,000',
      cost.map((t) => `${fixed(t.outlast.us)} µs`).join(', ') + floor,
    ]);
    const worst = Math.max(...r.trackCost.map((t) => t.outlast.sdkTaskMs ?? 0));
    const most = (k) => int(Math.max(...r.trackCost.map((t) => t.outlast[k] ?? 0)));
    const where = r.trackCost.some((t) => t.outlast.burstTaskMs !== undefined)
      ? ` (the burst's own task: ${most('burstTaskMs')} ms more; a later task: ${most('laterTaskMs')} ms)`
      : '';
    out.push([worst <= 50, 'no task over 50 ms caused by the SDK', `longest ${int(worst)} ms${where}`]);
  } else out.push([null, 'track() cost', 'not measured']);
  if (Array.isArray(r.load))
    for (const l of r.load) {
      const v = l.outlast;
      const pct = v.ms && l.none.ms ? ((v.ms - l.none.ms) / l.none.ms) * 100 : null;
      out.push([pct === null ? null : pct <= 5, `load within 5 % of the no-SDK page, ${l.name}`, pct === null ? 'n/a' : `${fixed(pct)} %`]);
    }
  const d = r.drain?.outlast;
  out.push([
    d && !d.failed ? !!d.ms && d.ms < 10_000 && d.queued >= r.drain.n : null,
    '10,000 queued events drained in under 10 s',
    d?.ms ? `${int(d.ms)} ms` : d ? JSON.stringify(d) : 'not measured',
  ]);
  const rows = r.durability?.rows?.filter((k) => k.killAfterMs >= 200) ?? [];
  out.push([
    rows.length ? rows.every((k) => k.outlast.lost === 0) : null,
    'nothing lost at a kill ≥ 200 ms after track()',
    rows.map((k) => `${k.outlast.lost ?? k.outlast.failed} lost at ${k.killAfterMs} ms`).join(', ') || 'not measured',
  ]);
  const m = r.memory?.outlast;
  out.push([
    m && !m.failed ? m.growthBytes < 10e6 && m.tracked >= r.memory.n : null,
    'heap growth with 100,000 queued events under 10 MB',
    m?.growthBytes !== undefined ? `${fixed(m.growthBytes / 1e6)} MB` : 'not measured',
  ]);
  return out;
}
