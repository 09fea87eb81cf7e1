// Terser settings of the CDN file, shared by rollup.config.mjs and the size scripts so that
// what they measure is what ships. Strict-CSP safe (no eval); output stays ES2019, the bundles'
// TypeScript target (`ecma: 2020` would let terser write `??`).
// - passes 4: one more than 3 still finds inlining; a fifth finds nothing.
// - unsafe_arrows: the functions terser inlines become arrows; the source has no function
//   expression that is called with `new` or reads `arguments`, and those that read `this` stay.
// - unsafe_proto: `Object.prototype.hasOwnProperty` is written `{}.hasOwnProperty`, the same function.
export const CDN_TERSER_OPTIONS = {
  ecma: 2019,
  compress: { passes: 4, pure_getters: true, unsafe_arrows: true, unsafe_proto: true },
  mangle: { properties: false },
  format: { comments: false },
};
