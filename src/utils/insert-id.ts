/**
 * Bytes of randomness fetched at once: 256 ids per `getRandomValues` call
 * (which accepts at most 65,536 bytes), so that `track()` does not pay for a
 * call into the browser's random source on every event.
 */
const POOL_BYTES = 4096;

/** The random bytes of the current pool as hex digits, and how many of them are used. */
let pool = '';
let used = 0;

/** Two hex digits per byte value, built on first use. */
let hex: string[] | undefined;

/**
 * A `$insert_id`: 32 lowercase hex digits (128 random bits), the same shape
 * as a UUID without its dashes, within Mixpanel's 36 characters of
 * [A-Za-z0-9-]. Web Crypto where it exists, else `Math.random`. The pool is
 * turned into hex once, so an id is one slice of it, not sixteen
 * concatenations.
 */
export function insertId(): string {
  if (used + 32 > pool.length) {
    const bytes = new Uint8Array(POOL_BYTES);
    try {
      crypto.getRandomValues(bytes);
    } catch {
      bytes.forEach((_, i) => (bytes[i] = Math.random() * 256));
    }
    const h = hex || (hex = Array.from({ length: 256 }, (_, i) => (i + 256).toString(16).slice(1)));
    pool = Array.from(bytes, (b) => h[b]).join('');
    used = 0;
  }
  return pool.slice(used, (used += 32));
}
