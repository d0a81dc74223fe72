// The operators' dashboard: plain JS, no build step. The page is served only to a signed-in
// browser; the API is called with the HttpOnly session cookie (sent by the browser itself) and,
// for anything that changes state, the session's CSRF token, kept in memory only. Live updates
// come from GET /v1/live read with fetch() streaming.
"use strict";

const TEXT = {
  "zh-CN": {
    title: "投诉运营看板", offline: "未连接", online: "实时", sign_out: "退出登录", login_name: "登录名：",
    department: "部门", channel: "渠道", category: "分类", grade: "等级", granularity: "周期",
    day: "日", week: "周", month: "月", all: "全部", kpis: "关键指标（近 30 天受理）", trend: "受理量趋势",
    backlog: "积压（按部门与时长）", at_risk: "临近超时与已超时", recent: "最新投诉", timeline: "投诉时间线",
    pick: "点击列表中的投诉查看时间线。", no: "编号", risk: "风险", status: "状态", received: "受理时间",
    subject: "主题", total: "合计", target: "目标", none: "暂无数据", bad_token: "当前角色无权查看此内容。", scope: "仅本部门：", switch: "English",
    month_filter: "月份", kpi_trend: "指标趋势", actual: "实际值", target_line: "目标线", calendar_gaps: "时限日历缺口",
    problems: "本月高频问题", problem: "产品/问题", count: "件数", previous: "上月", change: "环比", repeats: "本月重复投诉",
    kind: "类型", what: "对象", product_repeat: "同一产品同类问题", reopened: "重新处理", complainant_repeat: "同一投诉人",
    scorecards: "部门考核", score: "得分", rating: "评级", incidents: "质量事件",
    disqualified: "一票否决", inspection: "每周质检抽查", week: "周", show: "查看", draw: "抽取样本",
    attitude: "服务态度", timeliness_item: "及时性", resolution_item: "解决程度", accuracy: "准确性", save: "保存",
    inspection_scores: "质检得分（按部门，本月）", scored: "已评", failed: "不合格", average: "平均分",
    not_drawn: "该周尚未抽样。", drawn_info: "种子 {seed}，总体 {population} 件，抽取 {n} 件（{ratio}%）", saved: "已保存",
    breach: "超时", reopen: "重开", dissatisfied: "不满意", failed_inspection: "质检不合格", no_calendar_gaps: "无", chain: "责任链扣分",
    score_blank: "请填写全部四项得分（0–25）后再保存。", score_range: "每项得分须为 0 到 25 之间的整数。", score_of: "{item}：{no}",
  },
  en: {
    title: "Complaints dashboard", offline: "offline", online: "live", sign_out: "Sign out", login_name: "Login name: ",
    department: "Department", channel: "Channel", category: "Category", grade: "Grade", granularity: "Period",
    day: "Day", week: "Week", month: "Month", all: "All", kpis: "KPIs (received in the last 30 days)",
    trend: "Complaints received", backlog: "Backlog by department and age", at_risk: "At risk and breached",
    recent: "Latest complaints", timeline: "Complaint timeline", pick: "Click a complaint to see its timeline.",
    no: "No.", risk: "Risk", status: "Status", received: "Received", subject: "Subject", total: "Total",
    target: "target", none: "no data", bad_token: "Your role may not read this.", scope: "Own department only: ", switch: "中文",
    month_filter: "Month", kpi_trend: "KPI trend", actual: "actual", target_line: "target", calendar_gaps: "SLA calendar gaps",
    problems: "High-frequency problems this month", problem: "Product / problem", count: "Count", previous: "Prev. month",
    change: "Change", repeats: "Repeat complaints this month", kind: "Kind", what: "What",
    product_repeat: "Same product and category", reopened: "Reopened", complainant_repeat: "Same complainant",
    scorecards: "Department scorecards", score: "Score",
    rating: "Rating", incidents: "Incidents", disqualified: "Disqualified by", inspection: "Weekly quality inspection",
    week: "Week", show: "Show", draw: "Draw sample", attitude: "Attitude", timeliness_item: "Timeliness",
    resolution_item: "Resolution", accuracy: "Accuracy", save: "Save", inspection_scores: "Inspection scores by department (month)",
    scored: "Scored", failed: "Failed", average: "Average", not_drawn: "No sample drawn for this week yet.",
    drawn_info: "seed {seed}, population {population}, drawn {n} ({ratio}%)", saved: "saved",
    breach: "breaches", reopen: "reopened", dissatisfied: "dissatisfied", failed_inspection: "failed inspections",
    no_calendar_gaps: "none", chain: "Deductions along the chain",
    score_blank: "Fill in all four scores (0–25) before saving.", score_range: "Each score must be a whole number from 0 to 25.",
    score_of: "{item}: {no}",
  },
};

const state = {
  lang: localStorage.getItem("tousu.lang") || "zh-CN",
  session: null,
  dictionary: null,
  selected: null,
  refreshTimer: null,
  fresh: new Set(),
  liveAbort: null,
};

const $ = (sel) => document.querySelector(sel);
const t = (key) => TEXT[state.lang][key] || key;
const L = (label) => (label ? label[state.lang] || label.en : "");
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

function say(message) { $("#message").textContent = message || ""; }

function toSignIn() { location.replace("/sign-in" + location.hash); }

async function api(path) {
  const response = await fetch(path);
  if (response.status === 401) { toSignIn(); throw new Error("auth"); }
  if (response.status === 403) { say(t("bad_token")); throw new Error("auth"); }
  if (!response.ok) { throw new Error(`${path}: ${response.status}`); }
  return response.json();
}

// Panels that some roles may not read (agents: the inspection samples) answer null instead.
async function apiOptional(path) {
  const response = await fetch(path);
  if (response.status === 401) { toSignIn(); throw new Error("auth"); }
  if (response.status === 403) return null;
  if (!response.ok) { throw new Error(`${path}: ${response.status}`); }
  return response.json();
}

async function apiPost(path, body) {
  const response = await fetch(path, {
    method: "POST", body: JSON.stringify(body || {}),
    headers: { "X-CSRF-Token": state.session.csrf_token, "Content-Type": "application/json" },
  });
  if (response.status === 401) { toSignIn(); throw new Error("auth"); }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) { throw new Error((state.lang === "en" ? data.message : data.message_zh) || `${path}: ${response.status}`); }
  return data;
}

function filterQuery() {
  const params = new URLSearchParams();
  document.querySelectorAll("[data-filter]").forEach((select) => {
    if (select.value) params.append(select.dataset.filter, select.value);
  });
  return params;
}

function applyTexts() {
  document.documentElement.lang = state.lang;
  document.querySelectorAll("[data-i18n]").forEach((el) => {
    if (el.id === "live-status") return;
    el.textContent = t(el.dataset.i18n);
  });
  document.querySelectorAll("[data-i18n-placeholder]").forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
  $("#lang").textContent = t("switch");
  fillTrendKpis();
  setLive($("#live-status").dataset.state === "on");
  fillFilters();
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

function formatValue(kpi) {
  if (kpi.value === null) return "—";
  if (kpi.unit === "hours") return `${kpi.value.toFixed(1)} h`;
  if (kpi.unit === "percent") return `${kpi.value.toFixed(1)}%`;
  return kpi.value.toFixed(1);
}

function renderKpis(report) {
  const total = report.totals[0];
  $("#kpis").innerHTML = (total ? total.kpis : []).map((k) => {
    const sign = k.direction === "at_least" ? "≥" : "≤";
    const unit = k.unit === "hours" ? " h" : k.unit === "percent" ? "%" : "";
    return `<div class="tile rag-${k.rag || "none"}" title="${esc(t("kpi_trend"))}" data-kpi="${esc(k.code)}" data-rag="${esc(k.rag || "")}">
      <div class="name">${esc(L(k.label))}</div><div class="value">${esc(formatValue(k))}</div>
      <div class="target">${esc(t("target"))} ${sign} ${esc(k.target)}${unit}</div></div>`;
  }).join("");
  const series = report.series;
  const max = Math.max(1, ...series.map((s) => s.received));
  const width = Math.min(600 / Math.max(series.length, 1), 40);
  $("#trend").innerHTML = series.map((s, i) => {
    const h = (s.received / max) * 130;
    return `<rect x="${i * width + 2}" y="${140 - h}" width="${Math.max(width - 4, 1)}" height="${h}"><title>${esc(s.period)}: ${s.received}</title></rect>` +
      `<text x="${i * width + 2}" y="155">${esc(String(s.period).slice(5))}</text>`;
  }).join("");
}

// --- trend chart per KPI: inline SVG, the target as a dashed line ---------------------------

function renderTrend(trend) {
  const svg = $("#kpi-trend");
  const W = 600, H = 200, left = 40, right = 10, top = 10, bottom = 24;
  const values = trend.points.map((p) => p.value).filter((v) => v !== null);
  const high = Math.max(trend.target, ...values, trend.unit === "hours" ? 1 : 0) * 1.1 || 1;
  const x = (i) => left + (trend.points.length > 1 ? (i * (W - left - right)) / (trend.points.length - 1) : (W - left - right) / 2);
  const y = (v) => top + (H - top - bottom) * (1 - v / high);
  let path = "", pen = false;
  trend.points.forEach((p, i) => {
    if (p.value === null) { pen = false; return; }
    path += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(p.value).toFixed(1)} `;
    pen = true;
  });
  const every = Math.max(1, Math.ceil(trend.points.length / 8));
  svg.dataset.kpi = trend.kpi;
  svg.innerHTML =
    `<line class="axis" x1="${left}" y1="${H - bottom}" x2="${W - right}" y2="${H - bottom}" stroke="#99a"></line>` +
    `<text x="2" y="${y(high / 1.1) + 4}">${esc((high / 1.1).toFixed(0))}</text><text x="2" y="${H - bottom}">0</text>` +
    `<line class="target" data-target="${esc(trend.target)}" x1="${left}" x2="${W - right}" y1="${y(trend.target)}" y2="${y(trend.target)}"><title>${esc(t("target_line"))} ${esc(trend.target)}</title></line>` +
    `<path class="actual" d="${path.trim()}"></path>` +
    trend.points.map((p, i) => (p.value === null ? "" :
      `<circle class="rag-${esc(p.rag || "none")}" cx="${x(i)}" cy="${y(p.value)}" r="3"><title>${esc(p.period)}: ${esc(p.value.toFixed(1))}</title></circle>`)).join("") +
    trend.points.map((p, i) => (i % every ? "" : `<text x="${x(i) - 14}" y="${H - 8}">${esc(String(p.period).slice(5))}</text>`)).join("");
}

function fillTrendKpis() {
  if (!state.dictionary) return;
  const select = $("#trend-kpi");
  const current = select.value || "response_timeliness";
  select.innerHTML = state.dictionary.kpis.map((k) => `<option value="${esc(k.code)}">${esc(L(k.label))}</option>`).join("");
  select.value = current;
}

async function loadTrend() {
  const params = filterQuery();
  params.set("kpi", $("#trend-kpi").value || "response_timeliness");
  params.set("granularity", $("#f-granularity").value);
  renderTrend(await api(`/v1/kpis/trend?${params}`));
}

// --- SLA calendar gaps, problems, repeats, scorecards --------------------------------------

function renderCalendar(warnings) {
  const banner = $("#calendar-warning");
  banner.hidden = warnings.years.length === 0;
  banner.textContent = L(warnings.message);
  banner.dataset.years = warnings.years.join(",");
  $("#calendar-list").innerHTML = warnings.items.map((w) =>
    `<li data-no="${esc(w.complaint_no)}">${esc(w.complaint_no)} · ${esc(w.stage)} · ${esc(w.years.join(", "))} · ${esc(localTime(w.raised_at))}</li>`,
  ).join("") || `<li>${esc(t("no_calendar_gaps"))}</li>`;
}

function change(item) {
  if (item.change_pct === null) return item.change > 0 ? `+${item.change}` : String(item.change);
  const cls = item.change > 0 ? "up" : item.change < 0 ? "down" : "";
  return `<span class="${cls}">${item.change > 0 ? "+" : ""}${item.change_pct.toFixed(0)}%</span>`;
}

function renderProblems(problems) {
  $("#problems tbody").innerHTML = problems.items.map((p) =>
    `<tr data-problem="${esc(p.key)}"><td>${esc(L(p.category_label))}</td><td>${esc(p.key)}</td><td>${p.count}</td><td>${p.previous}</td><td>${change(p)}</td></tr>`,
  ).join("") || `<tr><td colspan="5">${esc(t("none"))}</td></tr>`;
}

function renderRepeats(repeats) {
  const rows = repeats.product_repeats.map((p) =>
    `<tr data-repeat="product"><td>${esc(t("product_repeat"))}</td><td>${esc(L(p.category_label))} · ${esc(p.key)}</td><td>${p.count}</td></tr>`)
    .concat(repeats.reopened.map((r) =>
      `<tr data-no="${esc(r.complaint_no)}" data-repeat="reopened"><td>${esc(t("reopened"))}</td><td>${esc(r.complaint_no)} · ${esc(L(r.department_label))}</td><td>${r.reopened_in_month}</td></tr>`));
  repeats.complainant_repeats.forEach((c) => rows.push(
    `<tr data-repeat="complainant"><td>${esc(t("complainant_repeat"))}</td><td>${esc(c.complainant)} · ${esc(c.complaint_nos.join(", "))}</td><td>${c.count}</td></tr>`));
  $("#repeats tbody").innerHTML = rows.join("");
}

function renderScorecards(cards) {
  $("#scorecards tbody").innerHTML = cards.departments.map((d) => {
    const incidents = Object.entries(d.incidents).filter(([, n]) => n).map(([k, n]) => `${t(k)} ${n}`).join("，");
    const chain = d.chain.filter((c) => c.deducted).map((c) => `${L(c.link_label)} ${c.person || "—"} −${c.deducted}`).join(state.lang === "en" ? "; " : "；");
    return `<tr data-department="${esc(d.department || "")}" data-rating="${esc(d.rating)}"><td>${esc(L(d.label))}</td><td>${esc(d.score)}</td>
      <td class="rating-${esc(d.rating)}">${esc(L(d.rating_label))}</td><td>${esc(incidents || "—")}</td><td>${esc(d.disqualified_by.join(", ") || "—")}</td></tr>` +
      (chain ? `<tr class="chain" data-chain="${esc(d.department || "")}"><td colspan="5">${esc(t("chain"))}${state.lang === "en" ? ": " : "："}${esc(chain)}</td></tr>` : "");
  }).join("") || `<tr><td colspan="5">${esc(t("none"))}</td></tr>`;
}

// --- the weekly quality inspection: draw, score on the form, scores per department ---------

function isoWeek(day) {
  const d = new Date(Date.UTC(day.getFullYear(), day.getMonth(), day.getDate()));
  const weekday = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - weekday);
  const yearStart = new Date(Date.UTC(d.getUTCFullYear(), 0, 1));
  const week = Math.ceil(((d - yearStart) / 86400000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

const ITEMS = ["attitude", "timeliness", "resolution", "accuracy"];
const ITEM_LABELS = { attitude: "attitude", timeliness: "timeliness_item", resolution: "resolution_item", accuracy: "accuracy" };

// A blank field is not a zero: a score is saved only when all four items are whole numbers
// in 0–25, and the reason it is not is shown beside the row's button, in the page's language.
function scoresOf(row) {
  const body = { complaint_no: row.dataset.sample };
  for (const name of ITEMS) {
    const text = row.querySelector(`input[name=${name}]`).value.trim();
    if (text === "") return { problem: t("score_blank") };
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0 || value > 25) return { problem: t("score_range") };
    body[name] = value;
  }
  return { body };
}

function renderSample(sample) {
  $("#insp-info").textContent = sample.drawn
    ? t("drawn_info").replace("{seed}", sample.seed).replace("{population}", sample.population)
      .replace("{n}", sample.items.length).replace("{ratio}", Math.round(sample.ratio * 100))
    : t("not_drawn");
  // A live refresh of the same sample updates the rows in place: an input being typed into is
  // never replaced under the cursor, and scores typed but not saved yet stay as typed.
  const rows = [...document.querySelectorAll("#inspection tr[data-sample]")];
  if (rows.length === sample.items.length && rows.every((row, i) => row.dataset.sample === sample.items[i].complaint_no)) {
    sample.items.forEach((item, i) => {
      const s = item.score || {};
      if ("dirty" in rows[i].dataset) return;
      ITEMS.forEach((name) => { rows[i].querySelector(`input[name=${name}]`).value = s[name] ?? ""; });
      rows[i].querySelector(".total").textContent = s.total ?? "—";
    });
    return;
  }
  const unsaved = {};
  document.querySelectorAll("#inspection tr[data-dirty]").forEach((row) => {
    unsaved[row.dataset.sample] = Object.fromEntries(ITEMS.map((name) => [name, row.querySelector(`input[name=${name}]`).value]));
  });
  $("#inspection tbody").innerHTML = sample.items.map((item) => {
    const s = item.score || {};
    const typed = unsaved[item.complaint_no];
    const inputs = ITEMS.map((name) => {
      const label = t("score_of").replace("{item}", t(ITEM_LABELS[name])).replace("{no}", item.complaint_no);
      return `<td><input type="number" min="0" max="25" step="1" required name="${name}" aria-label="${esc(label)}" value="${esc(typed ? typed[name] : s[name] ?? "")}"></td>`;
    }).join("");
    return `<tr data-sample="${esc(item.complaint_no)}"${typed ? " data-dirty" : ""}><td>${esc(item.complaint_no)}</td><td>${esc(L(item.department_label))}</td>${inputs}
      <td class="total">${s.total ?? "—"}</td><td><button type="button" class="save-score">${esc(t("save"))}</button>
      <span class="row-message" role="status" aria-live="polite"></span></td></tr>`;
  }).join("");
}

async function loadInspection() {
  const week = $("#insp-week").value.trim();
  const sample = await apiOptional(`/v1/inspections/${encodeURIComponent(week)}`);
  $("#inspection-panel").hidden = sample === null;
  if (sample) renderSample(sample);
}

async function loadInspectionScores(month) {
  const scores = await api(`/v1/inspections?month=${month}`);
  $("#inspection-scores tbody").innerHTML = scores.departments.map((d) =>
    `<tr data-department="${esc(d.department || "")}"><td>${esc(L(d.label))}</td><td>${d.scored}</td><td>${d.failed}</td><td>${d.average_total.toFixed(1)}</td></tr>`,
  ).join("") || `<tr><td colspan="4">${esc(t("none"))}</td></tr>`;
}

async function saveScore(row) {
  const message = row.querySelector(".row-message");
  const { body, problem } = scoresOf(row);
  message.textContent = problem || "";
  if (problem) return;
  try {
    const saved = await apiPost(`/v1/inspections/${encodeURIComponent($("#insp-week").value.trim())}/scores`, body);
    const current = [...document.querySelectorAll("#inspection tr[data-sample]")].find((r) => r.dataset.sample === body.complaint_no) || row;
    delete current.dataset.dirty;
    current.querySelector(".total").textContent = saved.total;
    const shown = current.querySelector(".row-message");
    if (shown) shown.textContent = t("saved");
    refresh();
  } catch (error) { message.textContent = String(error.message || error); }
}

function renderBacklog(backlog) {
  const head = `<tr><th>${esc(t("department"))}</th>${backlog.buckets.map((b) => `<th>${esc(L(b.label))}</th>`).join("")}<th>${esc(t("total"))}</th></tr>`;
  $("#backlog thead").innerHTML = head;
  $("#backlog tbody").innerHTML = backlog.departments.map((d) =>
    `<tr data-department="${esc(d.department || "")}"><td>${esc(L(d.label))}</td>${d.buckets.map((b) => `<td>${b.count}</td>`).join("")}<td>${d.total}</td></tr>`,
  ).join("") || `<tr><td colspan="${backlog.buckets.length + 2}">${esc(t("none"))}</td></tr>`;
}

function localTime(instant) { return instant ? instant.local.replace("T", " ").slice(0, 16) : ""; }

function renderRisk(list) {
  $("#at-risk tbody").innerHTML = list.items.map((item) => {
    const c = item.complaint;
    return `<tr data-no="${esc(c.complaint_no)}"><td>${esc(c.complaint_no)}</td><td class="risk-${esc(item.risk)}">${esc(L(item.risk_label))}</td>
      <td>${esc(L(c.labels.department))}</td><td>${esc(L(c.labels.status))}</td><td>${esc(localTime(c.received_at))}</td></tr>`;
  }).join("") || `<tr><td colspan="5">${esc(t("none"))}</td></tr>`;
}

function renderRecent(page) {
  $("#recent tbody").innerHTML = page.items.map((c) =>
    `<tr data-no="${esc(c.complaint_no)}" class="${state.fresh.has(c.complaint_no) ? "fresh" : ""}"><td>${esc(c.complaint_no)}</td><td>${esc(c.subject)}</td>
      <td>${esc(L(c.labels.channel))}</td><td>${esc(L(c.labels.category))}</td><td>${esc(L(c.labels.department))}</td><td>${esc(L(c.labels.status))}</td></tr>`,
  ).join("") || `<tr><td colspan="6">${esc(t("none"))}</td></tr>`;
  state.fresh.clear();
}

async function showTimeline(no) {
  state.selected = no;
  try {
    const detail = await api(`/v1/complaints/${encodeURIComponent(no)}`);
    const c = detail.complaint;
    $("#timeline").innerHTML = `<p><b>${esc(c.complaint_no)}</b> · ${esc(c.subject)} · ${esc(L(c.labels.status))} · ${esc(L(c.labels.department))}</p>
      <ol>${detail.timeline.map((e) => `<li data-type="${esc(e.type)}">${esc(localTime(e.occurred_at))} — ${esc(L(e.title))} (${esc(L(e.actor.role_label))})</li>`).join("")}</ol>`;
  } catch (error) { $("#timeline").textContent = String(error); }
}

async function refresh() {
  try {
    if (!state.dictionary) { state.dictionary = await api("/v1/dictionary"); fillFilters(); fillTrendKpis(); }
    const filters = filterQuery();
    const kpiParams = new URLSearchParams(filters);
    kpiParams.set("granularity", $("#f-granularity").value);
    const [kpis, backlog, risk, recent] = await Promise.all([
      api(`/v1/kpis?${kpiParams}`), api(`/v1/backlog?${filters}`), api(`/v1/at-risk?${filters}`),
      api(`/v1/complaints?page_size=20&${filters}`),
    ]);
    $("#scope").textContent = kpis.department_scope ? t("scope") + kpis.department_scope : "";
    renderKpis(kpis); renderBacklog(backlog); renderRisk(risk); renderRecent(recent);
    const month = $("#f-month").value;
    const panels = await Promise.allSettled([
      loadTrend(), api("/v1/calendar-warnings").then(renderCalendar),
      api(`/v1/problems?month=${month}&${filters}`).then(renderProblems),
      api(`/v1/repeats?month=${month}&${filters}`).then(renderRepeats),
      api(`/v1/scorecards?month=${month}`).then(renderScorecards),
      loadInspection(), loadInspectionScores(month),
    ]);
    const failed = panels.find((p) => p.status === "rejected");
    if (failed && failed.reason.message !== "auth") throw failed.reason;
    if (state.selected) showTimeline(state.selected);
    say("");
    document.body.dataset.loaded = String(Date.now());
  } catch (error) { if (error.message !== "auth") say(String(error)); }
}

function scheduleRefresh() {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(refresh, 150);
}

async function live() {
  if (state.liveAbort) state.liveAbort.abort();
  const abort = new AbortController();
  state.liveAbort = abort;
  while (!abort.signal.aborted) {
    try {
      const response = await fetch("/v1/live", { signal: abort.signal });
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
          if (event && event[1] === "complaint" && data) {
            state.fresh.add(JSON.parse(data[1]).complaint_no);
            scheduleRefresh();
          }
        }
      }
    } catch (error) { if (abort.signal.aborted) return; }
    setLive(false);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function showSession() {
  const s = state.session;
  $("#who-name").textContent = s.name || s.subject;
  $("#who-name").title = s.name ? `${t("login_name")}${s.subject}` : "";
  $("#who-role").textContent = L(s.role_label) + (s.department_label ? ` · ${L(s.department_label)}` : "");
}

async function signOut() {
  if (state.liveAbort) state.liveAbort.abort();
  await fetch("/v1/session", { method: "DELETE", headers: { "X-CSRF-Token": state.session.csrf_token } }).catch(() => {});
  location.replace("/sign-in");
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
  $("#lang").addEventListener("click", () => {
    state.lang = state.lang === "zh-CN" ? "en" : "zh-CN";
    localStorage.setItem("tousu.lang", state.lang);
    applyTexts(); showSession(); refresh();
  });
  $("#sign-out").addEventListener("click", signOut);
  document.querySelectorAll("#filters select, #f-month").forEach((s) => s.addEventListener("change", refresh));
  $("#trend-kpi").addEventListener("change", () => loadTrend().catch((e) => say(String(e))));
  $("#kpis").addEventListener("click", (event) => {
    const tile = event.target.closest(".tile[data-kpi]");
    if (tile) { $("#trend-kpi").value = tile.dataset.kpi; loadTrend().catch((e) => say(String(e))); }
  });
  $("#insp-load").addEventListener("click", () => loadInspection().catch((e) => say(String(e))));
  $("#draw-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      renderSample(await apiPost(`/v1/inspections/${encodeURIComponent($("#insp-week").value.trim())}/draw`, {}));
      say("");
    } catch (error) { say(String(error.message || error)); }
  });
  $("#inspection").addEventListener("input", (event) => {
    const row = event.target.closest("tr[data-sample]");
    if (row) row.dataset.dirty = "";
  });
  $("#inspection").addEventListener("click", (event) => {
    const button = event.target.closest(".save-score");
    if (button) saveScore(button.closest("tr"));
  });
  document.addEventListener("click", (event) => {
    const row = event.target.closest("tr[data-no]");
    if (row) showTimeline(row.dataset.no);
  });
  showSession();
  refresh(); live();
}

start();
