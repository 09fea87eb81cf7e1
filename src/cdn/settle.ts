import type { LibInstance } from './library-shape';

/**
 * Resolves when what was handed to `instance` so far is in the outbox, so a
 * copy kept elsewhere (the stub's localStorage blob) may be deleted. An
 * instance without `_settle` gets `fallbackMs` instead. Rejects if settling
 * fails: the caller then keeps its copy.
 */
export function settle(instance: LibInstance, fallbackMs: number): Promise<void> {
  try {
    if (typeof instance._settle === 'function') return Promise.resolve(instance._settle());
  } catch (e) {
    return Promise.reject(e);
  }
  return new Promise((resolve) => setTimeout(resolve, fallbackMs));
}
