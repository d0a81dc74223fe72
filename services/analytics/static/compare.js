// The chosen month's KPIs beside the previous month's (GET /v1/kpis over each month's local
// days, with the page's filters), next to the monthly report's links.
import { $, L, api, esc, t } from "/static/common.js";

function monthRange(month) {
  const [year, m] = month.split("-").map(Number);
  const last = new Date(Date.UTC(year, m, 0)).getUTCDate();
  return { from: `${month}-01`, to: `${month}-${String(last).padStart(2, "0")}` };
}

export function previousMonth(month) {
  const [year, m] = month.split("-").map(Number);
  return m === 1 ? `${year - 1}-12` : `${year}-${String(m - 1).padStart(2, "0")}`;
}

function shown(kpi) {
  if (kpi.value === null) return "—";
  if (kpi.unit === "hours") return `${kpi.value.toFixed(1)} h`;
  if (kpi.unit === "percent") return `${kpi.value.toFixed(1)}%`;
  return kpi.value.toFixed(1);
}

// the change in the KPI's unit, coloured by whether it moved towards the target
function change(now, before) {
  if (now.value === null || before.value === null) return "—";
  const delta = now.value - before.value;
  const v = `${delta > 0 ? "+" : delta < 0 ? "−" : "±"}${Math.abs(delta).toFixed(1)}`;
  const text = now.unit === "percent" ? t("points", { v }) : now.unit === "hours" ? `${v} h` : v;
  const better = now.direction === "at_least" ? delta > 0 : delta < 0;
  const cls = delta === 0 ? "" : better ? "down" : "up";
  return `<span class="${cls}">${esc(text)}</span>`;
}

export async function loadComparison(month, filters) {
  if (!month) return;
  const before = previousMonth(month);
  const read = (m) => {
    const params = new URLSearchParams(filters);
    const range = monthRange(m);
    params.set("from", range.from);
    params.set("to", range.to);
    params.set("granularity", "month");
    return api(`/v1/kpis?${params}`);
  };
  const [now, then] = await Promise.all([read(month), read(before)]);
  $("#compare-month").textContent = month;
  $("#compare-previous").textContent = before;
  const previous = Object.fromEntries((then.totals[0]?.kpis || []).map((k) => [k.code, k]));
  $("#month-compare tbody").innerHTML = (now.totals[0]?.kpis || []).map((k) => {
    const p = previous[k.code] || { ...k, value: null };
    return `<tr data-kpi="${esc(k.code)}"><th scope="row">${esc(L(k.label))}</th><td>${esc(shown(k))}</td><td>${esc(shown(p))}</td><td>${change(k, p)}</td></tr>`;
  }).join("");
}
