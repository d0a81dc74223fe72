// The supervisor's extension desk: the extensions (延期申请) departments asked for, with the
// complainant's consent, from the analytics API (GET /v1/extension-requests), approved or
// declined on the SLA service. A refusal shows beside the action, in the page's language; a
// decision shows above the list, since its row leaves the list.
import { $, L, api, complaintLink, esc, localTime, state, t } from "/static/common.js";
import { refusal, service } from "/static/services.js";

const sla = (path, options) => service("sla", path, options);

// Requests decided on this page, hidden for a while: the read model lists them until the
// decision's event reaches it, a moment after the SLA service answered.
const decided = new Map();
const HIDE_DECIDED_MS = 15000;
const key = (no, stage) => `${no} ${stage}`;

function row(item) {
  const consent = `${L(item.consent_via_label)} · ${localTime(item.consent_at)}`
    + (item.consent_note ? ` · ${item.consent_note}` : "");
  // data-label: on a phone each row is a card, every cell named (dashboard.css); installCards
  // (common.js) writes the same labels from the headers once the rows are drawn
  const cell = (key, html, cls = "") => `<td class="${cls}" data-label="${esc(t(key))}">${html}</td>`;
  return `<tr data-no="${esc(item.complaint_no)}" data-stage="${esc(item.stage)}">${cell("no", complaintLink(item.complaint_no))}
    ${cell("subject", esc(item.subject), "wrap")}${cell("department", esc(L(item.department_label)))}
    ${cell("stage", esc(L(item.stage_label)))}${cell("ext_asked", esc(L(item.extension_label)))}${cell("deadline", esc(localTime(item.deadline)))}
    ${cell("consent", esc(consent), "wrap")}
    ${cell("ext_reason", `${esc(item.reason || "—")}<br><span class="hint">${esc(t("requested_by", { who: item.requested_by || "—", at: localTime(item.requested_at) }))}</span>`, "wrap")}
    <td class="actions" data-label="${esc(t("actions"))}">
      <label>${esc(t("approve_note"))} <input name="approve_note" maxlength="1000"></label>
      <button type="button" data-action="approve">${esc(t("approve"))}</button>
      <details><summary>${esc(t("decline"))}</summary>
        <label>${esc(t("decline_reason"))} <input name="decline_reason" maxlength="1000"></label>
        <button type="button" data-action="decline">${esc(t("decline_save"))}</button></details>
      <p class="row-message" role="status" aria-live="polite"></p></td></tr>`;
}

export async function loadExtensions() {
  const list = await api("/v1/extension-requests");
  const typing = document.activeElement && document.activeElement.matches("#extension-requests input, #extension-requests select");
  if (typing) return;  // never redraw under the user's typing
  const now = Date.now();
  const items = list.items.filter((i) => !(now - (decided.get(key(i.complaint_no, i.stage)) || 0) < HIDE_DECIDED_MS));
  $("#extension-requests tbody").innerHTML = items.map(row).join("")
    || `<tr><td colspan="9">${esc(t("no_extension_requests"))}</td></tr>`;
}

async function decide(button) {
  const tr = button.closest("tr[data-no]");
  const message = tr.querySelector(".row-message");
  const action = button.dataset.action;
  const note = tr.querySelector("input[name=approve_note]").value.trim();
  const reason = tr.querySelector("input[name=decline_reason]").value.trim();
  if (action === "decline" && !reason) { message.textContent = t("fill_in"); return; }
  const body = action === "approve" ? (note ? { note } : {}) : { reason };
  message.textContent = "";
  const answer = await sla(
    `/v1/complaints/${encodeURIComponent(tr.dataset.no)}/extensions/${encodeURIComponent(tr.dataset.stage)}/${action}`,
    { method: "POST", body: JSON.stringify(body) },
  );
  message.classList.toggle("refused", !answer.ok);
  message.textContent = answer.ok ? t("done") : refusal(answer);
  if (answer.ok) {
    $("#extensions-message").textContent = t(action === "approve" ? "approved_for" : "declined_for", { no: tr.dataset.no });
    decided.set(key(tr.dataset.no, tr.dataset.stage), Date.now());
    tr.remove();
  }
}

export function installExtensions(onChange) {
  $("#extensions-section").hidden = false;
  $("#extension-requests").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    decide(button).then(onChange).catch((e) => { button.closest("tr").querySelector(".row-message").textContent = e.message; });
  });
}

export const forSupervisor = () => state.session.role === "supervisor";
