import type { RecordSink, StoreKind } from '../outbox/types';

/** What `get_delivery_state()` returns: where this page's events are. */
export interface DeliveryState {
  /** Records waiting in the outbox (all tabs of this origin and token). */
  queued: number;
  /** Bytes they take. */
  bytes: number;
  /** Which store holds the outbox. */
  store: StoreKind;
  /** Records in requests not yet answered. */
  in_flight: number;
  /** Records acknowledged by a host since this page loaded (sent by this tab). */
  delivered: number;
  /** Failed requests that will be retried, since this page loaded. */
  retried: number;
  /** Records dropped (cap, retention, rejected as poison, corrupt), since this page loaded. */
  dropped: number;
  /** Host the next request goes to. */
  host: string;
  /** When the next attempt is due (ms since epoch), or null when idle. */
  next_attempt_at: number | null;
  /** Whether this tab is the one that sends for the origin and token. */
  is_sender: boolean;
  /** Whether the browser reports being offline. */
  offline: boolean;
}

/**
 * Everything behind `track()`: the outbox, the sender, the election of one
 * sending tab and the page lifecycle with its unload beacon, for one token.
 * The client sees a sink and a few controls; all of it is built by
 * `createPipeline()`.
 */
export interface Pipeline extends RecordSink {
  state(): Promise<DeliveryState>;
  /** Resolves once every record enqueued so far is durable in the outbox's store. */
  settle(): Promise<void>;
  /** Send what is queued now (in the sending tab) or nudge the sending tab. */
  flush(): Promise<void>;
  /** Stop all network traffic; nothing is lost (resume() picks up). */
  pause(): void;
  resume(): void;
  /** Stop traffic and empty the outbox: opt-out. */
  purge(): Promise<void>;
  /** Tear down timers, listeners, locks and channels: the pipeline sends nothing more and leaves nothing attached to the page. */
  close(): void;
}
