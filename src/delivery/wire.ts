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

/** What the request URL is made of. */
export type UrlOptions = Pick<Config, 'api_routes' | 'ip' | 'api_extra_query_params'>;

/**
 * `{host}/{route}?verbose=1&ip=1&_={ms}` for endpoint `ep`: verbose so that a
 * refused batch says so, `ip=1` for geolocation (`ip=0` with `ip: false`) and
 * then `api_extra_query_params`, as mixpanel-browser's `_send_request` builds
 * it, `_` against caches.
 */
export function endpointUrl(host: string, options: UrlOptions, ep: Endpoint, now = Date.now()): string {
  const path = (options.api_routes[ep] || ep + '/').replace(/^\/+/, '');
  let query = `verbose=1&ip=${options.ip === false ? 0 : 1}&_=${now}`;
  const extra = options.api_extra_query_params || {};
  for (const name of Object.keys(extra)) query += '&' + encodeURIComponent(name) + '=' + encodeURIComponent(extra[name]!);
  return `${host}/${path}${path.indexOf('?') < 0 ? '?' : '&'}${query}`;
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
export type Transport = (
  url: string,
  body: string,
  signal: AbortSignal,
  keepalive?: boolean,
  headers?: Record<string, string>,
) => Promise<Answer>;

/**
 * The one request every way of sending makes (`fetch`, a `keepalive` fetch,
 * `fetchLater`): a form POST without cookies. `headers` (`xhr_headers`) are
 * added to the form content type.
 */
export const formPost = (body: string, signal?: AbortSignal, headers?: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { ...headers, 'Content-Type': FORM_TYPE },
  body,
  credentials: 'omit',
  signal,
});

/**
 * POST with `fetch`, past any cache; `keepalive` when the caller says the
 * body fits the browser's keepalive budget, so that the request outlives a
 * navigation. `headers` (`xhr_headers`) make the request need a CORS
 * preflight, which browsers do not all allow for `keepalive` requests, so a
 * request carrying them is not `keepalive`. A 2xx whose body cannot be read
 * keeps its status (the host took the request). Without a `signal` nothing
 * aborts it (the unload beacon's).
 */
export const fetchTransport = async (
  url: string,
  body: string,
  signal?: AbortSignal,
  keepalive?: boolean,
  headers?: Record<string, string>,
): Promise<Answer> => {
  const custom = headers ? Object.keys(headers).length > 0 : false;
  try {
    const res = await fetch(url, { ...formPost(body, signal, headers), cache: 'no-store', keepalive: !custom && keepalive });
    const date = res.headers.get('Date');
    return { status: res.status, retryAfter: res.headers.get('Retry-After'), body: await res.text().catch(() => ''), date };
  } catch {
    return { status: 0 };
  }
};
