// The director's desk: the matters departments reported as beyond their authority (超出权限上报),
// waiting for an instruction, oldest first (GET /v1/director/matters on analytics), answered on the
// routing service (POST /v1/complaints/{no}/director-instruction). The director has 24 hours
// around the clock from the report (docs/sla.md), so the deadline is the report plus 24 h.
// A refusal shows beside the action, in the page's language; an instruction shows above the list,
// since its row leaves the list.
import { $, L, api, esc, localTime, redrawKeeping, t } from "/static/common.js";
import { orgTime, refusal, service, services } from "/static/services.js";

const DIRECTOR_HOURS = 24;
const HOUR_MS = 3600000;
// answered on this page: the read model lists them until the instruction's event reaches it
const answered = new Map();
const HIDE_ANSWERED_MS = 15000;

// "overdue by 3 h 20 min" / "5 h 10 min left"
function overdue(deadlineMs, now) {
  const late = now >= deadlineMs;
  const minutes = Math.floor(Math.abs(now - deadlineMs) / 60000);
  const span = t("hours_minutes", { h: Math.floor(minutes / 60), m: minutes % 60 });
  return { late, text: t(late ? "overdue_by" : "time_left", { span }) };
}

function row(item, now) {
  const deadline = Date.parse(item.reported_at.utc) + DIRECTOR_HOURS * HOUR_MS;
  const due = overdue(deadline, now);
  const no = esc(item.complaint_no);
  return `<tr data-no="${no}" data-late="${due.late}"><td>${no}</td><td class="wrap">${esc(item.subject)}
      <br><span class="hint">${esc(L(item.grade_label))} · ${esc(L(item.status_label))}</span></td>
    <td>${esc(L(item.department_label))}</td>
    <td>${esc(localTime(item.reported_at))}<br><span class="hint">${esc(t("reported_by", { who: item.reported_by || "—" }))}</span></td>
    <td>${esc(orgTime(new Date(deadline).toISOString()))}</td><td class="${due.late ? "late" : ""}">${esc(due.text)}</td>
    <td class="wrap">${esc(item.reason || "—")}</td>
    <td class="actions"><label>${esc(t("instruction"))} <input name="instruction" maxlength="2000"></label>
      <button type="button" data-action="instruct">${esc(t("instruction_save"))}</button>
      <p class="row-message" role="status" aria-live="polite"></p></td></tr>`;
}

export async function loadDirectorMatters() {
  await services();  // the organisation's time zone, for the deadlines
  const list = await api("/v1/director/matters");
  const typing = document.activeElement && document.activeElement.matches("#director-matters input");
  if (typing) return;  // never redraw under the user's typing
  const now = Date.now();
  const items = list.items.filter((i) => !(now - (answered.get(i.complaint_no) || 0) < HIDE_ANSWERED_MS));
  redrawKeeping($("#director-matters tbody"), items.map((item) => row(item, now)).join("")
    || `<tr><td colspan="8">${esc(t("no_director_matters"))}</td></tr>`);
}

async function instruct(button) {
  const tr = button.closest("tr[data-no]");
  const message = tr.querySelector(".row-message");
  const instruction = tr.querySelector("input[name=instruction]").value.trim();
  message.classList.remove("refused");
  if (!instruction) { message.textContent = t("fill_in"); return; }
  message.textContent = "";
  const answer = await service("routing", `/v1/complaints/${encodeURIComponent(tr.dataset.no)}/director-instruction`, {
    method: "POST", body: JSON.stringify({ instruction }),
  });
  message.classList.toggle("refused", !answer.ok);
  message.textContent = answer.ok ? t("done") : refusal(answer);
  if (answer.ok) {
    $("#director-message").textContent = t("instructed_for", { no: tr.dataset.no });
    answered.set(tr.dataset.no, Date.now());
    tr.remove();
  }
}

export function installDirector(onChange) {
  $("#director-section").hidden = false;
  $("#director-matters").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action=instruct]");
    if (!button) return;
    instruct(button).then(onChange).catch((e) => { button.closest("tr").querySelector(".row-message").textContent = e.message; });
  });
}
