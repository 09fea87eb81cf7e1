// Byte budgets for what users download, gzip -9. Checked in CI (bytes are deterministic) and printed by the bench.
// The snippet is pasted into every page, so it must stay near Mixpanel's own (897 B);
// the CDN build must stay a fraction of mixpanel-browser's 33.4 KB.
export const BUDGETS = {
  'dist/snippet.min.js': 1100,
  'dist/mixpanel.min.js': 8192,
  'tree-shaken npm entry': 8192,
};
