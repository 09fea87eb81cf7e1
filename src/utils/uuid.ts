/**
 * A random UUID v4 from `crypto.getRandomValues` (`randomUUID` needs a secure
 * context), or `Math.random` where Web Crypto is missing.
 */
export function uuid(): string {
  let b: ArrayLike<number>;
  try {
    b = crypto.getRandomValues(new Uint8Array(31));
  } catch {
    b = Array.from({ length: 31 }, () => Math.random() * 256);
  }
  let i = 0;
  // each 0 becomes a random hex digit; 4 stays (version), 8 becomes 8-b (variant)
  return '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) => (+c ^ (b[i++]! & (15 >> +(c === '8') * 2))).toString(16));
}

