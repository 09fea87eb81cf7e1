// The example pages' own script: buttons that track, and a one-line status of where the events
// are. Everything here is the demo's; the paste-in block in each page's <head> is the product.
const demo = window.outlastDemo;
const control = '{{CONTROL}}';
const $ = (id) => document.getElementById(id);
const show = (id, v) => {
  const el = $(id);
  if (el) el.textContent = String(v);
};

demo.track(mixpanel, 'Page loaded', { page: document.body.dataset.page });
demo.watch(mixpanel);

for (const button of document.querySelectorAll('[data-track]')) {
  button.addEventListener('click', () => {
    const times = Number(button.dataset.times || 1);
    for (let i = 0; i < times; i++)
      demo.track(mixpanel, button.dataset.track, { page: document.body.dataset.page, sku: button.dataset.sku, n: demo.entry.tracked });
    show('tracked', demo.entry.tracked);
  });
}

async function refresh() {
  show('tracked', demo.entry.tracked);
  try {
    const s = await mixpanel.get_delivery_state();
    show('queued', s.queued);
  } catch {
    /* the library has not loaded yet */
  }
  try {
    const stats = await (await fetch(`${control}/stats`)).json();
    show('unique', stats.byEndpoint.track.unique);
  } catch {
    show('unique', '?');
  }
}
refresh();
setInterval(refresh, 1000);
