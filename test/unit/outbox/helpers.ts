import { DEFAULT_CONFIG, type Config, type Endpoint } from '../../../src/config';
import { RECORD_VERSION } from '../../../src/constants';
import type { OutboxRecord } from '../../../src/outbox/types';
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

/** A body as the client hands it to the outbox: its JSON text. */
export const json = (body: Record<string, unknown>): string => JSON.stringify(body);

/** The body a record carries, parsed back from the JSON text it keeps. */
export const bodyOf = (r: { json: string }): Record<string, any> => JSON.parse(r.json);

/** A record as this version writes it, for seeding a store by hand. */
export function storedRecord(id: string, body: Record<string, unknown>, at = Date.now(), ep: Endpoint = 'track'): OutboxRecord {
  const text = JSON.stringify(body);
  return { v: RECORD_VERSION, id, at, ep, json: text, size: text.length };
}

/** A record as version 1 wrote it (the body kept as an object), which this version must still read and send. */
export function v1Record(id: string, body: unknown, at = Date.now(), ep: Endpoint = 'track') {
  let size = 0;
  try {
    size = JSON.stringify(body).length;
  } catch {
    // a body JSON cannot carry: v1 stored whatever size its caller gave
  }
  return { v: 1, id, at, ep, body, size };
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
