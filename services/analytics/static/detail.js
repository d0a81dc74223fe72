// A complaint opened in place: a modal <dialog> with its own URL (#/complaints/NO), focus moved
// to its heading, Esc or the browser's back button closes it and focus returns to the link.
import { $, L, api, esc, localTime, state, t } from "/static/common.js";
import { refusal, service } from "/static/services.js";
import { ruleLabel } from "/static/risk.js";

let opener = null;       // the link that opened the dialog, focused again on close
let openerAt = null;     // where that link was (a live refresh may have redrawn it meanwhile)
let pushed = false;      // the dialog's URL was reached from the page (back closes it)

export function routeNumber() {
  const match = /^#\/complaints\/(.+)$/.exec(location.hash);
  return match ? decodeURIComponent(match[1]) : null;
}

function fact(name, value) {
  return value ? `<div><dt>${esc(name)}</dt><dd>${esc(value)}</dd></div>` : "";
}

function actor(entry) {
  const a = entry.actor;
  const parts = [L(a.role_label)];
  if (a.id) parts.push(`${t("login_name")}${a.id}`);
  if (a.department) {
    // a role without the dictionary names the departments it met, and leaves out the others
    const dep = (state.dictionary?.departments || []).find((d) => d.code === a.department);
    const label = dep ? dep.label : state.departmentLabels[a.department];
    if (label) parts.push(L(label));
  }
  return parts.join(" · ");
}

function timelineItem(entry) {
  const recorded = entry.recorded_at.local.slice(0, 16) !== entry.happened_at.local.slice(0, 16)
    ? ` <span class="recorded">(${esc(t("recorded_at", { at: localTime(entry.recorded_at) }))})</span>` : "";
  const details = entry.details.map((d) => `<div><dt>${esc(L(d.name))}${esc(t("colon"))}</dt><dd>${esc(L(d.value))}</dd></div>`).join("");
  return `<li data-type="${esc(entry.type)}"><div class="when"><time datetime="${esc(entry.happened_at.utc)}">${esc(localTime(entry.happened_at))}</time>${recorded}</div>
    <div class="what">${esc(L(entry.title))}</div>
    <div class="who">${esc(t("by"))}${esc(t("colon"))}${esc(actor(entry))}</div>
    ${details ? `<dl>${details}</dl>` : ""}</li>`;
}

// The PR owner reads a complaint only as a flagged one (GET /v1/risk-flags/{no}: masked, with the
// reasons given for each flag and clear); everyone else reads the complaint itself.
const readsFlagged = () => state.session.role === "pr_owner";
const detailPath = (no) => `/v1/${readsFlagged() ? "risk-flags" : "complaints"}/${encodeURIComponent(no)}`;

function noteItem(note) {
  return `<li data-type="${esc(note.type)}"><time datetime="${esc(note.at.utc)}">${esc(localTime(note.at))}</time>
    · ${esc(L(note.title))} · ${esc(note.rules.map(ruleLabel).join(t("sep")))}
    ${note.reason ? `<br>${esc(t("note_reason"))}${esc(t("colon"))}${esc(note.reason)}` : ""}</li>`;
}

function render(answer) {
  renderDetail(answer.detail || answer);
  if (answer.notes) {
    $("#detail-body").insertAdjacentHTML("beforeend", `<h3>${esc(t("flag_notes"))}</h3>
      <ol class="notes" id="flag-notes">${answer.notes.map(noteItem).join("")}</ol>`);
  }
}

// The co-operating departments (协同) beside the lead, each with its state: all of them for the
// lead and staff, its own for a co-operating department (the API leaves the others out).
function cooperationList(cooperations) {
  if (!cooperations.length) return "";
  const item = (c) => {
    const when = [c.accepted_at && t("coop_signed_at", { at: localTime(c.accepted_at) }),
      c.contributed_at && t("coop_contributed_at", { at: localTime(c.contributed_at) })].filter(Boolean);
    return `<li data-department="${esc(c.department)}" data-status="${esc(c.status)}">${esc(L(c.department_label))} · ${esc(L(c.status_label))}${when.length ? ` · ${esc(when.join(t("sep")))}` : ""}</li>`;
  };
  return `<h3>${esc(t("cooperations"))}</h3><ul class="cooperations" id="cooperations">${cooperations.map(item).join("")}</ul>`;
}

export function renderDetail(detail) {
  const c = detail.complaint;
  const person = c.complainant || {};
  $("#detail-title").textContent = `${t("detail")} ${c.complaint_no}`;
  $("#detail-body").innerHTML = `<p class="subject">${esc(c.subject)}</p>
    <dl class="facts">
      ${fact(t("status"), L(c.labels.status) + (c.labels.flags.length ? ` · ${c.labels.flags.map(L).join(t("sep"))}` : ""))}
      ${fact(t("department"), L(c.labels.department))}
      ${fact(t("grade"), L(c.labels.grade))}
      ${fact(t("channel"), L(c.labels.channel))}
      ${fact(t("category"), L(c.labels.category))}
      ${fact(t("received"), localTime(c.received_at))}
      ${fact(t("complainant"), L(c.labels.complainant))}
      ${fact(t("phone"), person.phone)}
      ${fact(t("escalation"), c.escalation_level ? t("escalation_level", { n: c.escalation_level }) : "")}
      ${fact(t("feedback"), c.feedback ? t("score_of_5", { score: c.feedback.score }) : "")}
    </dl>
    ${cooperationList(detail.cooperations || [])}
    <h3>${esc(t("timeline"))}</h3>
    <ol class="timeline" id="timeline">${detail.timeline.map(timelineItem).join("")}</ol>`;
  showReassign(c);
}

export async function openDetail(no, fromPage) {
  const dialog = $("#detail");
  if (!dialog.open) {
    opener = document.activeElement && document.activeElement !== document.body ? document.activeElement : null;
    const holder = opener && opener.closest("[id]");
    openerAt = opener && opener.dataset.no && holder ? `#${CSS.escape(holder.id)} a[data-no="${CSS.escape(opener.dataset.no)}"]` : null;
    pushed = fromPage;
    dialog.showModal();
  }
  if (dialog.dataset.no !== no) resetReassign();
  dialog.dataset.no = no;
  $("#detail-title").textContent = `${t("detail")} ${no}`;
  $("#detail-body").innerHTML = `<p>${esc(t("loading"))}</p>`;
  $("#detail-title").focus();
  try {
    const detail = await api(detailPath(no));
    if (dialog.dataset.no === no) render(detail);
  } catch (error) {
    $("#detail-body").innerHTML = `<p class="message" role="alert">${esc(error.status === 404 ? t("not_found") : error.message)}</p>`;
  }
}

export function refreshDetail() {
  const dialog = $("#detail");
  if (dialog.open && dialog.dataset.no) {
    api(detailPath(dialog.dataset.no)).then(render).catch(() => {});
  }
}

// Closing by the page (Esc, the close button) leaves the complaint's URL: back in history when
// the page pushed it, else replaced, so the back button never reopens what was just closed.
export function leaveDetail() {
  if (pushed) history.back();
  else history.replaceState(null, "", location.pathname + location.search);
  closeDetail();
}

export function closeDetail() {
  const dialog = $("#detail");
  if (dialog.open) dialog.close();
  delete dialog.dataset.no;
  const target = opener && document.contains(opener) ? opener : openerAt && document.querySelector(openerAt);
  if (target) target.focus();
  opener = openerAt = null;
}

// Supervisors may hand an open complaint to another department (转派 on routing, which lets
// supervisors transfer any complaint). The form sits outside the body the live refresh redraws,
// so what is typed stays.
function showReassign(c) {
  const form = $("#detail-actions");
  form.hidden = !(state.session.role === "supervisor" && c.open && c.department);
  if (form.hidden || form.dataset.department === c.department) return;
  form.dataset.department = c.department;
  const others = (state.dictionary?.departments || []).filter((d) => d.code !== c.department);
  const options = `<option value="">${esc(t("choose_department"))}</option>`
    + others.map((d) => `<option value="${esc(d.code)}">${esc(L(d.label))}</option>`).join("");
  $("#reassign-to").innerHTML = options;
  $("#coop-to").innerHTML = options;
}

function resetReassign() {
  const form = $("#detail-actions");
  form.hidden = true;
  delete form.dataset.department;
  $("#reassign-reason").value = "";
  $("#reassign-message").textContent = "";
  for (const id of ["#coop-note", "#override-resolution", "#override-reason"]) $(id).value = "";
  $("#coop-message").textContent = "";
}

// Supervisors add a co-operating department (发起协同), or answer for the lead without the
// contributions still missing, with a reason (强制答复: they are waived).
async function supervise(action) {
  const no = $("#detail").dataset.no;
  const message = $("#coop-message");
  const body = action === "cooperation"
    ? { departments: [$("#coop-to").value].filter(Boolean), note: $("#coop-note").value.trim() || null }
    : { resolution: $("#override-resolution").value.trim(), override_reason: $("#override-reason").value.trim() };
  message.classList.remove("refused");
  const missing = action === "cooperation" ? !body.departments.length : !(body.resolution && body.override_reason);
  if (!no || missing) { message.textContent = t("fill_in"); return; }
  message.textContent = "";
  const answer = await service("routing", `/v1/complaints/${encodeURIComponent(no)}/${action}`, {
    method: "POST", body: JSON.stringify(body),
  });
  message.classList.toggle("refused", !answer.ok);
  message.textContent = answer.ok ? t("done") : refusal(answer);
}

async function reassign() {
  const no = $("#detail").dataset.no;
  const message = $("#reassign-message");
  const body = { to_department: $("#reassign-to").value, reason: $("#reassign-reason").value.trim() };
  message.classList.remove("refused");
  if (!no || !body.to_department || !body.reason) { message.textContent = t("fill_in"); return; }
  message.textContent = "";
  const answer = await service("routing", `/v1/complaints/${encodeURIComponent(no)}/transfer`, {
    method: "POST", body: JSON.stringify(body),
  });
  message.classList.toggle("refused", !answer.ok);
  message.textContent = answer.ok ? t("done") : refusal(answer);
}

export function installDetail() {
  $("#reassign").addEventListener("click", () => reassign().catch((e) => { $("#reassign-message").textContent = e.message; }));
  for (const [id, action] of [["#coop-request", "cooperation"], ["#override-resolve", "resolve"]]) {
    $(id).addEventListener("click", () => supervise(action).catch((e) => { $("#coop-message").textContent = e.message; }));
  }
  const dialog = $("#detail");
  dialog.addEventListener("cancel", (event) => { event.preventDefault(); leaveDetail(); });
  $("#detail-close").addEventListener("click", leaveDetail);
  dialog.addEventListener("click", (event) => { if (event.target === dialog) leaveDetail(); });
}
