// Decodes Mixpanel's `data=` parameter in every form a client may send it.
import { gunzipSync } from 'node:zlib';

/** @typedef {import('./types').Endpoint} Endpoint */

/** A payload that cannot be accepted; its message is sent back as the `error`. */
export class PayloadError extends Error {}

/**
 * Finds and decodes the items of a request. `data` is looked for in a JSON body
 * (`{"data": ...}` or a raw array/object), in a form body (urlencoded, or the
 * `text/plain` body `sendBeacon` sends for a string), then in the query string.
 * Its value may be JSON or base64 JSON, one item or an array.
 * @param {{ query: URLSearchParams, contentType: string, contentEncoding?: string, body: Buffer }} request
 * @returns {Record<string, unknown>[]}
 * @throws {PayloadError}
 */
export function decodeItems(request) {
  const raw = findData(request);
  const value = typeof raw === 'string' ? parseDataString(raw) : raw;
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0) throw new PayloadError('data is an empty list');
  items.forEach((item, i) => {
    if (!isObject(item)) throw new PayloadError(`item ${i} is not an object`);
  });
  return /** @type {Record<string, unknown>[]} */ (items);
}

/**
 * Checks that the items fit the endpoint. Mixpanel rejects the whole request
 * when one `/track` event lacks a name or properties.
 * @param {Endpoint} endpoint
 * @param {Record<string, unknown>[]} items
 * @throws {PayloadError}
 */
export function validateItems(endpoint, items) {
  if (endpoint !== 'track') return;
  items.forEach((item, i) => {
    if (typeof item.event !== 'string' || item.event === '') {
      throw new PayloadError(`event ${i}: 'event' must be a non-empty string`);
    }
    if (!isObject(item.properties)) {
      throw new PayloadError(`event ${i}: 'properties' must be an object`);
    }
  });
}

/**
 * The raw `data` value: a string still to decode, or an already parsed JSON value.
 * @param {{ query: URLSearchParams, contentType: string, contentEncoding?: string, body: Buffer }} request
 * @returns {unknown}
 */
function findData({ query, contentType, contentEncoding, body }) {
  const text = bodyText(body, contentEncoding || (query.get('compression') === 'gzip' ? 'gzip' : ''));
  const trimmed = text.trim();
  if (trimmed !== '') {
    if (/json/i.test(contentType) || trimmed[0] === '{' || trimmed[0] === '[') {
      const json = parseJson(trimmed, 'body');
      return isObject(json) && 'data' in json ? json.data : json;
    }
    const form = new URLSearchParams(trimmed);
    const data = form.get('data');
    if (data !== null) return data;
  }
  const data = query.get('data');
  if (data !== null) return data;
  throw new PayloadError('missing data parameter');
}

/**
 * The body as text, gunzipped when the client said it compressed it.
 * @param {Buffer} body
 * @param {string} encoding
 */
function bodyText(body, encoding) {
  if (body.length === 0) return '';
  if (/gzip/i.test(encoding)) {
    try {
      return gunzipSync(body).toString('utf8');
    } catch {
      throw new PayloadError('body is not valid gzip');
    }
  }
  return body.toString('utf8');
}

/**
 * Decodes a `data` string: JSON when it starts like JSON, else base64 (standard or
 * URL-safe) JSON. Spaces are read as `+`: a form decoder turns an unescaped `+` into one.
 * @param {string} raw
 * @returns {unknown}
 */
function parseDataString(raw) {
  const text = raw.trim();
  if (text === '') throw new PayloadError('data is empty');
  if (text[0] === '{' || text[0] === '[') return parseJson(text, 'data');
  const b64 = text.replace(/ /g, '+');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(b64)) {
    throw new PayloadError('data is neither JSON nor base64 JSON');
  }
  const decoded = Buffer.from(b64.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
  return parseJson(decoded, 'base64 data');
}

/**
 * @param {string} text
 * @param {string} what
 * @returns {unknown}
 */
function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new PayloadError(`${what} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * @param {unknown} value
 * @returns {value is Record<string, unknown>}
 */
export function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
