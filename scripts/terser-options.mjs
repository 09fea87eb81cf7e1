// Terser settings of the CDN file, shared by rollup.config.mjs and the size scripts so that
// what they measure is what ships. Strict-CSP safe (no eval); output stays ES2019, the bundles'
// TypeScript target (`ecma: 2020` would let terser write `??`).
// - passes 4: one more than 3 still finds inlining; a fifth finds nothing.
// - unsafe_arrows: the functions terser inlines become arrows; the source has no function
//   expression that is called with `new` or reads `arguments`, and those that read `this` stay.
// - unsafe_proto: `Object.prototype.hasOwnProperty` is written `{}.hasOwnProperty`, the same function.

/**
 * Property names that exist only inside one build: fields and methods of the client's instance
 * state, persistence, consent, the environment cache, the pipeline, the sender, the beacon
 * ledger, the leader and the outbox stores. Terser renames them in the CDN file (the npm
 * entry is minified by the app's bundler, and keeps them).
 *
 * A name belongs here only if it is never:
 * - part of the public API (a method, an option, a field of `get_delivery_state()` or of a report);
 * - a key of anything stored (cookies, localStorage, IndexedDB records) or sent (request bodies,
 *   BroadcastChannel or storage messages to other tabs, which may run another build);
 * - reached by a name held in a string (`steps[name]` in the page lifecycle, hook names);
 * - a DOM or built-in name (terser keeps those anyway).
 * test/build/mangled-properties.test.ts checks the first and the third on every build.
 */
export const MANGLED_PROPERTIES = [
  'props',
  'reporter',
  'consent',
  'extra',
  'timers',
  'optedIn',
  'optedOut',
  'agent',
  'crawler',
  'marketing',
  'campaign',
  'plain',
  'pipeline',
  'createPipeline',
  'settleFallbackMs',
  'retentionMs',
  'purge',
  'settle',
  'onEnqueue',
  'ledger',
  'enqueued',
  'acknowledged',
  'keepaliveBytes',
  'keepaliveStarted',
  'retryAfter',
  'correction',
  'succeed',
  'announce',
  'onNudge',
  'onAck',
  'onDrop',
  'onNewerVersion',
  'judge',
  'records',
  'newer',
  'oldest',
  'putMany',
  'deleteMany',
  'openStore',
  'openIndexedDb',
  'openTimeoutMs',
  'secureForUnload',
];

export const CDN_TERSER_OPTIONS = {
  ecma: 2019,
  compress: { passes: 4, pure_getters: true, unsafe_arrows: true, unsafe_proto: true },
  mangle: { properties: { regex: new RegExp(`^(${MANGLED_PROPERTIES.join('|')})$`) } },
  format: { comments: false },
};
