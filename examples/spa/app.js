// A single-page app that installs Outlast the npm way. Routes change with history.pushState, and
// every route change is a page view (`track_pageview`), as mixpanel-browser apps do.
import mixpanel from 'outlast';

const demo = window.outlastDemo;

/** Short delays so the demo reacts within seconds; production keeps the defaults. */
mixpanel.init('demo-token', {
  api_host: window.OUTLAST_DEMO_HOSTS,
  batch_flush_interval_ms: 1000,
  batch_request_timeout_ms: 3000,
  retry_backoff_base_ms: 500,
  retry_backoff_max_ms: 4000,
  failback_interval_ms: 5000,
});

/** The views, by path: a heading, a line of text and one button that tracks. */
const ROUTES = {
  '/spa/': { title: 'Home', text: 'A single-page app: moving between views does not reload the page.', action: 'Started trial' },
  '/spa/pricing': { title: 'Pricing', text: 'Every route change is tracked with track_pageview().', action: 'Chose plan' },
  '/spa/account': { title: 'Account', text: 'Events wait in IndexedDB while every ingest host is down.', action: 'Saved settings' },
};

/** Draws the view of the current path with DOM APIs. */
function render() {
  const route = ROUTES[location.pathname] ?? ROUTES['/spa/'];
  const view = document.getElementById('view');
  const h1 = document.createElement('h1');
  h1.textContent = route.title;
  const p = document.createElement('p');
  p.textContent = route.text;
  const button = document.createElement('button');
  button.id = 'action';
  button.textContent = route.action;
  button.addEventListener('click', () => {
    demo.track(mixpanel, route.action, { route: location.pathname });
    showCounts();
  });
  view.replaceChildren(h1, p, button);
  document.title = `${route.title} · Outlast single-page app`;
}

/** Renders and tracks a page view for the path now in the address bar. */
function onRoute() {
  render();
  demo.pageview(mixpanel, { route: location.pathname });
  showCounts();
}

/** Client-side navigation: a link with `data-route` changes the view without a page load. */
document.addEventListener('click', (e) => {
  const link = e.target instanceof Element ? e.target.closest('a[data-route]') : null;
  if (!link || e.metaKey || e.ctrlKey || e.shiftKey) return;
  e.preventDefault();
  if (link.pathname !== location.pathname) {
    history.pushState(null, '', link.pathname);
    onRoute();
  }
});
window.addEventListener('popstate', onRoute);

async function showCounts() {
  document.getElementById('tracked').textContent = String(demo.entry.tracked);
  const s = await mixpanel.get_delivery_state();
  document.getElementById('queued').textContent = String(s.queued);
}

onRoute();
demo.watch(mixpanel);
setInterval(showCounts, 1000);
