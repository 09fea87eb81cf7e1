import { FORM_TYPE } from './payload';

/** What came back from one POST. `status` 0 means no answer: network error, timeout or abort. */
export interface TransportResult {
  status: number;
  retryAfter: string | null;
  body: string;
  /** Why there was no answer, for the debug log. */
  error?: 'network' | 'timeout' | 'aborted';
}

/** Sends one batch; never throws. */
export type Transport = (
  url: string,
  body: string,
  timeoutMs: number,
  keepalive: boolean,
  signal?: AbortSignal,
) => Promise<TransportResult>;

const noAnswer = (error: TransportResult['error']): TransportResult => ({ status: 0, retryAfter: null, body: '', error });

/**
 * POST with `fetch`: no cookies (`credentials: 'omit'`), aborted after
 * `timeoutMs` (reading the answer included) or when `signal` aborts, and
 * `keepalive` so the request outlives a navigation when the caller says the
 * body fits the browser's keepalive budget.
 */
export const fetchTransport: Transport = (url, body, timeoutMs, keepalive, signal) => {
  if (typeof fetch !== 'function') return Promise.resolve(noAnswer('network'));
  const ctl = typeof AbortController === 'function' ? new AbortController() : null;
  let outcome: TransportResult['error'] = 'network';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = () => {
    outcome = 'aborted';
    ctl && ctl.abort();
  };
  if (signal) {
    if (signal.aborted) return Promise.resolve(noAnswer('aborted'));
    signal.addEventListener('abort', onAbort);
  }
  // Also settles the race where AbortController is missing and fetch hangs.
  const deadline = new Promise<TransportResult>((resolve) => {
    timer = setTimeout(() => {
      outcome = 'timeout';
      ctl && ctl.abort();
      resolve(noAnswer('timeout'));
    }, Math.max(0, timeoutMs));
  });
  const request = (async (): Promise<TransportResult> => {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': FORM_TYPE },
        body,
        keepalive,
        credentials: 'omit',
        cache: 'no-store',
        signal: ctl ? ctl.signal : undefined,
      });
      let text = '';
      try {
        text = await res.text();
      } catch {
        /* an answer whose body cannot be read still has its status */
      }
      let retryAfter: string | null = null;
      try {
        retryAfter = res.headers.get('Retry-After');
      } catch {
        /* opaque headers */
      }
      return { status: res.status, retryAfter, body: text };
    } catch {
      return noAnswer(outcome);
    }
  })();
  return Promise.race([request, deadline]).finally(() => {
    clearTimeout(timer);
    if (signal) signal.removeEventListener('abort', onAbort);
  });
};
