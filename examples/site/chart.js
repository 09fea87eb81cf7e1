// A small live line chart drawn as inline SVG with DOM APIs (no charting library, no markup
// strings): a few series over a sliding time window, each with its latest value in the legend.
(() => {
  const NS = 'http://www.w3.org/2000/svg';
  const svg = (name, attrs) => {
    const el = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    return el;
  };

  /**
   * Creates a chart in `container`. `series` is a list of `{ key, label, color }`; call
   * `add(time, values)` with one number per key, and the chart keeps the last `windowMs`.
   */
  function createChart(container, { series, width = 640, height = 200, windowMs = 120_000 }) {
    const pad = { left: 44, right: 12, top: 12, bottom: 26 };
    const root = svg('svg', {
      viewBox: `0 0 ${width} ${height}`,
      width: '100%',
      role: 'img',
      'aria-label': 'outbox depth and delivered events over time',
    });
    const plot = { x: pad.left, y: pad.top, w: width - pad.left - pad.right, h: height - pad.top - pad.bottom };
    root.append(svg('rect', { x: plot.x, y: plot.y, width: plot.w, height: plot.h, fill: '#f7f8fa', stroke: '#e3e6ec' }));
    const grid = svg('g', {});
    const bands = svg('g', {});
    root.append(bands, grid);
    const lines = series.map((s) => {
      const line = svg('polyline', { fill: 'none', stroke: s.color, 'stroke-width': 2, 'stroke-linejoin': 'round' });
      root.append(line);
      return line;
    });
    const legend = svg('g', {});
    const legendTexts = series.map((s, i) => {
      const x = plot.x + 8 + i * 200;
      legend.append(svg('rect', { x, y: height - 14, width: 10, height: 10, fill: s.color }));
      const t = svg('text', { x: x + 14, y: height - 5, 'font-size': 12, fill: '#1d2330' });
      legend.append(t);
      return t;
    });
    root.append(legend);
    container.append(root);

    /** @type {{ t: number, v: Record<string, number>, fault: boolean }[]} */
    const points = [];

    function draw() {
      const now = points.length ? points[points.length - 1].t : Date.now();
      // The time axis grows with the session up to the window, so a fresh dashboard is not empty.
      const span = Math.min(windowMs, Math.max(20_000, points.length ? now - points[0].t : 0));
      const t0 = now - span;
      const max = Math.max(10, ...points.flatMap((p) => series.map((s) => p.v[s.key] ?? 0)));
      const nice = 10 ** Math.floor(Math.log10(max));
      const top = Math.ceil(max / nice) * nice;
      const x = (t) => plot.x + ((t - t0) / span) * plot.w;
      const y = (v) => plot.y + plot.h - (v / top) * plot.h;
      grid.replaceChildren();
      for (const f of [0, 0.5, 1]) {
        grid.append(svg('line', { x1: plot.x, x2: plot.x + plot.w, y1: y(top * f), y2: y(top * f), stroke: '#e3e6ec' }));
        const label = svg('text', { x: plot.x - 6, y: y(top * f) + 4, 'font-size': 11, 'text-anchor': 'end', fill: '#5b6475' });
        label.textContent = String(Math.round(top * f));
        grid.append(label);
      }
      const axis = svg('text', { x: plot.x + plot.w, y: plot.y + plot.h + 14, 'font-size': 11, 'text-anchor': 'end', fill: '#5b6475' });
      axis.textContent = `last ${Math.round(span / 1000)} s`;
      grid.append(axis);
      // Shade the stretches when some host was broken, so the outage is visible on the chart.
      bands.replaceChildren();
      for (let i = 1; i < points.length; i++) {
        if (!points[i - 1].fault) continue;
        const a = Math.max(x(points[i - 1].t), plot.x);
        bands.append(svg('rect', { x: a, y: plot.y, width: Math.max(0, x(points[i].t) - a), height: plot.h, fill: '#fde8e8' }));
      }
      series.forEach((s, i) => {
        lines[i].setAttribute('points', points.map((p) => `${x(p.t).toFixed(1)},${y(p.v[s.key] ?? 0).toFixed(1)}`).join(' '));
        const last = points.length ? points[points.length - 1].v[s.key] : 0;
        legendTexts[i].textContent = `${s.label}: ${last ?? 0}`;
      });
    }

    return {
      /** Adds a sample; `fault` shades the time until the next sample. */
      add(t, values, fault = false) {
        points.push({ t, v: values, fault });
        while (points.length && points[0].t < t - windowMs) points.shift();
        draw();
      },
      points,
    };
  }

  window.createChart = createChart;
})();
