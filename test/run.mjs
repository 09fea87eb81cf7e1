// `npm test`: build, type-check, format and lint checks, then every unit and browser test, ending with one plain
// "N passed, N failed" line that sums them all.
import { spawnSync } from 'node:child_process';
import { readFileSync, mkdirSync, existsSync, rmSync } from 'node:fs';

const step = (name, cmd, args) => {
  process.stdout.write(`\n> ${name}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
  return r.status === 0;
};

let passed = 0;
let failed = 0;
const count = (ok) => (ok ? passed++ : failed++);

count(step('build', 'npx', ['rollup', '-c', '--silent']));
count(step('typecheck', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.test.json']));
count(step('format', 'npx', ['prettier', '--check', '--log-level', 'warn', '.']));
count(step('lint', 'npx', ['eslint', '--max-warnings', '0', '.']));

mkdirSync('test-results', { recursive: true });
const report = 'test-results/vitest.json';
if (existsSync(report)) rmSync(report);
step('unit and browser tests', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${report}`]);
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  // browser tests are retried (vitest.config.ts): a pass that follows a failure is listed with that failure
  const retried = r.testResults.flatMap((f) =>
    f.assertionResults.filter((t) => t.status === 'passed' && t.failureMessages.length).map((t) => ({ file: f.name, test: t })),
  );
  if (retried.length) {
    console.log(`\npassed only on a retry (${retried.length}):`);
    for (const { file, test } of retried) {
      const first = String(test.failureMessages[0]).split('\n')[0];
      console.log(`  ${file.slice(process.cwd().length + 1)} > ${test.fullName}\n    first failure: ${first}`);
    }
  }
  // A file that failed to load ran no test: count it once so it cannot pass unnoticed.
  failed += r.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
} else {
  failed++;
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
