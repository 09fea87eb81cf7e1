// Demo bookkeeping, not part of Outlast: counts what this page tracks and tells the dashboard
// where its events are. Counts live in localStorage, one key per page view (so tabs never race
// on a shared counter) and survive navigation; delivery state goes out on a BroadcastChannel.
// An optional phase (set by the scripted demo) is added to every event so that the collector's
// copies can be matched to the phase they were tracked in.
(() => {
  const PREFIX = 'outlast-demo:page:';
  const id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const entry = { page: location.pathname, tracked: 0, byPhase: {}, dropped: 0 };
  const channel = 'BroadcastChannel' in window ? new BroadcastChannel('outlast-demo') : null;

  const phase = () => {
    try {
      return localStorage.getItem('outlast-demo:phase') || 'live';
    } catch {
      return 'live';
    }
  };
  const save = () => {
    try {
      localStorage.setItem(PREFIX + id, JSON.stringify(entry));
    } catch {
      /* storage full or blocked */
    }
  };
  const count = (p) => {
    entry.tracked++;
    entry.byPhase[p] = (entry.byPhase[p] || 0) + 1;
    save();
  };

  /** Tracks through `lib` (the snippet's global or an npm import) and counts it. */
  function track(lib, name, props) {
    const p = phase();
    lib.track(name, Object.assign({}, props, { demo_phase: p }));
    count(p);
  }

  /** `track_pageview()` through `lib`, counted. */
  function pageview(lib, props) {
    const p = phase();
    lib.track_pageview(Object.assign({}, props, { demo_phase: p }));
    count(p);
  }

  /** Publishes `lib`'s delivery state twice a second (once the library has loaded). */
  function watch(lib) {
    const publish = async () => {
      if (typeof lib.get_delivery_state !== 'function') return;
      try {
        const state = await lib.get_delivery_state();
        if (state.dropped !== entry.dropped) {
          entry.dropped = state.dropped;
          save();
        }
        channel?.postMessage({ id, page: location.pathname, at: Date.now(), state });
      } catch {
        /* not ready */
      }
    };
    publish();
    setInterval(publish, 500);
  }

  /** Every page view's counts, for the dashboard and the scripted demo. */
  function totals() {
    const all = { tracked: 0, dropped: 0, byPhase: {}, pages: 0 };
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (!key || !key.startsWith(PREFIX)) continue;
      try {
        const e = JSON.parse(localStorage.getItem(key));
        all.pages++;
        all.tracked += e.tracked;
        all.dropped += e.dropped;
        for (const [p, n] of Object.entries(e.byPhase)) all.byPhase[p] = (all.byPhase[p] || 0) + n;
      } catch {
        /* another demo's key */
      }
    }
    return all;
  }

  /** Forgets every count (the dashboard's reset). */
  function clear() {
    for (let i = localStorage.length - 1; i >= 0; i--) {
      const key = localStorage.key(i);
      if (key && key.startsWith(PREFIX)) localStorage.removeItem(key);
    }
  }

  window.outlastDemo = { track, pageview, watch, totals, clear, channel, entry };
})();
