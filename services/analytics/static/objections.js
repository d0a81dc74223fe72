// The supervisor's objection desk: the departments' objections to their assignments (派单异议)
// waiting for a decision, from the analytics API (GET /v1/objections), upheld (to a department
// chosen here, or by the routing rules) or rejected on the routing service. A refusal shows beside
// the action; a decision shows above the list, since its row leaves the list.
import { $, L, api, complaintLink, esc, localTime, state, t } from "/static/common.js";
import { refusal, service } from "/static/services.js";

const routing = (path, options) => service("routing", path, options);

// Objections decided on this page, hidden for a while: the read model lists them until the
// decision's event reaches it, a moment after routing answered.
const decided = new Map();
const HIDE_DECIDED_MS = 15000;

function departmentOptions(objecting) {
  const others = (state.dictionary?.departments || []).filter((d) => d.code !== objecting);
  return `<option value="">${esc(t("by_rules"))}</option>`
    + others.map((d) => `<option value="${esc(d.code)}">${esc(L(d.label))}</option>`).join("");
}

function row(item) {
  const cell = (key, html, cls = "") => `<td class="${cls}" data-label="${esc(t(key))}">${html}</td>`;
  return `<tr data-no="${esc(item.complaint_no)}">${cell("no", complaintLink(item.complaint_no))}
    ${cell("subject", esc(item.subject), "wrap")}${cell("department", esc(L(item.department_label)))}
    ${cell("objection_reason", `${esc(item.reason || "—")}<br><span class="hint">${esc(t("requested_by", { who: item.objected_by || "—", at: localTime(item.objected_at) }))}</span>`, "wrap")}
    <td class="actions" data-label="${esc(t("actions"))}">
      <label>${esc(t("decision_reason"))} <input name="decision_reason" maxlength="2000"></label>
      <label>${esc(t("uphold_to"))} <select name="to_department">${departmentOptions(item.department)}</select></label>
      <button type="button" data-action="uphold">${esc(t("uphold"))}</button>
      <button type="button" data-action="reject">${esc(t("reject_objection"))}</button>
      <p class="row-message" role="status" aria-live="polite"></p></td></tr>`;
}

export async function loadObjections() {
  const list = await api("/v1/objections");
  const typing = document.activeElement && document.activeElement.matches("#objections input, #objections select");
  if (typing) return;  // never redraw under the user's typing
  const now = Date.now();
  const items = list.items.filter((i) => !(now - (decided.get(i.complaint_no) || 0) < HIDE_DECIDED_MS));
  $("#objections tbody").innerHTML = items.map(row).join("")
    || `<tr><td colspan="5">${esc(t("no_objections"))}</td></tr>`;
}

async function decide(button) {
  const tr = button.closest("tr[data-no]");
  const message = tr.querySelector(".row-message");
  const reason = tr.querySelector("input[name=decision_reason]").value.trim();
  if (!reason) { message.textContent = t("fill_in"); return; }
  const uphold = button.dataset.action === "uphold";
  const to = tr.querySelector("select[name=to_department]").value;
  const body = uphold && to ? { uphold, reason, to_department: to } : { uphold, reason };
  message.textContent = "";
  const answer = await routing(`/v1/complaints/${encodeURIComponent(tr.dataset.no)}/objection/decision`, {
    method: "POST", body: JSON.stringify(body),
  });
  message.classList.toggle("refused", !answer.ok);
  message.textContent = answer.ok ? t("done") : refusal(answer);
  if (answer.ok) {
    $("#objections-message").textContent = t(uphold ? "upheld_for" : "rejected_for", { no: tr.dataset.no });
    decided.set(tr.dataset.no, Date.now());
    tr.remove();
  }
}

export function installObjections(onChange) {
  $("#objections-section").hidden = false;
  $("#objections").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    decide(button).then(onChange).catch((e) => { button.closest("tr").querySelector(".row-message").textContent = e.message; });
  });
}
