// The 8D desk (严重投诉 8D): the quality engineer's own desk, and a panel for supervisors. Cases from
// the analytics API (GET /v1/8d/cases), their due dates from the SLA service's clocks
// (GET /v1/complaints/{no}/deadlines), a discipline recorded on the routing service
// (POST /v1/complaints/{no}/8d/disciplines/{D1..D8}); the 8D report as a PDF in either language
// (GET /v1/complaints/{no}/8d/report.pdf?lang=). A refusal shows beside the action, in the page's
// language; a recorded discipline shows above the list and in the row once the read model has it.
import { $, L, api, esc, localTime, redrawKeeping, state, t } from "/static/common.js";
import { orgTime, refusal, service, services } from "/static/services.js";

const DISCIPLINES = ["D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8"];
const CLOCKS = ["eight_d_containment", "eight_d_countermeasure", "eight_d_closure"];

// An agent's dashboard shows the panel only while their department has a case (the department
// records its disciplines too); the quality engineer's desk and the supervisors' panel always.
const onlyWhenAny = () => state.session.role === "agent";

async function dueDates(no) {
  const answer = await service("sla", `/v1/complaints/${encodeURIComponent(no)}/deadlines`);
  if (!answer.ok) return {};
  const running = answer.body.items.filter((d) => CLOCKS.includes(d.stage) && !d.stopped_at);
  return Object.fromEntries(running.map((d) => [d.stage, d]));
}

function clocks(due) {
  const now = Date.now();
  const lines = CLOCKS.filter((stage) => due[stage]).map((stage) => {
    const d = due[stage];
    const late = Date.parse(d.due_at) <= now;
    return `<li class="${late ? "late" : ""}">${esc(L(d.stage_label))}: ${esc(orgTime(d.due_at))}${late ? ` (${esc(t("eight_d_late"))})` : ""}</li>`;
  });
  return lines.length ? `<ul class="rules">${lines.join("")}</ul>` : "—";
}

function disciplineOptions(item) {
  const next = item.next_discipline || "D1";
  return DISCIPLINES.map((d) => `<option value="${d}"${d === next ? " selected" : ""}>${esc(t(`discipline_${d}`))}</option>`).join("");
}

function pdfLinks(no) {
  const base = `/v1/complaints/${encodeURIComponent(no)}/8d/report.pdf`;
  return `<a href="${base}?lang=zh-CN" download>${esc(t("eight_d_pdf_zh"))}</a> · <a href="${base}?lang=en" download>${esc(t("eight_d_pdf_en"))}</a>`;
}

function row(item, due) {
  const no = esc(item.complaint_no);
  const cell = (key, html, cls = "") => `<td class="${cls}" data-label="${esc(t(key))}">${html}</td>`;
  const done = item.recorded.map((d) => `<span class="pill">${esc(d)}</span>`).join(" ") || "—";
  const breached = item.breached_labels.length
    ? `<br><span class="late">${esc(t("eight_d_breached", { what: item.breached_labels.map(L).join(t("sep")) }))}</span>` : "";
  const form = item.state === "open" ? `<details><summary>${esc(t("eight_d_record"))}</summary>
      <label>${esc(t("eight_d_discipline"))} <select name="discipline">${disciplineOptions(item)}</select></label>
      <label>${esc(t("eight_d_content"))} <textarea name="content" rows="3" maxlength="20000"></textarea></label>
      <fieldset class="team"><legend>${esc(t("eight_d_team"))}</legend>
        <label>${esc(t("eight_d_qe"))} <input name="qe" maxlength="100"></label>
        <label>${esc(t("eight_d_members"))} <input name="members" maxlength="1000"></label></fieldset>
      <button type="button" data-action="record">${esc(t("eight_d_save"))}</button></details>` : esc(L(item.state_label));
  return `<tr data-no="${no}" data-state="${esc(item.state)}">${cell("no", no)}
    ${cell("subject", `${esc(item.subject)}<br><span class="hint">${esc(L(item.cause_label))} · ${esc(L(item.status_label))}</span>`, "wrap")}
    ${cell("department", esc(L(item.department_label)))}
    ${cell("eight_d_opened", esc(localTime(item.opened_at)))}
    ${cell("eight_d_due", clocks(due) + breached, "wrap")}
    ${cell("eight_d_done", `${done}${item.next_label ? `<br><span class="hint">${esc(t("eight_d_next", { d: L(item.next_label) }))}</span>` : ""}`, "wrap")}
    <td class="actions" data-label="${esc(t("actions"))}">${form}<p class="pdf">${pdfLinks(item.complaint_no)}</p>
      <p class="row-message" role="status" aria-live="polite"></p></td></tr>`;
}

let requests = 0;

export async function loadEightD() {
  const mine = ++requests;
  await services();  // the organisation's time zone, for the due dates
  const params = new URLSearchParams({ state: $("#e-state").value, limit: "200" });
  if ($("#e-overdue").checked) params.set("overdue", "true");
  const list = await api(`/v1/8d/cases?${params}`);
  const due = await Promise.all(list.items.map((i) => (i.state === "open" ? dueDates(i.complaint_no) : {})));
  if (mine !== requests) return;  // a newer refresh is out
  if (onlyWhenAny()) $("#eight-d-section").hidden = !list.items.length && $("#e-state").value === "open";
  const typing = document.activeElement && document.activeElement.matches("#eight-d input, #eight-d textarea, #eight-d select");
  if (typing) return;  // never redraw under the user's typing
  redrawKeeping($("#eight-d tbody"), list.items.map((item, i) => row(item, due[i])).join("")
    || `<tr><td colspan="7">${esc(t("no_eight_d"))}</td></tr>`);
}

function team(tr) {
  const qe = tr.querySelector("input[name=qe]").value.trim();
  const others = tr.querySelector("input[name=members]").value.split(/[,，、;；]/).map((n) => n.trim()).filter(Boolean);
  return [
    ...(qe ? [{ name: qe, role: "quality_engineer" }] : []),
    ...others.map((name, i) => ({ name, role: i === 0 ? "leader" : "member" })),
  ];
}

async function recordDiscipline(button) {
  const tr = button.closest("tr[data-no]");
  const message = tr.querySelector(".row-message");
  const discipline = tr.querySelector("select[name=discipline]").value;
  const content = tr.querySelector("textarea[name=content]").value.trim();
  message.classList.remove("refused");
  if (!content) { message.textContent = t("fill_in"); return; }
  const body = discipline === "D1" ? { content, team: team(tr) } : { content };
  message.textContent = "";
  const answer = await service("routing", `/v1/complaints/${encodeURIComponent(tr.dataset.no)}/8d/disciplines/${discipline}`, {
    method: "POST", body: JSON.stringify(body),
  });
  message.classList.toggle("refused", !answer.ok);
  message.textContent = answer.ok ? t("done") : refusal(answer);
  if (answer.ok) {
    $("#eight-d-message").textContent = t("eight_d_recorded_for", { d: discipline, no: tr.dataset.no });
    tr.querySelector("textarea[name=content]").value = "";
  }
}

export function installEightD(onChange) {
  $("#eight-d-section").hidden = onlyWhenAny();
  $("#eight-d-filters").addEventListener("change", () => loadEightD().catch((e) => { $("#eight-d-message").textContent = e.message; }));
  $("#eight-d").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action=record]");
    if (!button) return;
    recordDiscipline(button).then(onChange).catch((e) => { button.closest("tr").querySelector(".row-message").textContent = e.message; });
  });
}
