// Picks the engine a scenario file runs on: `OUTLAST_ENGINE` (set per vitest project), Chromium by default.
import { launchChromiumEngine } from './chromium';
import { ENGINES, type EngineBrowser, type EngineLaunchOptions, type EngineName } from './types';

export * from './types';

/** The engine this test process drives. */
export function currentEngine(): EngineName {
  const name = (process.env.OUTLAST_ENGINE ?? 'chromium') as EngineName;
  if (!ENGINES.includes(name)) throw new Error(`OUTLAST_ENGINE must be one of ${ENGINES.join(', ')}, not ${name}`);
  return name;
}

/** Starts a browser of `name`. The Firefox and WebKit drivers load only when used. */
export async function launchEngine(name: EngineName = currentEngine(), opts: EngineLaunchOptions = {}): Promise<EngineBrowser> {
  if (name === 'firefox') return (await import('./firefox')).launchFirefox(opts);
  if (name === 'webkit') return (await import('./webkit')).launchWebKit(opts);
  return launchChromiumEngine(opts);
}
