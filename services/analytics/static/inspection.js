// The weekly quality inspection: draw a week's sample, score it on the form, scores per department.
import { $, L, api, apiOptional, apiPost, esc, t } from "/static/common.js";


export function isoWeek(day) {
  const d = new Date(Date.UTC(day.getFullYear(), day.getMonth(), day.getDate()));
  const weekday = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - weekday);
  const yearStart = new Date(Date.UTC(d.getUTCFullYear(), 0, 1));
  const week = Math.ceil(((d - yearStart) / 86400000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

const ITEMS = ["attitude", "timeliness", "resolution", "accuracy"];
const ITEM_LABELS = { attitude: "attitude", timeliness: "timeliness_item", resolution: "resolution_item", accuracy: "accuracy" };

// A blank field is not a zero: a score is saved only when all four items are whole numbers
// in 0–25, and the reason it is not is shown beside the row's button, in the page's language.
function scoresOf(row) {
  const body = { complaint_no: row.dataset.sample };
  for (const name of ITEMS) {
    const text = row.querySelector(`input[name=${name}]`).value.trim();
    if (text === "") return { problem: t("score_blank") };
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0 || value > 25) return { problem: t("score_range") };
    body[name] = value;
  }
  return { body };
}

export function renderSample(sample) {
  $("#insp-info").textContent = sample.drawn
    ? t("drawn_info").replace("{seed}", sample.seed).replace("{population}", sample.population)
      .replace("{n}", sample.items.length).replace("{ratio}", Math.round(sample.ratio * 100))
    : t("not_drawn");
  // A live refresh of the same sample updates the rows in place: an input being typed into is
  // never replaced under the cursor, and scores typed but not saved yet stay as typed.
  const rows = [...document.querySelectorAll("#inspection tr[data-sample]")];
  if (rows.length === sample.items.length && rows.every((row, i) => row.dataset.sample === sample.items[i].complaint_no)) {
    sample.items.forEach((item, i) => {
      const s = item.score || {};
      if ("dirty" in rows[i].dataset) return;
      ITEMS.forEach((name) => { rows[i].querySelector(`input[name=${name}]`).value = s[name] ?? ""; });
      rows[i].querySelector(".total").textContent = s.total ?? "—";
    });
    return;
  }
  const unsaved = {};
  document.querySelectorAll("#inspection tr[data-dirty]").forEach((row) => {
    unsaved[row.dataset.sample] = Object.fromEntries(ITEMS.map((name) => [name, row.querySelector(`input[name=${name}]`).value]));
  });
  $("#inspection tbody").innerHTML = sample.items.map((item) => {
    const s = item.score || {};
    const typed = unsaved[item.complaint_no];
    const inputs = ITEMS.map((name) => {
      const label = t("score_of").replace("{item}", t(ITEM_LABELS[name])).replace("{no}", item.complaint_no);
      return `<td><input type="number" min="0" max="25" step="1" required name="${name}" aria-label="${esc(label)}" value="${esc(typed ? typed[name] : s[name] ?? "")}"></td>`;
    }).join("");
    return `<tr data-sample="${esc(item.complaint_no)}"${typed ? " data-dirty" : ""}><td>${esc(item.complaint_no)}</td><td>${esc(L(item.department_label))}</td>${inputs}
      <td class="total">${s.total ?? "—"}</td><td><button type="button" class="save-score">${esc(t("save"))}</button>
      <span class="row-message" role="status" aria-live="polite"></span></td></tr>`;
  }).join("");
}

export async function loadInspection() {
  const week = $("#insp-week").value.trim();
  const sample = await apiOptional(`/v1/inspections/${encodeURIComponent(week)}`);
  $("#inspection-panel").hidden = sample === null;
  if (sample) renderSample(sample);
}

export async function loadInspectionScores(month) {
  const scores = await api(`/v1/inspections?month=${month}`);
  $("#inspection-scores tbody").innerHTML = scores.departments.map((d) =>
    `<tr data-department="${esc(d.department || "")}"><td>${esc(L(d.label))}</td><td>${d.scored}</td><td>${d.failed}</td><td>${d.average_total.toFixed(1)}</td></tr>`,
  ).join("") || `<tr><td colspan="4">${esc(t("none"))}</td></tr>`;
}

export async function saveScore(row, refresh) {
  const message = row.querySelector(".row-message");
  const { body, problem } = scoresOf(row);
  message.textContent = problem || "";
  if (problem) return;
  try {
    const saved = await apiPost(`/v1/inspections/${encodeURIComponent($("#insp-week").value.trim())}/scores`, body);
    const current = [...document.querySelectorAll("#inspection tr[data-sample]")].find((r) => r.dataset.sample === body.complaint_no) || row;
    delete current.dataset.dirty;
    current.querySelector(".total").textContent = saved.total;
    const shown = current.querySelector(".row-message");
    if (shown) shown.textContent = t("saved");
    refresh();
  } catch (error) { message.textContent = String(error.message || error); }
}

