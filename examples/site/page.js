// The example page's own script: buttons that track, and a live view of where the events are.
// It reads the SDK's delivery state and the collector's control API; both are examples only.
const control = '{{CONTROL}}';
const MODES = ['ok', '503', 'hang', 'refuse'];
let tracked = 1;

const $ = (id) => document.getElementById(id);
const text = (id, v) => { $(id).textContent = String(v); };

$('track').addEventListener('click', () => {
  mixpanel.track('Button clicked', { n: tracked++ });
  text('tracked', tracked);
});
$('burst').addEventListener('click', () => {
  for (let i = 0; i < 100; i++) mixpanel.track('Burst', { n: tracked++ });
  text('tracked', tracked);
});

async function setMode(host, mode) {
  await fetch(`${control}/mode`, { method: 'POST', body: JSON.stringify({ host, mode }) });
  refresh();
}

function renderHosts(stats) {
  const table = $('hosts');
  while (table.rows.length > 1) table.deleteRow(1);
  for (const [name, h] of Object.entries(stats.byHost)) {
    const row = table.insertRow();
    row.insertCell().textContent = name;
    row.insertCell().textContent = h.fault.mode;
    const cell = row.insertCell();
    for (const m of MODES) {
      const b = document.createElement('button');
      b.textContent = m;
      if (h.fault.mode === m) b.className = 'on';
      b.addEventListener('click', () => setMode(name, m));
      cell.append(b);
    }
  }
}

async function refresh() {
  try {
    const s = await mixpanel.get_delivery_state();
    text('queued', s.queued);
    text('in_flight', s.in_flight);
    text('host', s.host + (s.is_sender ? '' : ' (another tab sends)'));
  } catch { /* the library has not loaded yet */ }
  try {
    const stats = await (await fetch(`${control}/stats`)).json();
    text('unique', stats.byEndpoint.track.unique);
    text('duplicates', stats.byEndpoint.track.duplicates);
    renderHosts(stats);
  } catch { /* collector stopped */ }
}
text('tracked', tracked);
refresh();
setInterval(refresh, 1000);
