// The supervisor's view of the open co-operations (协同待办, GET /v1/cooperations): each
// co-operating department asked and not yet contributed, with the lead and since when, oldest
// first. A supervisor adds a co-operating department or overrides from the complaint's detail.
import { $, L, api, complaintLink, esc, localTime, t } from "/static/common.js";

function row(item) {
  const cell = (key, html, cls = "") => `<td class="${cls}" data-label="${esc(t(key))}">${html}</td>`;
  return `<tr data-no="${esc(item.complaint_no)}" data-department="${esc(item.department)}">${cell("no", complaintLink(item.complaint_no))}
    ${cell("subject", esc(item.subject), "wrap")}${cell("coop_role_lead", esc(L(item.lead_department_label)))}
    ${cell("coop_departments", esc(L(item.department_label)))}${cell("status", esc(L(item.status_label)))}
    ${cell("coop_since", esc(localTime(item.requested_at)))}</tr>`;
}

export async function loadCooperations() {
  const list = await api("/v1/cooperations");
  $("#cooperations-open tbody").innerHTML = list.items.map(row).join("")
    || `<tr><td colspan="6">${esc(t("no_cooperations"))}</td></tr>`;
}

export function installCooperations() {
  $("#cooperations-section").hidden = false;
}
