/**
 * Bytes of randomness fetched at once: 256 ids per `getRandomValues` call
 * (which accepts at most 65,536 bytes). One call and a regular-expression
 * replace per event were the largest single cost of `track()`.
 */
const POOL_BYTES = 4096;

/** Random bytes to hand out, and how many are used. */
let pool = new Uint8Array(0);
let used = 0;

/** Two hex digits per byte value, built on first use. */
let hex: string[] | undefined;

/**
 * A `$insert_id`: 32 lowercase hex digits (128 random bits), the same shape
 * as a UUID without its dashes, within Mixpanel's 36 characters of
 * [A-Za-z0-9-]. Web Crypto where it exists, else `Math.random`.
 */
export function insertId(): string {
  if (used + 16 > pool.length) {
    pool = new Uint8Array(POOL_BYTES);
    used = 0;
    try {
      crypto.getRandomValues(pool);
    } catch {
      pool.forEach((_, i) => (pool[i] = Math.random() * 256));
    }
  }
  const h = hex || (hex = Array.from({ length: 256 }, (_, i) => (i + 256).toString(16).slice(1)));
  let id = '';
  for (let i = 0; i < 16; i++) id += h[pool[used++]!];
  return id;
}
