import type { Verdict } from './retry-policy';

/** The two halves of a batch (the first one longer by at most one). */
export function halves<T>(items: readonly T[]): [T[], T[]] {
  const mid = Math.ceil(items.length / 2);
  return [items.slice(0, mid), items.slice(mid)];
}

/**
 * Deliver `items` with `attempt`, halving on `split` (413) and `reject`
 * (400) until each refused item stands alone; `giveUp` then gets it with the
 * verdict. A `reject` thus costs about 2·log2(n) requests to find one bad
 * record among n, and every good record is still delivered. Resolves false
 * as soon as an attempt says `retry` (the host failed): the items not yet
 * delivered stay in the outbox for the next round.
 */
export async function deliverSplitting<T>(
  items: readonly T[],
  attempt: (items: readonly T[]) => Promise<Verdict>,
  giveUp: (items: readonly T[], verdict: 'split' | 'reject') => Promise<void>,
): Promise<boolean> {
  if (!items.length) return true;
  const verdict = await attempt(items);
  if (verdict === 'ok') return true;
  if (verdict === 'retry') return false;
  if (items.length === 1) {
    await giveUp(items, verdict);
    return true;
  }
  const [a, b] = halves(items);
  return (await deliverSplitting(a, attempt, giveUp)) && deliverSplitting(b, attempt, giveUp);
}
