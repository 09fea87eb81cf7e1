export { createOutbox, type OutboxOptions } from './outbox';
export type { Outbox, OutboxRecord, OutboxStats, OutboxStore, RecordSink, StoreKind } from './types';
