// The operators' dashboard: plain JS, no build step. Data comes from the analytics API with the
// bearer token the user enters (kept in localStorage); live updates come from GET /v1/live read
// with fetch() streaming (EventSource cannot send the Authorization header).
"use strict";

const TEXT = {
  "zh-CN": {
    title: "投诉运营看板", offline: "未连接", online: "实时", token: "访问令牌", sign_in: "登录",
    department: "部门", channel: "渠道", category: "分类", grade: "等级", granularity: "周期",
    day: "日", week: "周", month: "月", all: "全部", kpis: "关键指标（近 30 天受理）", trend: "受理量趋势",
    backlog: "积压（按部门与时长）", at_risk: "临近超时与已超时", recent: "最新投诉", timeline: "投诉时间线",
    pick: "点击列表中的投诉查看时间线。", no: "编号", risk: "风险", status: "状态", received: "受理时间",
    subject: "主题", total: "合计", target: "目标", none: "暂无数据", need_token: "请输入访问令牌。",
    bad_token: "令牌无效或无权限。", scope: "仅本部门：", switch: "English",
  },
  en: {
    title: "Complaints dashboard", offline: "offline", online: "live", token: "Access token", sign_in: "Sign in",
    department: "Department", channel: "Channel", category: "Category", grade: "Grade", granularity: "Period",
    day: "Day", week: "Week", month: "Month", all: "All", kpis: "KPIs (received in the last 30 days)",
    trend: "Complaints received", backlog: "Backlog by department and age", at_risk: "At risk and breached",
    recent: "Latest complaints", timeline: "Complaint timeline", pick: "Click a complaint to see its timeline.",
    no: "No.", risk: "Risk", status: "Status", received: "Received", subject: "Subject", total: "Total",
    target: "target", none: "no data", need_token: "Enter an access token.",
    bad_token: "The token is unknown or may not read this.", scope: "Own department only: ", switch: "中文",
  },
};

const state = {
  lang: localStorage.getItem("tousu.lang") || "zh-CN",
  token: localStorage.getItem("tousu.token") || "",
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

async function api(path) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${state.token}` } });
  if (response.status === 401 || response.status === 403) { say(t("bad_token")); throw new Error("auth"); }
  if (!response.ok) { throw new Error(`${path}: ${response.status}`); }
  return response.json();
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
    return `<div class="tile rag-${k.rag || "none"}" data-kpi="${esc(k.code)}" data-rag="${esc(k.rag || "")}">
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
  if (!state.token) { say(t("need_token")); return; }
  try {
    if (!state.dictionary) { state.dictionary = await api("/v1/dictionary"); fillFilters(); }
    const filters = filterQuery();
    const kpiParams = new URLSearchParams(filters);
    kpiParams.set("granularity", $("#f-granularity").value);
    const [kpis, backlog, risk, recent] = await Promise.all([
      api(`/v1/kpis?${kpiParams}`), api(`/v1/backlog?${filters}`), api(`/v1/at-risk?${filters}`),
      api(`/v1/complaints?page_size=20&${filters}`),
    ]);
    $("#scope").textContent = kpis.department_scope ? t("scope") + kpis.department_scope : "";
    renderKpis(kpis); renderBacklog(backlog); renderRisk(risk); renderRecent(recent);
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
  while (!abort.signal.aborted && state.token) {
    try {
      const response = await fetch("/v1/live", { headers: { Authorization: `Bearer ${state.token}` }, signal: abort.signal });
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

function start() {
  $("#token").value = state.token;
  applyTexts();
  $("#lang").addEventListener("click", () => {
    state.lang = state.lang === "zh-CN" ? "en" : "zh-CN";
    localStorage.setItem("tousu.lang", state.lang);
    applyTexts(); refresh();
  });
  $("#token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.token = $("#token").value.trim();
    localStorage.setItem("tousu.token", state.token);
    state.dictionary = null;
    refresh(); live();
  });
  document.querySelectorAll("#filters select").forEach((s) => s.addEventListener("change", refresh));
  document.addEventListener("click", (event) => {
    const row = event.target.closest("tr[data-no]");
    if (row) showTimeline(row.dataset.no);
  });
  if (state.token) { refresh(); live(); } else { say(t("need_token")); }
}

start();
