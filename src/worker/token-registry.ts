import { createStore, del, get, keys, set, type UseStore } from 'idb-keyval';
import { DEFAULT_CONFIG, type Config } from '../config';

/**
 * What the service worker keeps between its runs: for each token a page of the site uses it
 * with, that page's options (without functions), in IndexedDB `outlast-sw`, object store
 * `tokens`, keyed by token. A page writes nothing here: it posts its options and the worker
 * stores them, so the page carries no code for it. One entry per token, replaced by each page
 * that posts; a token that opts out, or stops using the worker, is deleted.
 */
export interface TokenRegistry {
  /** The options to send for `token` with, over the defaults; undefined when the token is not (or no longer) registered. */
  load(token: string): Promise<Config | undefined>;
  save(token: string, config: Partial<Config>): Promise<void>;
  forget(token: string): Promise<void>;
  /** How many tokens are registered. */
  size(): Promise<number>;
}

export function openTokenRegistry(store: UseStore = createStore('outlast-sw', 'tokens')): TokenRegistry {
  return {
    async load(token) {
      const saved: unknown = await get(token, store);
      // stored content is never trusted: anything but an object of options counts as no entry
      if (!saved || typeof saved !== 'object' || Array.isArray(saved)) return undefined;
      return { ...DEFAULT_CONFIG, ...(saved as Partial<Config>), on_error: null, loaded: null };
    },
    save: (token, config) => set(token, config, store),
    forget: (token) => del(token, store),
    size: async () => (await keys(store)).length,
  };
}
