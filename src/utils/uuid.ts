import { insertId } from './insert-id';

/**
 * A random UUID v4, cut from the same pooled random bytes as `$insert_id`
 * (`randomUUID` needs a secure context, and one random source is fewer bytes
 * to ship): version nibble 4, variant 8-b.
 */
export function uuid(): string {
  const h = insertId();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[parseInt(h[16]!, 16) & 3]}${h.slice(17, 20)}-${h.slice(20)}`;
}
