// The complaints flagged as a reputational risk (舆情风险): the public-relations owner's desk, and a
// panel for supervisors, who may read and clear flags too. The list comes from the analytics API
// (GET /v1/risk-flags, filtered and paged), a flag is cleared with a reason on the intake service
// (POST /v1/complaints/{no}/risk-flag/clear); a refusal shows beside the action, in the page's
// language. A complaint opens in the usual dialog (detail.js reads GET /v1/risk-flags/{no} for
// the PR owner, who may read no other complaint data).
import { $, L, api, complaintLink, esc, localTime, redrawKeeping, state, t } from "/static/common.js";
import { refusal, service } from "/static/services.js";

// The rules of services/intake/risk.yaml as shipped, labelled; a rule added there shows by name.
export const KNOWN_RULES = ["media-or-regulator-words", "regulator-referral", "urgent-grade", "repeated-problem", "manual"];
export const ruleLabel = (rule) => (KNOWN_RULES.includes(rule) ? t(`rule_${rule}`) : rule);

const listing = { number: 1, size: 20, total: 0 };
// cleared on this page: the list shows them as flagged until the clear reaches the read model
const cleared = new Map();
const HIDE_CLEARED_MS = 15000;

function query() {
  const params = new URLSearchParams({ state: $("#r-state").value, page: listing.number, page_size: listing.size });
  if ($("#r-source").value) params.set("source", $("#r-source").value);
  if ($("#r-rule").value) params.set("rule", $("#r-rule").value);
  if ($("#r-open").checked) params.set("open_only", "true");
  if ($("#r-from").value) params.set("flagged_from", $("#r-from").value);
  if ($("#r-to").value) params.set("flagged_to", $("#r-to").value);
  return params;
}

export function fillRuleFilter() {
  const select = $("#r-rule");
  const current = select.value;
  select.innerHTML = `<option value="">${esc(t("all"))}</option>`
    + KNOWN_RULES.map((r) => `<option value="${esc(r)}">${esc(ruleLabel(r))}</option>`).join("");
  select.value = current;
}

function stateCell(item) {
  if (item.flagged) return `<span class="late">${esc(t("state_flagged"))}</span>`;
  return esc(t("cleared_at", { at: item.cleared_at ? localTime(item.cleared_at) : "—" }));
}

function row(item) {
  const no = esc(item.complaint_no);
  const rules = `<ul class="rules">${item.rules.map((r) => `<li>${esc(ruleLabel(r))}</li>`).join("")}</ul>`;
  const clear = item.flagged ? `<details><summary>${esc(t("clear_flag"))}</summary>
        <label>${esc(t("clear_reason"))} <input name="clear_reason" maxlength="2000"></label>
        <button type="button" data-action="clear">${esc(t("clear_save"))}</button></details>` : "";
  return `<tr data-no="${no}" data-flagged="${item.flagged}"><td>${complaintLink(item.complaint_no)}</td>
    <td class="wrap">${esc(item.subject)}</td><td class="wrap">${rules}</td>
    <td class="wrap">${esc(item.sources_label.map(L).join(t("sep")))}</td><td>${esc(L(item.department_label))}</td>
    <td>${esc(localTime(item.last_flagged_at))}</td><td>${stateCell(item)}</td>
    <td class="actions">${clear}<p class="row-message" role="status" aria-live="polite"></p></td></tr>`;
}

// a refresh may still be out when the filters change: only the latest answer is drawn
let requests = 0;

export async function loadRiskFlags() {
  const typing = document.activeElement && document.activeElement.matches("#risk-flags input");
  const mine = ++requests;
  const list = await api(`/v1/risk-flags?${query()}`);
  if (typing || mine !== requests) return;  // never redraw under the user's typing, nor an old answer
  listing.total = list.total;
  list.items.forEach((i) => { if (i.department) state.departmentLabels[i.department] = i.department_label; });
  const now = Date.now();
  const items = list.items.filter((i) => !(i.flagged && now - (cleared.get(i.complaint_no) || 0) < HIDE_CLEARED_MS));
  redrawKeeping($("#risk-flags tbody"), items.map(row).join("")
    || `<tr><td colspan="8">${esc(t("no_risk_flags"))}</td></tr>`);
  const pages = Math.max(1, Math.ceil(list.total / listing.size));
  $("#risk-info").textContent = t("page_of", { page: listing.number, pages, total: list.total });
  $("#risk-prev").disabled = listing.number <= 1;
  $("#risk-next").disabled = listing.number >= pages;
}

async function clearFlag(button) {
  const tr = button.closest("tr[data-no]");
  const message = tr.querySelector(".row-message");
  const reason = tr.querySelector("input[name=clear_reason]").value.trim();
  message.classList.remove("refused");
  if (!reason) { message.textContent = t("fill_in"); return; }
  message.textContent = "";
  const answer = await service("intake", `/v1/complaints/${encodeURIComponent(tr.dataset.no)}/risk-flag/clear`, {
    method: "POST", body: JSON.stringify({ reason }),
  });
  message.classList.toggle("refused", !answer.ok);
  message.textContent = answer.ok ? t("done") : refusal(answer);
  if (answer.ok) {
    $("#risk-message").textContent = t("flag_cleared_for", { no: tr.dataset.no });
    cleared.set(tr.dataset.no, Date.now());
    tr.remove();
  }
}

export function installRiskFlags(onError) {
  $("#risk-section").hidden = false;
  fillRuleFilter();
  const reload = () => loadRiskFlags().catch(onError);
  $("#risk-filters").addEventListener("change", () => { listing.number = 1; reload(); });
  $("#risk-filters").addEventListener("submit", (event) => event.preventDefault());
  $("#risk-prev").addEventListener("click", () => { listing.number = Math.max(1, listing.number - 1); reload(); });
  $("#risk-next").addEventListener("click", () => { listing.number += 1; reload(); });
  $("#risk-flags").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action=clear]");
    if (!button) return;
    clearFlag(button).then(reload).catch((e) => { button.closest("tr").querySelector(".row-message").textContent = e.message; });
  });
}

export const readsRiskFlags = () => ["pr_owner", "supervisor"].includes(state.session.role);
