import type { Config } from '../config';
import type { Reporter } from '../utils/report';
import type { WorkerLink } from './service-worker-registration';

/**
 * The plain builds' stand-in for `service-worker-registration.ts` (the build puts it in place of
 * that module: `rollup.config.mjs`). It links no worker, so that the pipeline's calls to the link
 * fold away and sites that do not use the worker download none of its code. A site that names a
 * worker on a plain build is told once, at `init()`, which builds have it, rather than ignored.
 */
export function linkServiceWorker(_token: string, config: () => Config, reporter: Reporter): WorkerLink | null {
  if (config().service_worker)
    reporter.report({ code: 'invalid_config', message: 'service_worker needs outlast-with-sw.min.js or outlast/with-service-worker' });
  return null;
}
