// The bench report (docs/bench-report.md), written from the JSON of the last three full runs
// (bench/history.json, newest first): the goals run by run, then each run's whole table.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import prettier from 'prettier';
import { goalsOf, headerOf, keyOf, markdownTable, mixpanelVersion, obstacles, rowsOf } from './table.mjs';

/** How many full runs the report keeps. */
export const RUNS_KEPT = 3;

const HISTORY = new URL('./history.json', import.meta.url);
const REPORT = new URL('../docs/bench-report.md', import.meta.url);

/** Adds `run` to the history (keeping the last three) and rewrites the report from it. */
export async function recordRun(run) {
  const history = existsSync(HISTORY) ? JSON.parse(readFileSync(HISTORY, 'utf8')) : [];
  const runs = [run, ...history].slice(0, RUNS_KEPT);
  // in the repository's format, so that the format check passes on a fresh run's file
  const options = (await prettier.resolveConfig(fileURLToPath(HISTORY))) ?? {};
  writeFileSync(HISTORY, await prettier.format(JSON.stringify(runs), { ...options, parser: 'json' }));
  writeFileSync(REPORT, reportOf(runs));
}

const esc = (c) => String(c).replace(/\|/g, '\\|');
const when = (r) => r.date.slice(0, 16).replace('T', ' ') + ' UTC';

/** Markdown of the report for `runs`, newest first. */
export function reportOf(runs) {
  const tables = runs.map((r) => ({ r, rows: rowsOf(r) }));
  // every goal of the newest run, with the figure and verdict of each run
  const summary = [];
  for (const g of goalsOf(tables[0].rows)) {
    const perRun = tables.map(({ rows }) => {
      const row = rows.find((x) => !x.section && keyOf(x.measure) === keyOf(g.measure));
      if (!row || row.met === null) return 'not measured';
      return `${row.outlast} (${row.met ? 'met' : '**MISS**'})`;
    });
    summary.push(`| ${esc(keyOf(g.measure))} | ${esc(g.goal)} | ${perRun.map(esc).join(' | ')} |`);
  }
  const out = [
    '# Bench report',
    '',
    `Written by \`npm run bench\` from \`bench/history.json\`: the last ${RUNS_KEPT} full runs, newest first, Outlast against`,
    `mixpanel-browser ${mixpanelVersion()} on the same pages in the same run. Older runs are judged by today's goals, and rows`,
    'they did not measure say so. Timings move with the load of the shared machine (see each run’s reference loop);',
    'the ratios of one run are the verdict.',
    '',
    '## Goals, run by run',
    '',
    `| measure | goal | ${tables.map(({ r }) => when(r)).join(' | ')} |`,
    `| --- | --- | ${tables.map(() => '---').join(' | ')} |`,
    ...summary,
  ];
  for (const { r, rows } of tables) {
    const missed = obstacles(r, rows);
    out.push(
      '',
      `## Run of ${when(r)}`,
      '',
      ...headerOf(r)
        .slice(1)
        .map((l) => `${l}  `),
      '',
      markdownTable(r),
      '',
      missed.length ? 'Missed, and what the run measured in the way:' : 'Every goal measured was met.',
      ...missed.map(([m, why]) => `- ${m}: ${why}`),
      '',
      `Took ${r.durationS} s.`,
    );
  }
  return out.join('\n') + '\n';
}
