import type { Config, Endpoint } from '../config';
import type { OutboxRecord } from '../outbox/types';

/** The form content type: CORS-safelisted, so neither `fetch` nor `sendBeacon` needs a preflight. */
export const FORM_TYPE = 'application/x-www-form-urlencoded';

/**
 * The request body for a batch, as Mixpanel reads it: `data=` and the
 * URL-encoded JSON array of record bodies (each already JSON text), or of its UTF-8 base64 form. The
 * result is ASCII, so its length is its size in bytes. (ES2019 engines'
 * `JSON.stringify` escapes lone surrogates, so `encodeURIComponent` cannot throw.)
 */
export function encodeBody(records: readonly OutboxRecord[], format: Config['api_payload_format']): string {
  let data = '[' + records.map((r) => r.json).join(',') + ']';
  if (format === 'base64') {
    let binary = '';
    new TextEncoder().encode(data).forEach((b) => (binary += String.fromCharCode(b)));
    data = btoa(binary);
  }
  return 'data=' + encodeURIComponent(data);
}

/**
 * `{host}/{route}?verbose=1&ip=1&_={ms}` for endpoint `ep`: verbose so that a
 * refused batch says so, `ip=1` for geolocation as mixpanel-browser, `_`
 * against caches.
 */
export function endpointUrl(host: string, routes: Config['api_routes'], ep: Endpoint, now = Date.now()): string {
  const path = (routes[ep] || ep + '/').replace(/^\/+/, '');
  return `${host}/${path}${path.indexOf('?') < 0 ? '?' : '&'}verbose=1&ip=1&_=${now}`;
}

/** What came back from one POST. `status` 0 means no answer: a network error, a timeout or an abort. */
export interface Answer {
  status: number;
  retryAfter?: string | null;
  body?: string;
  /** The `Date` header, when the host exposes it to CORS: the host's clock (`server-clock.ts`). */
  date?: string | null;
}

/** Sends one batch; never throws. */
export type Transport = (url: string, body: string, signal: AbortSignal, keepalive?: boolean) => Promise<Answer>;

/**
 * POST with `fetch`, without cookies and past any cache; `keepalive` when the
 * caller says the body fits the browser's keepalive budget, so that the
 * request outlives a navigation. A 2xx whose body cannot be read keeps its
 * status (the host took the request).
 */
export const fetchTransport: Transport = async (url, body, signal, keepalive) => {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': FORM_TYPE },
      body,
      credentials: 'omit',
      cache: 'no-store',
      keepalive,
      signal,
    });
    const date = res.headers.get('Date');
    return { status: res.status, retryAfter: res.headers.get('Retry-After'), body: await res.text().catch(() => ''), date };
  } catch {
    return { status: 0 };
  }
};
