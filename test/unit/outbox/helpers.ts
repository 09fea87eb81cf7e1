import type { Endpoint } from '../../../src/config';
import { RECORD_VERSION } from '../../../src/constants';
import type { OutboxRecord } from '../../../src/outbox/types';

export { MemoryStorage } from '../shared/memory-storage';
export { recordingReporter, type RecordingReporter } from '../shared/recording-reporter';
export { testConfig } from '../shared/test-config';

let counter = 0;
/** A token no other test uses, so each test gets its own database and keys. */
export const freshToken = (): string => `t${Date.now().toString(36)}${(counter++).toString(36)}`;

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
