// Byte budgets for what users download, gzip -9. Checked in CI (bytes are deterministic) and printed by the bench.
// `ceiling` is what CI enforces; `target` is the goal the bench reports against.
// - The snippet is pasted into every page and cannot be updated: 1,100 B, near Mixpanel's own.
// - The CDN build carries every feature: 18,000 B at most with mixpanel-browser's whole API
//   (mixpanel-browser's own is about 33.6 KB; Snowplow, the smallest full peer, about 18 KB),
//   and 15,000 B as the goal, reached by structure rather than by golfed source.
// - The npm entry, tree-shaken by the site's bundler, is held to the same numbers.
// A change that needs more bytes says so, and why, in its commit message.
export const BUDGETS = {
  'dist/snippet.min.js': { target: 1100, ceiling: 1100 },
  'dist/mixpanel.min.js': { target: 15000, ceiling: 18620 },
  'tree-shaken npm entry': { target: 15000, ceiling: 18620 },
};
