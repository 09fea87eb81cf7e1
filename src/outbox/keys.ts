/**
 * Record keys: enqueue time, then a per-tab sequence, then a random tab id,
 * each at a fixed width so that plain string order (which IndexedDB and
 * `Array.prototype.sort` both use) is enqueue order, across tabs by time and
 * within a tab exactly. Several tabs write the same database, so the tab id
 * keeps their keys apart.
 */

/** Base36 digits of the time: 36^9 ms reaches the year 5138; today's times need 8. */
const TIME_WIDTH = 9;

/** Base36 digits of the sequence: 36^6 ≈ 2.2 billion keys per tab before it wraps. */
const SEQ_WIDTH = 6;
const SEQ_SPACE = 36 ** SEQ_WIDTH;

/** Base36 digits of the tab id: 36^8 ≈ 2.8e12 ids, so two tabs sharing one is out of reach. */
const TAB_WIDTH = 8;

const pad = (s: string, width: number): string => (s.length >= width ? s : '0'.repeat(width - s.length) + s);

/** A random id for this tab (getRandomValues where it exists, else Math.random). */
export function randomTabId(): string {
  const b = new Uint8Array(TAB_WIDTH);
  try {
    crypto.getRandomValues(b);
  } catch {
    for (let i = 0; i < TAB_WIDTH; i++) b[i] = (Math.random() * 256) | 0;
  }
  let s = '';
  for (let i = 0; i < TAB_WIDTH; i++) s += (b[i]! % 36).toString(36);
  return s;
}

/**
 * A key generator for one tab. The time part never goes backwards (a clock
 * set back would otherwise sort new records before old ones of this tab), and
 * the sequence separates keys made in the same millisecond.
 */
export function createKeySource(tab: string = randomTabId()): (at: number) => string {
  let last = 0;
  let seq = 0;
  return (at) => {
    const t = Math.max(last, Math.floor(at) || 0);
    last = t;
    seq = (seq + 1) % SEQ_SPACE;
    return pad(t.toString(36), TIME_WIDTH) + pad(seq.toString(36), SEQ_WIDTH) + tab;
  };
}

let shared: ((at: number) => string) | undefined;

/** The key for a record enqueued at `at` (ms since epoch) by this tab. */
export function recordKey(at: number): string {
  return (shared ??= createKeySource())(at);
}

/** The time part of a key, in ms since epoch (NaN for something that is not a key). */
export function keyTime(key: string): number {
  return parseInt(key.slice(0, TIME_WIDTH), 36);
}
