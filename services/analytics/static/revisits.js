// The revisit desk for customer-service agents: the revisits due (from the feedback service),
// whom to call, and the complainant's answer recorded there with how they were reached; or a
// questionnaire link issued for the complainant to answer themselves (copied to send). A refusal shows beside the form,
// in the page's language. Agents of other departments may not work revisits: the desk stays hidden.
import { $, complaintLink, esc, state, t } from "/static/common.js";
import { orgTime, refusal, service } from "/static/services.js";

const feedback = (path, options) => service("feedback", path, options);

function row(item) {
  const person = item.complainant || {};
  const who = [person.name, person.phone].filter(Boolean).join(" · ") || (person.status_label ? person.status_label[state.lang] : "");
  return `<tr data-no="${esc(item.complaint_no)}"><td>${complaintLink(item.complaint_no)}</td>
    <td>${esc(item.department_label)}</td>
    <td class="${item.overdue ? "late" : ""}">${esc(orgTime(item.due_at))}${item.overdue ? ` · ${esc(t("overdue_short"))}` : ""}</td>
    <td class="wrap">${esc(who)}</td>
    <td class="actions"><fieldset><legend>${esc(t("answer"))}</legend>
      <label><input type="radio" name="outcome-${esc(item.complaint_no)}" value="satisfied"> ${esc(t("satisfied"))}</label>
      <label><input type="radio" name="outcome-${esc(item.complaint_no)}" value="acknowledged"> ${esc(t("acknowledged"))}</label>
      <label><input type="radio" name="outcome-${esc(item.complaint_no)}" value="dissatisfied"> ${esc(t("dissatisfied_answer"))}</label>
      <label>${esc(t("score"))} <select name="score"><option value="">—</option>${[5, 4, 3, 2, 1].map((n) => `<option value="${n}">${n}</option>`).join("")}</select></label>
      <label>${esc(t("revisit_channel"))} <select name="channel">${["phone", "sms", "email"].map((c) => `<option value="${c}">${esc(t(`channel_${c}`))}</option>`).join("")}</select></label>
      </fieldset>
      <button type="button" data-action="feedback">${esc(t("record_answer"))}</button>
      <button type="button" data-action="link">${esc(t("issue_link"))}</button>
      <label class="survey-link" hidden>${esc(t("survey_link"))} <input type="text" readonly name="link"></label>
      <p class="row-message" role="status" aria-live="polite"></p></td></tr>`;
}

export async function loadRevisits() {
  const list = await feedback(`/v1/revisits?lang=${encodeURIComponent(state.lang)}`);
  if (list.status === 403) { $("#revisit-section").hidden = true; return; }
  if (!list.ok) throw new Error(refusal(list));
  $("#revisit-section").hidden = false;
  // never redraw under the user: while a field has focus, or an answer is half given
  const started = [...document.querySelectorAll("#revisit-desk tr:not([data-answered]) :is(input:checked, select)")]
    .some((f) => f.checked || f.value);
  if ($("#revisit-desk").contains(document.activeElement) || started) return;
  $("#revisit-desk tbody").innerHTML = list.body.items.map(row).join("")
    || `<tr><td colspan="5">${esc(t("no_revisits_due"))}</td></tr>`;
}

async function record(tr) {
  const message = tr.querySelector(".row-message");
  const outcome = tr.querySelector("input[type=radio]:checked");
  const score = tr.querySelector("select[name=score]").value;
  if (!outcome || !score) { message.textContent = t("answer_needed"); return; }
  const answer = await feedback(`/v1/complaints/${encodeURIComponent(tr.dataset.no)}/feedback`, {
    method: "POST",
    body: JSON.stringify({
      satisfied: outcome.value === "satisfied", acknowledged: outcome.value === "acknowledged", score: Number(score),
      channel: tr.querySelector("select[name=channel]").value,
    }),
  });
  message.classList.toggle("refused", !answer.ok);
  message.textContent = answer.ok ? t("done") : refusal(answer);
  if (answer.ok) tr.dataset.answered = "";
}

// A questionnaire link is shown once (only its hash is kept): it goes into a read-only field,
// selected (the desk is not redrawn while it has focus), and onto the clipboard when allowed.
async function issueLink(tr) {
  const message = tr.querySelector(".row-message");
  const issued = await feedback(`/v1/complaints/${encodeURIComponent(tr.dataset.no)}/revisit-links`, {
    method: "POST", body: JSON.stringify({ send_via: "none" }),
  });
  message.classList.toggle("refused", !issued.ok);
  if (!issued.ok) { message.textContent = refusal(issued); return; }
  const field = tr.querySelector("input[name=link]");
  field.value = issued.body.url;
  field.closest("label").hidden = false;
  field.select();
  const days = Math.round((Date.parse(issued.body.expires_at) - Date.now()) / 86400000);
  await navigator.clipboard?.writeText(issued.body.url).catch(() => {});
  message.textContent = `${t("link_copied", { days })} ${issued.body.url}`;
}

// The desk lists complaints of every department, and an agent's live stream carries only their
// own department's events: a revisit scheduled elsewhere would never show without a reload. So
// the desk is read again every few seconds while it is shown.
const POLL_MS = 5000;

export function installRevisits(onChange) {
  setInterval(() => {
    if (!document.hidden && !$("#revisit-section").hidden) loadRevisits().catch(() => {});
  }, POLL_MS);
  $("#revisit-desk").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action=feedback]");
    if (button) record(button.closest("tr")).then(onChange).catch((e) => { button.closest("tr").querySelector(".row-message").textContent = e.message; });
    const link = event.target.closest("button[data-action=link]");
    if (link) issueLink(link.closest("tr")).catch((e) => { link.closest("tr").querySelector(".row-message").textContent = e.message; });
  });
}
