// `npm run demo` as a newcomer runs it: the scripted outage story in headless Chromium (primary
// down, every host down across navigations and a second tab, recovery) ends with a table that
// shows every tracked event delivered, and the script exits 0. Its ports are ephemeral.
// Chromium only because the browser is the demo's own: examples/demo.mjs launches it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function runDemo(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['examples/demo.mjs'], { cwd: ROOT, env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, out }));
  });
}

describe('npm run demo', () => {
  it('tells the outage story and shows nothing lost, phase by phase', async () => {
    const { code, out } = await runDemo();
    expect(out, out).toMatch(/No event lost/);
    expect(code, out).toBe(0);
    const phases = ['all hosts up', 'primary down', 'every host down', 'recovery'];
    for (const phase of phases) {
      const row = out.split('\n').find((l) => l.startsWith(`${phase}  `));
      expect(row, `row of ${phase} in:\n${out}`).toBeDefined();
      const [tracked, delivered, lost] = (row as string).slice(phase.length).trim().split(/\s+/).map(Number);
      expect(tracked, row).toBeGreaterThan(0);
      expect(delivered, row).toBe(tracked);
      expect(lost, row).toBe(0);
    }
    // While the primary refused, the alternate took the events: failover happened, not a wait.
    expect(out).toMatch(/^primary down\s.*alternate \d+/m);
    expect(out).toMatch(/delivered while every host was down: 0/);
  }, 120_000);
});
