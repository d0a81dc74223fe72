// KPI tile → the complaints behind the figure (GET /v1/kpis/{kpi}/complaints): the ones the KPI
// counts over the tile's range and filters, all of them or only those in its numerator or the
// rest, each with what it counts as, paged.
import { $, L, api, complaintLink, esc, localTime, t } from "/static/common.js";

// KPIs whose numerator is what should not happen (a breach, a reopen): there the rest is good
const BAD_NUMERATOR = new Set(["sla_breach_rate", "reopen_rate"]);

const drill = { kpi: null, label: null, part: "all", page: 1, size: 20, total: 0, query: null };

function outcome(item) {
  if (item.outcome_label) return L(item.outcome_label);
  if (item.value === null) return t("counted");
  return drill.kpi.endsWith("satisfaction") ? t("score_value", { v: item.value }) : t("hours_value", { v: item.value.toFixed(1) });
}

function render(body) {
  drill.total = body.total;
  $("#drill-title").textContent = t("drill_title", { kpi: L(body.label), from: body.date_from, to: body.date_to });
  const counts = { all: body.counted, numerator: body.numerator, rest: body.numerator === null ? null : body.counted - body.numerator };
  document.querySelectorAll("#drill [data-part]").forEach((button) => {
    const n = counts[button.dataset.part];
    button.hidden = n === null;
    button.textContent = t(`part_${button.dataset.part}`, { n });
    button.setAttribute("aria-pressed", String(button.dataset.part === drill.part));
  });
  $("#drill-list tbody").innerHTML = body.items.map((item) => {
    const c = item.complaint;
    const good = item.in_numerator !== null && item.in_numerator !== BAD_NUMERATOR.has(drill.kpi);
    const cls = item.in_numerator === null ? "" : good ? "in" : "out";
    return `<tr data-no="${esc(c.complaint_no)}" data-in="${esc(String(item.in_numerator))}"><td>${complaintLink(c.complaint_no)}</td>
      <td class="wrap">${esc(c.subject)}</td><td>${esc(L(c.labels.department))}</td><td>${esc(L(c.labels.status))}</td>
      <td>${esc(localTime(c.received_at))}</td><td class="${cls}">${esc(outcome(item))}</td></tr>`;
  }).join("") || `<tr><td colspan="6">${esc(t("none"))}</td></tr>`;
  const pages = Math.max(1, Math.ceil(body.total / drill.size));
  $("#drill-info").textContent = t("page_of", { page: drill.page, pages, total: body.total });
  $("#drill-prev").disabled = drill.page <= 1;
  $("#drill-next").disabled = drill.page >= pages;
}

// a live refresh may ask while a click on another part is out: only the latest answer is drawn,
// never an earlier, slower one over it
let requests = 0;

async function load() {
  if (!drill.kpi) return;
  const params = new URLSearchParams(drill.query());
  params.set("part", drill.part);
  params.set("page", drill.page);
  params.set("page_size", drill.size);
  const mine = ++requests;
  const body = await api(`/v1/kpis/${encodeURIComponent(drill.kpi)}/complaints?${params}`);
  if (mine === requests) render(body);
}

export async function openDrill(kpi) {
  drill.kpi = kpi;
  drill.part = "all";
  drill.page = 1;
  $("#drill").hidden = false;
  await load();
  $("#drill-title").focus();
}

// the open list follows the tiles: same filters and range, redrawn with them
export const refreshDrill = () => load();

// query(): the tiles' filters and range as URL parameters, as they are when asked
export function installDrill(query, onError) {
  drill.query = query;
  const run = (f) => () => { f(); load().catch(onError); };
  document.querySelectorAll("#drill [data-part]").forEach((button) => button.addEventListener("click", run(() => {
    drill.part = button.dataset.part; drill.page = 1;
  })));
  $("#drill-prev").addEventListener("click", run(() => { drill.page = Math.max(1, drill.page - 1); }));
  $("#drill-next").addEventListener("click", run(() => { drill.page += 1; }));
  $("#drill-close").addEventListener("click", () => {
    const tile = document.querySelector(`#kpis .tile[data-kpi="${drill.kpi}"]`);
    drill.kpi = null;
    $("#drill").hidden = true;
    if (tile) tile.focus();
  });
}
