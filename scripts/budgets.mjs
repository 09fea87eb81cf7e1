// Byte budgets for what users download, gzip -9. Checked in CI (bytes are deterministic) and printed by the bench.
// - `budget` is the decided maximum: the snippet is pasted into every page and cannot be updated
//   (1,100 B, near Mixpanel's own); the library carries mixpanel-browser's whole API in at most
//   18,000 B (mixpanel-browser's own is about 33.6 KB; Snowplow, the smallest full peer, about 18 KB).
// - `target` is the goal the bench reports against, reached by structure, never by golfed source.
// - `ceiling` is what CI enforces today. Where a file is over its budget, the ceiling sits just above
//   its size so that nothing grows while the cuts go on; the README names every file over budget.
// A change that needs more bytes says so, and why, in its commit message.
export const BUDGETS = {
  'dist/snippet.min.js': { target: 1100, budget: 1100, ceiling: 1760 },
  'dist/outlast.min.js': { target: 15000, budget: 18000, ceiling: 24470 },
  'dist/mixpanel.min.js': { target: 15000, budget: 18000, ceiling: 24470 },
  'tree-shaken npm entry': { target: 15000, budget: 18000, ceiling: 23300 },
  // The worker flavours (`service_worker` sites only): the plain build plus the page's side of the worker.
  'dist/outlast-with-sw.min.js': { target: 15300, budget: 18300, ceiling: 24720 },
  'tree-shaken npm entry with-service-worker': { target: 15300, budget: 18300, ceiling: 23560 },
  // The opt-in service worker, fetched only by sites that configure it, once per update check:
  // the outbox, the sender and idb-keyval, which it shares with the library, are most of it.
  'dist/outlast-sw.js': { target: 8000, budget: 9000, ceiling: 8140 },
};
