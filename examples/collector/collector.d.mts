// Types of collector.mjs for TypeScript callers (tests and the benchmark).
import type { Collector, CollectorOptions } from './types';

export type * from './types';

/** Name of the host that serves static files when `scriptHost` is given. */
export declare const SCRIPT_HOST: 'script';

/** The semantics `startCollector({ semantics })` and `setSemantics` take; see `Semantics`. */
export declare const SEMANTICS: readonly ['dedupe', 'mixpanel'];

/**
 * Starts the collector: one port per ingest host (and for the script host), plus the
 * control API. Ports default to 0 (ephemeral), so parallel test files never collide.
 */
export declare function startCollector(options?: CollectorOptions): Promise<Collector>;
