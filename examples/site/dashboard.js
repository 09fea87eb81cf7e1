// The dashboard: where every event tracked by the open pages is (tracked, in the outbox, in
// flight, delivered, dropped, lost), which host serves, a live chart, and switches that break
// the hosts through the collector's control API.
const control = '{{CONTROL}}';
/** Ingest host URLs by name, in failover order (the first-party proxy last when there is one). */
const HOST_NAMES = {{HOST_NAMES}};
const MODES = ['ok', '503', 'hang', 'refuse'];
/** A tab that has not published its state for this long is gone. */
const STALE_MS = 2_000;
const demo = window.outlastDemo;

const $ = (id) => document.getElementById(id);
const show = (id, v) => { $(id).textContent = String(v); };

/** Latest delivery state published by each open tab. */
const tabs = new Map();
demo.channel?.addEventListener('message', (e) => { if (e.data?.state) tabs.set(e.data.id, e.data); });

const chart = window.createChart($('chart'), {
  series: [
    { key: 'queued', label: 'in the outbox', color: '#d9822b' },
    { key: 'unique', label: 'delivered (unique)', color: '#2b6fd9' },
    { key: 'lost', label: 'lost', color: '#c0262d' },
  ],
});

/** The name of a host URL, e.g. `primary`. */
function hostName(url) {
  const found = Object.entries(HOST_NAMES).find(([, u]) => u && url && url.replace(/\/+$/, '') === u);
  return found ? found[0] : url || '–';
}

async function post(path, body) {
  await fetch(path, { method: 'POST', body: JSON.stringify(body) });
  refresh();
}

/** Rows of the hosts table by host name; built once and updated in place, so a click is never lost to a redraw. */
const hostRows = new Map();

/** The row of a host, with one button per action; created on first sight. */
function hostRow(name, actions, url) {
  let row = hostRows.get(name);
  if (!row) {
    row = $('hosts').insertRow();
    row.id = `host-${name}`;
    row.insertCell().textContent = name;
    row.insertCell();
    const cell = row.insertCell();
    for (const [label, action] of actions) {
      const b = document.createElement('button');
      b.textContent = label;
      b.dataset.mode = label;
      b.addEventListener('click', action);
      cell.append(b);
    }
    row.insertCell().textContent = url;
    hostRows.set(name, row);
  }
  return row;
}

/** Shows a host's current mode and highlights its button. */
function showMode(row, mode) {
  row.cells[1].textContent = mode;
  for (const b of row.cells[2].children) b.className = b.dataset.mode === mode ? 'on' : '';
}

/** One table row per host with its mode and one button per mode; nginx's row starts or kills it. */
function renderHosts(stats, nginx) {
  for (const [name, h] of Object.entries(stats.byHost)) {
    const label = name === 'script' ? 'serves mixpanel.min.js' : name === 'upstream' ? 'the ingest host behind nginx' : 'ingest host';
    const row = hostRow(name, MODES.map((m) => [m, () => post(`${control}/mode`, { host: name, mode: m })]), `${label} · ${h.url}`);
    showMode(row, h.fault.mode);
  }
  if (nginx.available) {
    const row = hostRow('nginx', [
      ['start', () => post('/__demo/nginx', { action: 'start' })],
      ['kill', () => post('/__demo/nginx', { action: 'kill' })],
    ], `first-party proxy · ${nginx.url}`);
    row.cells[1].textContent = nginx.running ? 'running' : 'killed';
    for (const b of row.cells[2].children) b.className = (b.dataset.mode === 'start') === nginx.running ? 'on' : '';
  }
  $('nginx-help').textContent = nginx.available ? '' : 'nginx is not installed, so there is no first-party proxy: apt-get install nginx, then npm start again.';
}

let nginx = { available: false };
async function refresh() {
  let stats;
  try {
    stats = await (await fetch(`${control}/stats`)).json();
    nginx = await (await fetch('/__demo/nginx')).json().catch(() => ({ available: false }));
  } catch {
    show('d-host', 'collector stopped');
    return;
  }
  // Read the outbox right after the collector, so an event is not counted in both or neither.
  // Until the library has loaded, the snippet's stub has no get_delivery_state().
  const own = typeof mixpanel.get_delivery_state === 'function' ? await mixpanel.get_delivery_state().catch(() => null) : null;
  const now = Date.now();
  const states = [...tabs.values()].filter((t) => now - t.at < STALE_MS).map((t) => t.state);
  if (own && typeof own.queued === 'number') states.push(own);
  const sender = states.find((s) => s.is_sender);
  const totals = demo.totals();
  const queued = own?.queued ?? sender?.queued ?? 0;
  const inFlight = states.reduce((n, s) => n + (s.in_flight || 0), 0);
  const track = stats.byEndpoint.track;
  const lost = Math.max(0, totals.tracked - track.unique - queued - totals.dropped);
  show('d-tracked', totals.tracked);
  show('d-queued', queued);
  show('d-in-flight', inFlight);
  show('d-unique', track.unique);
  show('d-duplicates', track.duplicates);
  show('d-dropped', totals.dropped);
  show('d-lost', lost);
  $('d-lost').className = `num ${lost === 0 ? 'lost-0' : 'lost-n'}`;
  show('d-host', sender ? hostName(sender.host) : '–');
  renderHosts(stats, nginx);
  const fault = Object.values(stats.byHost).some((h) => h.fault.mode !== 'ok') || (nginx.available && !nginx.running);
  chart.add(now, { queued, unique: track.unique, lost }, fault);
}

$('reset').addEventListener('click', async () => {
  demo.clear();
  await post(`${control}/reset`, { keepModes: true });
  chart.points.length = 0;
});

demo.watch(mixpanel);
refresh();
setInterval(refresh, 1000);
