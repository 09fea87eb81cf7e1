import type { Config } from '../config';
import type { OutboxRecord } from '../outbox/types';

/** The form content type: CORS-safelisted, so neither `fetch` nor `sendBeacon` needs a preflight. */
export const FORM_TYPE = 'application/x-www-form-urlencoded';

/**
 * The request body for a batch, as Mixpanel reads it: `data=` followed by
 * the URL-encoded JSON array of record bodies, or of its UTF-8 base64 form.
 * The result is ASCII, so its length is its size in bytes.
 */
export function encodeBody(records: readonly OutboxRecord[], format: Config['api_payload_format']): string {
  const json = JSON.stringify(records.map((r) => r.body));
  return 'data=' + urlEncode(format === 'base64' ? base64Utf8(json) : json);
}

/**
 * `{host}/{route}?verbose=1&ip=1&_={ms}`: verbose so that a refused batch
 * says so, `ip=1` for geolocation as mixpanel-browser, `_` against caches.
 */
export function endpointUrl(host: string, route: string, now: number = Date.now()): string {
  const path = String(route).replace(/^\/+/, '');
  return `${host}/${path}${path.indexOf('?') >= 0 ? '&' : '?'}verbose=1&ip=1&_=${now}`;
}

/** Base64 of the UTF-8 bytes of `text`, without Buffer (browsers) and without the deprecated `unescape`. */
export function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  // chunks keep `fromCharCode.apply` under engines' argument-count limits
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + 0x8000)));
  }
  return btoa(binary);
}

/**
 * `encodeURIComponent`, which throws on a lone surrogate: older engines'
 * `JSON.stringify` lets one through, so it becomes U+FFFD instead.
 */
function urlEncode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return encodeURIComponent(text.replace(/([\ud800-\udbff][\udc00-\udfff])|[\ud800-\udfff]/g, (m, pair) => pair || '\ufffd'));
  }
}
