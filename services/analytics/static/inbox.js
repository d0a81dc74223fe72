// The department inbox for agents: their department's open complaints (from the routing service)
// with the deadline the SLA set (from the attention queue), and the actions routing allows —
// accept, record progress (or the initial plan), resolve, object to the assignment the same working
// day (a supervisor decides), transfer to another department — and the
// SLA service's: wait on the complainant (hold, which pauses the resolution and progress clocks,
// and resume) and request an extension with the complainant's consent (a supervisor decides,
// extensions.js). Co-operation (协同): the lead asks other departments to co-operate; a complaint
// the department co-operates on shows as such, with only the sign-for and the contribution (the
// lead answers). The page calls those services directly
// with the session cookie and the CSRF header (CORS for the pages' origin,
// shared/service/web_origins.py); a refusal is shown beside the action, in the page's language.
import { $, L, api, complaintLink, esc, localTime, restoreRow, rowState, state, t } from "/static/common.js";

import { refusal, service } from "/static/services.js";

const routing = (path, options) => service("routing", path, options);
const sla = (path, options) => service("sla", path, options);
const SLA_ACTIONS = new Set(["hold", "resume", "extensions"]);
const EXTENDABLE = ["resolution", "initial_plan", "progress_update"];
// an objection to the assignment (异议) before work starts; routing refuses it after the working day
const OBJECTABLE = new Set(["assigned", "transferred", "accepted"]);
export const CONSENT_VIA = ["phone", "sms", "email", "in_person", "letter", "online"];

// now, as a datetime-local value in the browser's time zone (minutes)
function localNow() {
  const now = new Date(Date.now() - new Date().getTimezoneOffset() * 60000);
  return now.toISOString().slice(0, 16);
}

// Complaints this page transferred away, with the stream version of the transfer: the routing
// service's list may still show them (its read model follows the store a moment later), and a
// row older than the transfer is not this department's any more. A row at or past that version
// (transferred back) shows again.
const transferred = new Map();

// Complaints this page acted on, with the stream version its action reached: while the routing
// list still shows an older version (its read model a moment behind), the list is asked again
// shortly, so the row offers what comes next (a co-operation signed for offers the contribution).
const awaited = new Map();
let again = null;

// every department but the agent's own, labelled in the page's language
function departmentOptions() {
  const own = state.session.department;
  const others = (state.dictionary?.departments || []).filter((d) => d.code !== own);
  return `<option value="">${esc(t("choose_department"))}</option>`
    + others.map((d) => `<option value="${esc(d.code)}">${esc(L(d.label))}</option>`).join("");
}

// The lead's view of its co-operating departments: each one's name and state.
function cooperationStates(item) {
  return (item.cooperations || []).map((c) => `${esc(c.department_label)} ${esc(c.status_label)}`).join(esc(t("sep")));
}

// A complaint the department co-operates on (协同): the lead named, its own request's state, and
// only what a co-operating department does: sign for it, then contribute.
function cooperatingRow(item) {
  const no = esc(item.complaint_no);
  const mine = (item.cooperations || [])[0] || {};
  const lead = (state.dictionary?.departments || []).find((d) => d.code === item.lead_department);
  return `<tr data-no="${no}" data-status="${esc(item.status)}" data-role="cooperating"><td>${complaintLink(item.complaint_no)}</td>
    <td class="wrap">${esc(item.subject)}<br><small>${esc(t("coop_lead", { dept: lead ? L(lead.label) : item.lead_department }))}</small></td>
    <td><span class="coop">${esc(t("coop_role_cooperating"))}</span> · ${esc(mine.status_label || "")}</td><td>${esc(item.grade_label)}</td><td>—</td>
    <td class="actions">
      ${mine.status === "requested" ? `<button type="button" data-action="cooperation/accept">${esc(t("coop_accept"))}</button>` : ""}
      ${mine.status === "accepted" ? `<details><summary>${esc(t("coop_contribute"))}</summary>
        <label>${esc(t("coop_contribution"))} <input name="contribution" maxlength="4000"></label>
        <button type="button" data-action="cooperation/contribution">${esc(t("coop_contribute_save"))}</button></details>` : ""}
      <p class="row-message" role="status" aria-live="polite"></p></td></tr>`;
}

function row(item, deadlines) {
  if (item.role === "cooperating") return cooperatingRow(item);
  const late = deadlines[item.complaint_no];
  const no = esc(item.complaint_no);
  const coops = cooperationStates(item);
  return `<tr data-no="${no}" data-status="${esc(item.status)}" data-role="lead"><td>${complaintLink(item.complaint_no)}</td>
    <td class="wrap">${esc(item.subject)}</td><td>${esc(item.status_label)}${coops ? `<br><small>${esc(t("cooperations"))}${esc(t("colon"))}${coops}</small>` : ""}</td><td>${esc(item.grade_label)}</td>
    <td>${late ? `${esc(localTime(late.deadline))} <span class="${late.overdue.seconds >= 0 ? "late" : ""}">${esc(L(late.overdue.label))}</span>` : "—"}</td>
    <td class="actions">
      <button type="button" data-action="accept">${esc(t("accept"))}</button>
      <details><summary>${esc(t("progress"))}</summary>
        <label>${esc(t("progress_note"))} <input name="note" maxlength="2000"></label>
        <label><input type="checkbox" name="plan"> ${esc(t("is_plan"))}</label>
        <button type="button" data-action="progress">${esc(t("progress_save"))}</button></details>
      <details><summary>${esc(t("resolve"))}</summary>
        <label>${esc(t("resolution"))} <input name="resolution" maxlength="2000"></label>
        <label>${esc(t("root_cause"))} <input name="root_cause" maxlength="2000"></label>
        <button type="button" data-action="resolve">${esc(t("resolve_save"))}</button></details>
      <details><summary>${esc(t("hold"))}</summary>
        <label>${esc(t("hold_reason"))} <input name="hold_reason" maxlength="1000"></label>
        <button type="button" data-action="hold">${esc(t("hold_save"))}</button></details>
      <button type="button" data-action="resume">${esc(t("resume"))}</button>
      <details class="extension"><summary>${esc(t("extension"))}</summary>
        <label>${esc(t("stage"))} <select name="ext_stage">${EXTENDABLE.map((s) => `<option value="${s}">${esc(t(`stage_${s}`))}</option>`).join("")}</select></label>
        <label>${esc(t("ext_days"))} <input name="ext_days" type="number" min="1" max="10" step="1" inputmode="numeric"></label>
        <label>${esc(t("ext_reason"))} <input name="ext_reason" maxlength="2000"></label>
        <label>${esc(t("consent_via"))} <select name="consent_via">${CONSENT_VIA.map((v) => `<option value="${v}">${esc(t(`via_${v}`))}</option>`).join("")}</select></label>
        <label>${esc(t("consent_at"))} <input name="consent_at" type="datetime-local" value="${localNow()}"></label>
        <label>${esc(t("consent_note"))} <input name="consent_note" maxlength="1000"></label>
        <label><input type="checkbox" name="consent_given"> ${esc(t("consent_given"))}</label>
        <button type="button" data-action="extensions">${esc(t("extension_save"))}</button></details>
      ${OBJECTABLE.has(item.status) ? `<details><summary>${esc(t("object"))}</summary>
        <label>${esc(t("object_reason"))} <input name="object_reason" maxlength="2000"></label>
        <button type="button" data-action="objection">${esc(t("object_save"))}</button></details>` : ""}
      <details><summary>${esc(t("coop_request"))}</summary>
        <label>${esc(t("coop_departments"))} <select name="coop_department">${departmentOptions()}</select></label>
        <label>${esc(t("coop_note"))} <input name="coop_note" maxlength="2000"></label>
        <button type="button" data-action="cooperation">${esc(t("coop_request_save"))}</button></details>
      <details><summary>${esc(t("transfer"))}</summary>
        <label>${esc(t("transfer_to"))} <select name="to_department">${departmentOptions()}</select></label>
        <label>${esc(t("transfer_reason"))} <input name="transfer_reason" maxlength="1000"></label>
        <button type="button" data-action="transfer">${esc(t("transfer_save"))}</button></details>
      <p class="row-message" role="status" aria-live="polite"></p></td></tr>`;
}

export async function loadInbox() {
  const department = state.session.department;
  const [list, attention] = await Promise.all([
    routing(`/v1/departments/${encodeURIComponent(department)}/assignments?lang=${encodeURIComponent(state.lang)}`),
    api("/v1/attention"),
  ]);
  if (!list.ok) throw new Error(refusal(list));
  const deadlines = Object.fromEntries(attention.items.map((i) => [i.complaint_no, i]));
  $("#inbox-title").textContent = `${t("inbox")} · ${list.body.department_label}`;
  // a live refresh redraws the rows: what was typed, which forms were open, the last message
  // and the focused field stay as they were
  const kept = {};
  document.querySelectorAll("#inbox tr[data-no]").forEach((tr) => { kept[tr.dataset.no] = rowState(tr); });
  const focused = document.activeElement && document.activeElement.closest("#inbox tr[data-no]")
    ? [document.activeElement.closest("tr").dataset.no, document.activeElement.name || document.activeElement.dataset.action] : null;
  const items = list.body.items.filter((item) => {
    const at = transferred.get(item.complaint_no);
    if (at === undefined) return true;
    if (item.stream_version >= at) { transferred.delete(item.complaint_no); return true; }
    return false;
  });
  for (const item of items) {
    if ((awaited.get(item.complaint_no) || 0) <= item.stream_version) awaited.delete(item.complaint_no);
  }
  if (awaited.size && !again) again = setTimeout(() => { again = null; loadInbox().catch(() => {}); }, 700);
  $("#inbox tbody").innerHTML = items.map((item) => row(item, deadlines)).join("")
    || `<tr><td colspan="6">${esc(t("inbox_empty"))}</td></tr>`;
  document.querySelectorAll("#inbox tr[data-no]").forEach((tr) => {
    const was = kept[tr.dataset.no];
    if (!was) return;
    restoreRow(tr, was);
    if (focused && focused[0] === tr.dataset.no) {
      const again = tr.querySelector(`[name="${focused[1]}"], [data-action="${focused[1]}"]`);
      if (again) again.focus();
    }
  });
}

async function act(button) {
  const tr = button.closest("tr[data-no]");
  const message = tr.querySelector(".row-message");
  const value = (name) => (tr.querySelector(`input[name=${name}]`)?.value || "").trim();
  const action = button.dataset.action;
  const body = action === "progress"
    ? { note: value("note"), kind: tr.querySelector("input[name=plan]").checked ? "plan" : "update" }
    : action === "resolve" ? { resolution: value("resolution"), root_cause: value("root_cause") || null }
    : action === "hold" ? { reason: value("hold_reason") }
    : action === "objection" ? { reason: value("object_reason") }
    : action === "transfer" ? { to_department: tr.querySelector("select[name=to_department]").value, reason: value("transfer_reason") }
    : action === "extensions" ? extensionBody(tr, value)
    : action === "cooperation" ? { departments: [tr.querySelector("select[name=coop_department]").value].filter(Boolean), note: value("coop_note") || null }
    : action === "cooperation/contribution" ? { contribution: value("contribution") }
    : {};
  if (action === "extensions" && typeof body === "string") { message.textContent = body; return; }
  if ((action === "progress" && !body.note) || (action === "resolve" && !body.resolution)
      || ((action === "hold" || action === "objection") && !body.reason) || (action === "transfer" && !(body.to_department && body.reason))
      || (action === "cooperation" && !body.departments.length) || (action === "cooperation/contribution" && !body.contribution)) {
    message.textContent = t("fill_in");
    return;
  }
  message.textContent = "";
  const call = SLA_ACTIONS.has(action) ? sla : routing;
  const answer = await call(`/v1/complaints/${encodeURIComponent(tr.dataset.no)}/${action}`, {
    method: "POST", body: JSON.stringify(body),
  });
  // a live refresh may have redrawn the rows while the request was out (a refusal is recorded
  // as an event too, and that event refreshes the page): answer in the row as it is now
  const shown = messageOf(tr.dataset.no) || message;
  shown.classList.toggle("refused", !answer.ok);
  shown.textContent = answer.ok ? t("done") : refusal(answer);
  if (answer.ok && action === "transfer") transferred.set(tr.dataset.no, answer.body.stream_version);
  else if (answer.ok) awaited.set(tr.dataset.no, answer.body.stream_version);
}

// The extension request's body, or what is missing, in the page's language: the complainant's
// consent is confirmed explicitly, the days are whole working days (the policy caps the total).
function extensionBody(tr, value) {
  const days = Number(value("ext_days"));
  const consentAt = value("consent_at");
  if (!tr.querySelector("input[name=consent_given]").checked) return t("consent_needed");
  if (!Number.isInteger(days) || days < 1 || days > 10) return t("ext_days_range");
  if (!value("ext_reason") || !consentAt) return t("fill_in");
  return {
    stage: tr.querySelector("select[name=ext_stage]").value,
    extension: `P${days}D`,
    reason: value("ext_reason"),
    consent: {
      via: tr.querySelector("select[name=consent_via]").value,
      at: new Date(consentAt).toISOString(),
      note: value("consent_note") || null,
    },
  };
}

function messageOf(complaintNo) {
  return [...document.querySelectorAll("#inbox tr[data-no]")]
    .find((tr) => tr.dataset.no === complaintNo)?.querySelector(".row-message");
}

export function installInbox(onChange) {
  $("#inbox-section").hidden = false;
  $("#inbox").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const no = button.closest("tr").dataset.no;
    act(button).then(onChange).catch((e) => { (messageOf(no) || button.closest("tr").querySelector(".row-message")).textContent = e.message; });
  });
}
