// The operators' dashboard: plain JS modules, no build step. The page is served only to a
// signed-in browser; data comes from the analytics API with the session cookie, live updates
// from GET /v1/live read with fetch() streaming. What needs attention comes first; a complaint
// opens in place with its own URL (detail.js).
import { barChart, lineChart, periods } from "/static/charts.js";
import { $, BACKGROUND, L, api, apiPost, complaintLink, esc, installCards, leaveFor, localTime, say, state, t, toSignIn } from "/static/common.js";
import { closeDetail, installDetail, openDetail, refreshDetail, routeNumber } from "/static/detail.js";
import { loadComparison } from "/static/compare.js";
import { installDrill, openDrill, refreshDrill } from "/static/drill.js";
import { forSupervisor, installExtensions, loadExtensions } from "/static/extensions.js";
import { installObjections, loadObjections } from "/static/objections.js";
import { installCooperations, loadCooperations } from "/static/cooperations.js";
import { installInbox, loadInbox } from "/static/inbox.js";
import { installRevisits, loadRevisits } from "/static/revisits.js";
import { fillRuleFilter, installRiskFlags, loadRiskFlags, readsRiskFlags } from "/static/risk.js";
import { installDirector, loadDirectorMatters } from "/static/director.js";
import { installEightD, loadEightD } from "/static/eight_d.js";
import { isoWeek, loadInspection, loadInspectionScores, renderSample, saveScore } from "/static/inspection.js";

const page = { number: 1, size: 20, q: "", total: 0 };
const fresh = new Set();
let refreshTimer = null;
let liveAbort = null;
let routedFromPage = false;

// Roles with a desk of their own see only it: the public-relations owner their risk flags, the
// director the matters waiting for them, the quality engineer the 8D cases of severe complaints. They may read none of the dashboard's other panels (nor
// its dictionary or live feed), so the page asks for none of them and reads their desk every
// little while instead of following the live feed.
const DESKS = {
  pr_owner: { install: () => installRiskFlags((e) => say(e.message)), load: () => loadRiskFlags() },
  director: { install: () => installDirector(() => scheduleRefresh()), load: () => loadDirectorMatters() },
  quality_engineer: { install: () => installEightD(() => scheduleRefresh()), load: () => loadEightD() },
};
const DESK_POLL_MS = 20000;
const desk = () => DESKS[state.session.role];

function filterQuery() {
  const params = new URLSearchParams();
  document.querySelectorAll("[data-filter]").forEach((select) => {
    if (select.value) params.append(select.dataset.filter, select.value);
  });
  return params;
}

function applyTexts() {
  document.documentElement.lang = state.lang;
  document.title = t("title");
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll("[data-i18n-placeholder]").forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
  document.querySelectorAll("[data-i18n-label]").forEach((el) => { el.setAttribute("aria-label", t(el.dataset.i18nLabel)); });
  const lang = $("#lang");
  lang.textContent = t("switch");
  lang.lang = state.lang === "en" ? "zh-CN" : "en";
  fillTrendKpis();
  setLive($("#live-status").dataset.state === "on");
  fillFilters();
  if (state.session) showSession();
  if (state.session && readsRiskFlags()) fillRuleFilter();
}

function setLive(on) {
  const el = $("#live-status");
  el.dataset.state = on ? "on" : "off";
  el.className = `live ${on ? "on" : "off"}`;
  el.textContent = t(on ? "online" : "offline");
}

function fillFilters() {
  if (!state.dictionary) return;
  const lists = { department: "departments", channel: "channels", category: "categories", grade: "grades" };
  for (const [filter, key] of Object.entries(lists)) {
    const select = $(`#f-${filter}`);
    const current = select.value;
    select.innerHTML = `<option value="">${esc(t("all"))}</option>` +
      state.dictionary[key].map((e) => `<option value="${esc(e.code)}">${esc(L(e.label))}</option>`).join("");
    select.value = current;
  }
}

function fillTrendKpis() {
  if (!state.dictionary) return;
  const select = $("#trend-kpi");
  const current = select.value || "response_timeliness";
  select.innerHTML = state.dictionary.kpis.map((k) => `<option value="${esc(k.code)}">${esc(L(k.label))}</option>`).join("");
  select.value = current;
}

const none = (columns) => `<tr><td colspan="${columns}">${esc(t("none"))}</td></tr>`;

// --- what needs attention ---------------------------------------------------------------------

function renderAttention(attention) {
  const c = attention.counts;
  $("#counts").innerHTML = [
    ["open", "open_count", c.open], ["breached", "breached_count", c.breached],
    ["at_risk", "at_risk_count", c.at_risk], ["revisits", "revisit_count", c.overdue_revisits],
  ].map(([cls, key, n]) => `<p class="count ${cls}" data-count="${cls}"><span class="n">${n}</span> ${esc(t(key))}</p>`).join("");
  $("#queue tbody").innerHTML = attention.items.map((item) => `<tr data-no="${esc(item.complaint_no)}" data-risk="${esc(item.risk)}">
      <td>${complaintLink(item.complaint_no)}</td><td class="wrap">${esc(item.subject)}</td>
      <td class="risk-${esc(item.risk)}">${esc(L(item.risk_label))}</td><td>${esc(L(item.stage_label))}</td>
      <td>${esc(localTime(item.deadline))}</td><td class="${item.overdue.seconds >= 0 ? "late" : ""}">${esc(L(item.overdue.label))}</td>
      <td>${esc(item.escalation_label ? L(item.escalation_label) : t("not_escalated"))}</td><td>${esc(L(item.department_label))}</td></tr>`).join("")
    || `<tr><td colspan="8">${esc(t("no_attention"))}</td></tr>`;
  $("#revisits tbody").innerHTML = attention.revisits.map((r) => `<tr data-no="${esc(r.complaint_no)}">
      <td>${complaintLink(r.complaint_no)}</td><td class="wrap">${esc(r.subject)}</td><td>${esc(localTime(r.due_at))}</td>
      <td class="late">${esc(L(r.overdue.label))}</td><td>${esc(L(r.department_label))}</td></tr>`).join("")
    || `<tr><td colspan="5">${esc(t("no_revisits"))}</td></tr>`;
}

// --- the complaint list: search and pages ------------------------------------------------------

function renderList(list) {
  page.total = list.total;
  $("#complaint-list tbody").innerHTML = list.items.map((c) =>
    `<tr data-no="${esc(c.complaint_no)}" class="${fresh.has(c.complaint_no) ? "fresh" : ""}"><td>${complaintLink(c.complaint_no)}</td>
      <td class="wrap">${esc(c.subject)}</td><td>${esc(L(c.labels.channel))}</td><td>${esc(L(c.labels.category))}</td>
      <td>${esc(L(c.labels.department))}</td><td>${esc(L(c.labels.status))}</td><td>${esc(localTime(c.received_at))}</td></tr>`,
  ).join("") || none(7);
  fresh.clear();
  const pages = Math.max(1, Math.ceil(list.total / page.size));
  $("#page-info").textContent = t("page_of", { page: page.number, pages, total: list.total });
  $("#prev").disabled = page.number <= 1;
  $("#next").disabled = page.number >= pages;
}

// Only the latest request's answer is drawn: an earlier one (other filters, another page) that
// answers later must not overwrite it.
let listRequests = 0;

async function loadList() {
  const params = filterQuery();
  params.set("page", page.number);
  params.set("page_size", page.size);
  if (page.q) params.set("q", page.q);
  dayRange(params);
  const mine = ++listRequests;
  const list = await api(`/v1/complaints?${params}`);
  if (mine === listRequests) renderList(list);
}

// --- KPIs, charts, backlog -------------------------------------------------------------------

function formatValue(kpi) {
  if (kpi.value === null) return "—";
  if (kpi.unit === "hours") return `${kpi.value.toFixed(1)} h`;
  if (kpi.unit === "percent") return `${kpi.value.toFixed(1)}%`;
  return kpi.value.toFixed(1);
}

// the chosen days narrow the KPIs, the trend, the complaint list and its export alike
function dayRange(params) {
  if ($("#f-from").value) params.set("from", $("#f-from").value);
  if ($("#f-to").value) params.set("to", $("#f-to").value);
  return params;
}

function renderKpis(report) {
  $("#kpis-title").textContent = $("#f-from").value || $("#f-to").value
    ? t("kpis_range", { from: report.date_from, to: report.date_to }) : t("kpis");
  const total = report.totals[0];
  $("#kpis").innerHTML = (total ? total.kpis : []).map((k) => {
    const sign = k.direction === "at_least" ? "≥" : "≤";
    const unit = k.unit === "hours" ? " h" : k.unit === "percent" ? "%" : "";
    return `<button type="button" class="tile rag-${k.rag || "none"}" data-kpi="${esc(k.code)}" data-rag="${esc(k.rag || "")}">
      <span class="name">${esc(L(k.label))}</span><span class="value">${esc(formatValue(k))}</span>
      <span class="target">${esc(t("target"))} ${sign} ${esc(k.target)}${unit}</span></button>`;
  }).join("");
  const granularity = report.granularity;
  const counts = {};
  report.series.forEach((s) => { counts[String(s.period)] = (counts[String(s.period)] || 0) + s.received; });
  const days = periods(String(report.date_from), String(report.date_to), granularity);
  barChart($("#trend-figure"), {
    id: "trend", days, counts, granularity, title: t("trend"),
    desc: t("trend_desc", { period: t(granularity), from: report.date_from, to: report.date_to }),
    tableCaption: t("chart_table"), headers: [t("period"), t("received_count")],
  });
}

function renderTrend(trend) {
  const unit = trend.unit === "percent" ? "%" : trend.unit === "hours" ? " h" : "";
  const format = (v) => `${Number(v).toFixed(trend.unit === "hours" ? 1 : 0)}${unit}`;
  lineChart($("#kpi-trend-figure"), trend, {
    title: `${t("kpi_trend")}: ${L(trend.label)}`,
    desc: t("kpi_trend_desc", { kpi: L(trend.label), period: t(trend.granularity), target: format(trend.target) }),
    tableCaption: t("chart_table"), headers: [t("period"), t("value")], format,
  });
}

async function loadTrend() {
  const params = filterQuery();
  params.set("kpi", $("#trend-kpi").value || "response_timeliness");
  params.set("granularity", $("#f-granularity").value);
  renderTrend(await api(`/v1/kpis/trend?${dayRange(params)}`));
}

function renderBacklog(backlog) {
  $("#backlog thead").innerHTML = `<tr><th scope="col">${esc(t("department"))}</th>${backlog.buckets.map((b) => `<th scope="col">${esc(L(b.label))}</th>`).join("")}<th scope="col">${esc(t("total"))}</th></tr>`;
  $("#backlog tbody").innerHTML = backlog.departments.map((d) =>
    `<tr data-department="${esc(d.department || "")}"><th scope="row">${esc(L(d.label))}</th>${d.buckets.map((b) => `<td>${b.count}</td>`).join("")}<td>${d.total}</td></tr>`,
  ).join("") || none(backlog.buckets.length + 2);
}

// --- calendar gaps, problems, repeats, scorecards ----------------------------------------------

function renderCalendar(warnings) {
  const banner = $("#calendar-warning");
  banner.hidden = warnings.years.length === 0;
  banner.textContent = L(warnings.message);
  banner.dataset.years = warnings.years.join(",");
  $("#calendar-list").innerHTML = warnings.items.map((w) =>
    `<li data-no="${esc(w.complaint_no)}">${complaintLink(w.complaint_no)} · ${esc(t(`stage_${w.stage}`))} · ${esc(w.years.join(t("sep")))} · ${esc(localTime(w.raised_at))}</li>`,
  ).join("") || `<li>${esc(t("no_calendar_gaps"))}</li>`;
}

function change(item) {
  if (item.change_pct === null) return item.change > 0 ? `+${item.change}` : String(item.change);
  const cls = item.change > 0 ? "up" : item.change < 0 ? "down" : "";
  return `<span class="${cls}">${item.change > 0 ? "+" : ""}${item.change_pct.toFixed(0)}%</span>`;
}

function renderProblems(problems) {
  $("#problems tbody").innerHTML = problems.items.map((p) =>
    `<tr data-problem="${esc(p.key)}"><td>${esc(L(p.category_label))}</td><td class="wrap">${esc(p.key)}</td><td>${p.count}</td><td>${p.previous}</td><td>${change(p)}</td></tr>`,
  ).join("") || none(5);
}

function renderRepeats(repeats) {
  const rows = repeats.product_repeats.map((p) =>
    `<tr data-repeat="product"><td>${esc(t("product_repeat"))}</td><td class="wrap">${esc(L(p.category_label))} · ${esc(p.key)}</td><td>${p.count}</td></tr>`)
    .concat(repeats.reopened.map((r) =>
      `<tr data-no="${esc(r.complaint_no)}" data-repeat="reopened"><td>${esc(t("reopened"))}</td><td class="wrap">${complaintLink(r.complaint_no)} · ${esc(L(r.department_label))}</td><td>${r.reopened_in_month}</td></tr>`));
  repeats.complainant_repeats.forEach((c) => rows.push(
    `<tr data-repeat="complainant"><td>${esc(t("complainant_repeat"))}</td><td class="wrap">${esc(c.complainant)} · ${c.complaint_nos.map(complaintLink).join(t("sep"))}</td><td>${c.count}</td></tr>`));
  $("#repeats tbody").innerHTML = rows.join("") || none(3);
}

// "breach ≥ 10" → "超时 ≥ 10" / "breaches ≥ 10"
function condition(text) {
  const match = /^(\w+)\s*≥\s*(\d+)$/.exec(text);
  return match ? `${t(match[1])} ≥ ${match[2]}` : text;
}

function renderScorecards(cards) {
  $("#scorecards tbody").innerHTML = cards.departments.map((d) => {
    const incidents = Object.entries(d.incidents).filter(([, n]) => n).map(([k, n]) => `${t(k)} ${n}`).join(t("sep"));
    const chain = d.chain.filter((c) => c.deducted)
      .map((c) => `${L(c.link_label)} · ${t("login_name")}${c.person || "—"} −${c.deducted}`)
      .join(state.lang === "en" ? "; " : "；");
    return `<tr data-department="${esc(d.department || "")}" data-rating="${esc(d.rating)}"><th scope="row">${esc(L(d.label))}</th><td>${esc(d.score)}</td>
      <td class="rating-${esc(d.rating)}">${esc(L(d.rating_label))}</td><td class="wrap">${esc(incidents || "—")}</td><td class="wrap">${esc(d.disqualified_by.map(condition).join(t("sep")) || "—")}</td></tr>` +
      (chain ? `<tr class="chain" data-chain="${esc(d.department || "")}"><td colspan="5">${esc(t("chain"))}${esc(t("colon"))}${esc(chain)}</td></tr>` : "");
  }).join("") || none(5);
}

// Staff scorecards: the API lists only whom the reader may see (themself, their department's people
// for its head, whom they stand above, or everybody for supervisors and operators); auditors may
// see none, so the panel stays hidden.
const STAFF_ROLES = ["agent", "department_head", "supervisor", "operator", "admin"];

async function loadStaff(month) {
  const panel = $("#staff-panel");
  panel.hidden = !STAFF_ROLES.includes(state.session.role);
  if (panel.hidden) return;
  const cards = await api(`/v1/scorecards/staff?month=${month}`);
  $("#staff-scorecards tbody").innerHTML = cards.people.map((p) =>
    `<tr data-person="${esc(p.person)}" data-rating="${esc(p.rating)}"><th scope="row">${esc(p.name || p.person)}</th><td>${esc(p.score)}</td>
      <td class="rating-${esc(p.rating)}">${esc(L(p.rating_label))}</td><td>${esc(p.deducted)}</td><td class="wrap">${esc(p.disqualified_by.map(L).join(t("sep")) || "—")}</td></tr>`,
  ).join("") || none(5);
}

// --- monthly report, CSV export ---------------------------------------------------------------

function showReports(month) {
  $("#reports").hidden = !["operator", "supervisor", "admin"].includes(state.session.role);
  $("#report-pdf").href = `/v1/reports/monthly?month=${encodeURIComponent(month)}&format=pdf`;
  $("#report-csv").href = `/v1/reports/monthly?month=${encodeURIComponent(month)}&format=csv`;
}

const csvCell = (v) => `"${String(v ?? "").replaceAll('"', '""')}"`;

// The complaint list as filtered and searched (every page, up to 1,000 rows), labels in the
// page's language; UTF-8 with a byte-order mark so spreadsheet programs read the Chinese.
async function exportCsv() {
  const rows = [[t("no"), t("subject"), t("channel"), t("category"), t("department"), t("status"), t("received_at_col")]];
  for (let number = 1; number <= 10; number += 1) {
    const params = filterQuery();
    params.set("page", number);
    params.set("page_size", 100);
    if (page.q) params.set("q", page.q);
    dayRange(params);
    const list = await api(`/v1/complaints?${params}`);
    list.items.forEach((c) => rows.push([c.complaint_no, c.subject, L(c.labels.channel), L(c.labels.category),
      L(c.labels.department), L(c.labels.status), localTime(c.received_at)]));
    if (number * 100 >= list.total) break;
  }
  const blob = new Blob(["\ufeff" + rows.map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = `complaints-${new Date().toISOString().slice(0, 10)}.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

// --- refresh, live updates ------------------------------------------------------------------------

// One refresh at a time: a refresh asked for while one runs (a live event, a filter changed)
// runs once more after it, so what is drawn last was read last, with the filters as they are now.
let refreshing = null;
let refreshAgain = false;

async function refresh() {
  if (refreshing) { refreshAgain = true; return refreshing; }
  refreshing = (async () => {
    do { refreshAgain = false; await refreshOnce(); } while (refreshAgain);
  })();
  try { await refreshing; } finally { refreshing = null; }
}

async function refreshDesk() {
  try {
    await desk().load();
    say("");
    refreshDetail();
    document.body.dataset.loaded = String(Date.now());
  } catch (error) { if (error.status !== 401) say(t("failed_load", { what: error.message })); }
}

async function refreshOnce() {
  if (desk()) { await refreshDesk(); return; }
  try {
    if (!state.dictionary) { state.dictionary = await api("/v1/dictionary"); fillFilters(); fillTrendKpis(); }
    const filters = filterQuery();
    const kpiParams = new URLSearchParams(filters);
    kpiParams.set("granularity", $("#f-granularity").value);
    const month = $("#f-month").value;
    showReports(month);
    const panels = await Promise.allSettled([
      api(`/v1/attention?${filters}`).then(renderAttention),
      loadList(),
      api(`/v1/kpis?${dayRange(kpiParams)}`).then(renderKpis),
      api(`/v1/backlog?${filters}`).then(renderBacklog),
      loadTrend(), api("/v1/calendar-warnings").then(renderCalendar),
      api(`/v1/problems?month=${month}&${filters}`).then(renderProblems),
      api(`/v1/repeats?month=${month}&${filters}`).then(renderRepeats),
      api(`/v1/scorecards?month=${month}`).then(renderScorecards), loadStaff(month),
      loadInspection(), loadInspectionScores(month),
      refreshDrill(), loadComparison(month, filters),
      ...(state.session.role === "agent" ? [loadInbox(), loadRevisits(), loadEightD()] : []),
      ...(forSupervisor()
        ? [loadExtensions(), loadRiskFlags(), loadObjections(), loadCooperations(), loadEightD()]
        : []),
    ]);
    const failed = panels.find((p) => p.status === "rejected" && p.reason.status !== 401);
    say(failed ? t("failed_load", { what: failed.reason.message }) : "");
    refreshDetail();
    document.body.dataset.loaded = String(Date.now());
  } catch (error) { if (error.status !== 401) say(String(error.message || error)); }
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, 150);
}

async function live() {
  if (liveAbort) liveAbort.abort();
  const abort = new AbortController();
  liveAbort = abort;
  while (!abort.signal.aborted) {
    try {
      const response = await fetch("/v1/live", { signal: abort.signal, headers: BACKGROUND });
      if (response.status === 401) { toSignIn(); return; }
      if (!response.ok) { setLive(false); await new Promise((r) => setTimeout(r, 5000)); continue; }
      setLive(true);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(block);
          const data = /^data: (.*)$/m.exec(block);
          // once subscribed, read again: a change committed between the first read and the
          // subscription would otherwise never show
          if (event && event[1] === "hello") scheduleRefresh();
          if (event && event[1] === "session_ended") { toSignIn(); return; }
          if (event && event[1] === "complaint" && data) {
            fresh.add(JSON.parse(data[1]).complaint_no);
            scheduleRefresh();
          }
        }
      }
    } catch (error) { if (abort.signal.aborted) return; }
    setLive(false);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

// --- session, routing, start --------------------------------------------------------------------

function showSession() {
  const s = state.session;
  $("#who-name").textContent = s.name || `${t("login_name")}${s.subject}`;
  $("#who-role").textContent = L(s.role_label) + (s.department_label ? ` · ${L(s.department_label)}` : "");
}

async function signOut() {
  if (liveAbort) liveAbort.abort();
  await fetch("/v1/session", { method: "DELETE", headers: { "X-CSRF-Token": state.session.csrf_token } }).catch(() => {});
  // signed in at the provider: on to its sign-out too, so the next person at this desk is asked again
  leaveFor(state.session.subject.startsWith("oidc:") ? "/v1/session/oidc/logout" : "/sign-in");
}

function route() {
  const no = routeNumber();
  if (no) openDetail(no, routedFromPage);
  else closeDetail();
}

async function start() {
  localStorage.removeItem("tousu.token");  // an earlier version kept a token there
  const response = await fetch("/v1/session");
  if (!response.ok) { toSignIn(); return; }
  state.session = await response.json();
  const now = new Date();
  $("#f-month").value = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
  $("#insp-week").value = isoWeek(new Date(now.getTime() - 7 * 86400000));
  applyTexts();
  installCards();
  installDetail();
  $("#lang").addEventListener("click", () => {
    state.lang = state.lang === "zh-CN" ? "en" : "zh-CN";
    localStorage.setItem("tousu.lang", state.lang);
    applyTexts(); refresh();
  });
  $("#sign-out").addEventListener("click", signOut);
  if (desk()) { startDesk(); return; }
  if (state.session.role === "agent") {
    installInbox(scheduleRefresh); installRevisits(scheduleRefresh); installEightD(scheduleRefresh);
  }
  if (forSupervisor()) {
    installExtensions(scheduleRefresh);
    installRiskFlags((e) => say(e.message));
    installObjections(scheduleRefresh);
    installCooperations();
    installEightD(scheduleRefresh);
  }
  installDrill(() => dayRange(filterQuery()), (e) => say(e.message));
  $("#export-csv").addEventListener("click", () => exportCsv().catch((e) => say(e.message)));
  document.querySelectorAll("#filters select, #f-month, #f-from, #f-to").forEach((s) => s.addEventListener("change", () => { page.number = 1; refresh(); }));
  $("#search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    page.q = $("#q").value.trim();
    page.number = 1;
    loadList().catch((e) => say(e.message));
  });
  $("#prev").addEventListener("click", () => { page.number = Math.max(1, page.number - 1); loadList().catch((e) => say(e.message)); });
  $("#next").addEventListener("click", () => { page.number += 1; loadList().catch((e) => say(e.message)); });
  $("#trend-kpi").addEventListener("change", () => loadTrend().catch((e) => say(e.message)));
  $("#kpis").addEventListener("click", (event) => {
    const tile = event.target.closest(".tile[data-kpi]");
    if (!tile) return;
    $("#trend-kpi").value = tile.dataset.kpi;
    loadTrend().catch((e) => say(e.message));
    openDrill(tile.dataset.kpi).catch((e) => say(e.message));
  });
  $("#insp-load").addEventListener("click", () => loadInspection().catch((e) => say(e.message)));
  $("#draw-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      renderSample(await apiPost(`/v1/inspections/${encodeURIComponent($("#insp-week").value.trim())}/draw`, {}));
      say("");
    } catch (error) { say(error.message); }
  });
  $("#inspection").addEventListener("input", (event) => {
    const row = event.target.closest("tr[data-sample]");
    if (row) row.dataset.dirty = "";
  });
  $("#inspection").addEventListener("click", (event) => {
    const button = event.target.closest(".save-score");
    if (button) saveScore(button.closest("tr"), refresh);
  });
  window.addEventListener("hashchange", () => { route(); routedFromPage = true; });
  routedFromPage = false;
  route();
  routedFromPage = true;
  refresh(); live();
}

function startDesk() {
  document.querySelectorAll("[data-board]").forEach((el) => { el.hidden = true; });
  desk().install();
  window.addEventListener("hashchange", () => { route(); routedFromPage = true; });
  route();
  routedFromPage = true;
  refresh();
  setInterval(refresh, DESK_POLL_MS);
}

start();
