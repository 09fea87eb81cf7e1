/**
 * Entry of the CDN build (`dist/mixpanel.min.js`, loaded by the paste-in
 * snippet or a plain script tag): creates the library, replays what the stub
 * recorded and what earlier pages saved, and becomes `window.mixpanel`.
 */
import { createLibrary } from './client/library';
import { installLibrary } from './cdn/install';
import type { LibraryLike } from './cdn/library-shape';
import { createPipeline } from './delivery/pipeline';
import { isBrowser, safeLocalStorage } from './utils/env';

/** Without `_settle`, how long to wait before deleting saved calls: an outbox write takes a few ms. */
const SETTLE_FALLBACK_MS = 1000;

if (isBrowser()) {
  installLibrary(window as unknown as { mixpanel?: unknown }, () => createLibrary({ createPipeline }) as unknown as LibraryLike, {
    storage: safeLocalStorage(),
    settleFallbackMs: SETTLE_FALLBACK_MS,
  });
}
