import { DEFAULT_CONFIG, type Config } from '../../../src/config';
import type { ErrorReport, Reporter } from '../../../src/utils/report';

let counter = 0;
/** A token no other test uses, so each test gets its own database and keys. */
export const freshToken = (): string => `t${Date.now().toString(36)}${(counter++).toString(36)}`;

export interface RecordingReporter extends Reporter {
  reports: ErrorReport[];
}

export function recordingReporter(): RecordingReporter {
  const reports: ErrorReport[] = [];
  return { reports, report: (r) => void reports.push(r), debug: () => {} };
}

export const testConfig = (over: Partial<Config> = {}): Config => ({ ...DEFAULT_CONFIG, storage_open_timeout_ms: 200, ...over });

/** A Storage over a Map, with an optional character quota that throws QuotaExceededError as browsers do. */
export class MemoryStorage implements Storage {
  private map = new Map<string, string>();
  constructor(private quota = Infinity) {}
  get length(): number {
    return this.map.size;
  }
  key(i: number): string | null {
    return [...this.map.keys()][i] ?? null;
  }
  getItem(k: string): string | null {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string): void {
    let used = 0;
    for (const [key, val] of this.map) if (key !== k) used += key.length + val.length;
    if (used + k.length + String(v).length > this.quota) {
      const e = new Error('quota exceeded');
      e.name = 'QuotaExceededError';
      throw e;
    }
    this.map.set(k, String(v));
  }
  removeItem(k: string): void {
    this.map.delete(k);
  }
  clear(): void {
    this.map.clear();
  }
  [name: string]: unknown;
}
