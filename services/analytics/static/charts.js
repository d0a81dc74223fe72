// Inline SVG charts with a continuous date axis (every period from the first to the last day,
// empty ones as zero), y-axis labels, and a text alternative: the SVG is an image named by its
// <title> and <desc>, and the figures are in a visually hidden table beside it.
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

function utc(day) { const [y, m, d] = day.split("-").map(Number); return new Date(Date.UTC(y, m - 1, d)); }
function iso(date) { return date.toISOString().slice(0, 10); }

// The first day of every period (day, ISO week from Monday, month) from `from` to `to`.
export function periods(from, to, granularity) {
  const out = [];
  const end = utc(to);
  const cursor = utc(from);
  if (granularity === "week") cursor.setUTCDate(cursor.getUTCDate() - ((cursor.getUTCDay() + 6) % 7));
  if (granularity === "month") cursor.setUTCDate(1);
  while (cursor <= end && out.length < 1000) {
    out.push(iso(cursor));
    if (granularity === "day") cursor.setUTCDate(cursor.getUTCDate() + 1);
    else if (granularity === "week") cursor.setUTCDate(cursor.getUTCDate() + 7);
    else cursor.setUTCMonth(cursor.getUTCMonth() + 1);
  }
  return out;
}

export function periodLabel(day, granularity) {
  return granularity === "month" ? day.slice(0, 7) : day.slice(5);
}

function niceMax(value) {
  if (value <= 5) return 5;
  const step = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / step) * step;
}

function hiddenTable(caption, headers, rows) {
  // wrapped: a table grows to fit its cells whatever width it is given, a div does not
  return `<div class="visually-hidden"><table><caption>${esc(caption)}</caption><thead><tr>${headers.map((h) => `<th scope="col">${esc(h)}</th>`).join("")}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`).join("")}</tbody></table></div>`;
}

// Bars of complaints received per period.
export function barChart(figure, { id, days, counts, granularity, title, desc, tableCaption, headers }) {
  const W = 600, H = 190, left = 36, right = 8, top = 10, bottom = 26;
  const max = niceMax(Math.max(0, ...days.map((d) => counts[d] || 0)));
  const slot = (W - left - right) / Math.max(days.length, 1);
  const y = (v) => top + (H - top - bottom) * (1 - v / max);
  const every = Math.max(1, Math.ceil(days.length / 8));
  const ticks = [0, max / 2, max];
  figure.innerHTML =
    `<svg id="${id}" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${id}-title ${id}-desc">` +
    `<title id="${id}-title">${esc(title)}</title><desc id="${id}-desc">${esc(desc)}</desc>` +
    ticks.map((v) => `<line class="grid" x1="${left}" x2="${W - right}" y1="${y(v)}" y2="${y(v)}"></line>` +
      `<text x="${left - 4}" y="${y(v) + 4}" text-anchor="end">${esc(Math.round(v))}</text>`).join("") +
    days.map((d, i) => {
      const v = counts[d] || 0;
      const h = (v / max) * (H - top - bottom);
      return `<rect data-period="${esc(d)}" x="${(left + i * slot + slot * 0.1).toFixed(1)}" y="${(y(0) - h).toFixed(1)}" width="${Math.max(slot * 0.8, 1).toFixed(1)}" height="${h.toFixed(1)}"></rect>`;
    }).join("") +
    `<line class="axis" x1="${left}" x2="${W - right}" y1="${y(0)}" y2="${y(0)}"></line>` +
    days.map((d, i) => (i % every ? "" : `<text x="${(left + i * slot + slot / 2).toFixed(1)}" y="${H - 8}" text-anchor="middle">${esc(periodLabel(d, granularity))}</text>`)).join("") +
    `</svg>` + hiddenTable(tableCaption, headers, days.map((d) => [d, counts[d] || 0]));
}

// One KPI per period as a line, the target as a dashed line, each point coloured by its verdict.
export function lineChart(figure, trend, { title, desc, tableCaption, headers, format }) {
  const W = 600, H = 210, left = 44, right = 10, top = 10, bottom = 26;
  const values = trend.points.map((p) => p.value).filter((v) => v !== null);
  const max = niceMax(Math.max(trend.target, ...values, 1) * 1.05);
  const n = trend.points.length;
  const x = (i) => left + (n > 1 ? (i * (W - left - right)) / (n - 1) : (W - left - right) / 2);
  const y = (v) => top + (H - top - bottom) * (1 - v / max);
  let path = "", pen = false;
  trend.points.forEach((p, i) => {
    if (p.value === null) { pen = false; return; }
    path += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(p.value).toFixed(1)} `;
    pen = true;
  });
  const every = Math.max(1, Math.ceil(n / 8));
  const ticks = [0, max / 2, max];
  figure.innerHTML =
    `<svg id="kpi-trend" data-kpi="${esc(trend.kpi)}" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="kpi-trend-svg-title kpi-trend-svg-desc">` +
    `<title id="kpi-trend-svg-title">${esc(title)}</title><desc id="kpi-trend-svg-desc">${esc(desc)}</desc>` +
    ticks.map((v) => `<line class="grid" x1="${left}" x2="${W - right}" y1="${y(v)}" y2="${y(v)}"></line>` +
      `<text x="${left - 4}" y="${y(v) + 4}" text-anchor="end">${esc(format(v))}</text>`).join("") +
    `<line class="axis" x1="${left}" y1="${y(0)}" x2="${W - right}" y2="${y(0)}"></line>` +
    `<line class="target" data-target="${esc(trend.target)}" x1="${left}" x2="${W - right}" y1="${y(trend.target)}" y2="${y(trend.target)}"></line>` +
    `<path class="actual" d="${path.trim()}"></path>` +
    trend.points.map((p, i) => (p.value === null ? "" :
      `<circle class="rag-${esc(p.rag || "none")}" cx="${x(i).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="3"></circle>`)).join("") +
    trend.points.map((p, i) => (i % every ? "" : `<text x="${x(i).toFixed(1)}" y="${H - 8}" text-anchor="middle">${esc(periodLabel(String(p.period), trend.granularity))}</text>`)).join("") +
    `</svg>` + hiddenTable(tableCaption, headers, trend.points.map((p) => [p.period, p.value === null ? "—" : format(p.value)]));
}
