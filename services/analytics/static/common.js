// What every part of the dashboard shares: the page state, texts, and the API calls. The API is
// called with the HttpOnly session cookie (the browser sends it); writes carry the session's
// CSRF token, which lives only in this module's memory.
import { TEXT, fill } from "/static/i18n.js";

export const state = {
  lang: localStorage.getItem("tousu.lang") || "zh-CN",
  session: null,
  dictionary: null,
  // departments' labels met on the page, for roles that may not read the dictionary (the PR owner)
  departmentLabels: {},
};

export const $ = (sel) => document.querySelector(sel);
export const t = (key, values) => (values ? fill(TEXT[state.lang][key] || key, values) : TEXT[state.lang][key] || key);
export const L = (label) => (label ? label[state.lang] || label.en : "");
export const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
export const localTime = (instant) => (instant ? instant.local.replace("T", " ").slice(0, 16) : "");
export const complaintLink = (no) => `<a href="#/complaints/${encodeURIComponent(no)}" data-no="${esc(no)}">${esc(no)}</a>`;

export function say(message) { $("#message").textContent = message || ""; }

// Once leaving for the sign-in page, stay on that course: a signed-out page's requests still in
// flight answer 401 too, and a second navigation would land on a sign-in page already being
// filled in.
let leaving = false;

export function leaveFor(url) {
  if (leaving) return;
  leaving = true;
  location.replace(url);
}

// To sign in: with a note that the session ended when the page had one (idle, signed out
// elsewhere, ended by an admin), plainly when it never had.
export function toSignIn() { leaveFor("/sign-in" + (state.session ? "?ended=1" : "") + location.hash); }

// What the page fetches by itself — a refresh after a live update, a desk polled every few
// seconds, the live stream reconnecting — carries X-Tousu-Background: the services check it but do
// not count it as use, so a page left unattended goes idle (TOUSU_SESSION_IDLE_SECONDS) and lands
// on the sign-in page. A request made within a moment of a person's own input (a click, a key, a
// form sent, the page opened) is theirs and counts. Judging by the input rather than by each caller
// marks every timer's fetch, present or future; an automatic fetch in that moment counting as use
// changes nothing, the person's own request having just counted.
const PERSON_MS = 3000;
let lastInput = performance.now();
for (const type of ["pointerdown", "keydown", "submit"]) {
  addEventListener(type, (event) => { if (event.isTrusted) lastInput = performance.now(); }, true);
}

export const BACKGROUND = { "X-Tousu-Background": "1" };

export function usageHeaders(headers = {}) {
  return performance.now() - lastInput < PERSON_MS ? headers : { ...headers, ...BACKGROUND };
}

export class ApiError extends Error {
  constructor(status, body) {
    super((state.lang === "en" ? body.message : body.message_zh || body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function answer(response) {
  if (response.status === 401) { toSignIn(); throw new ApiError(401, {}); }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

export async function api(path) { return answer(await fetch(path, { headers: usageHeaders() })); }

// Panels some roles may not read (agents: the inspection samples) answer null instead.
export async function apiOptional(path) {
  const response = await fetch(path, { headers: usageHeaders() });
  if (response.status === 403) return null;
  return answer(response);
}

export async function apiPost(path, body) {
  return answer(await fetch(path, {
    method: "POST", body: JSON.stringify(body || {}),
    headers: usageHeaders({ "X-CSRF-Token": state.session.csrf_token, "Content-Type": "application/json" }),
  }));
}

// On a phone (dashboard.css, below 768 px) a list's rows are cards: each cell is shown with its
// column's header beside it. The header texts are copied onto the cells as data-label, whenever
// the rows are drawn again or the headers change language, so every list gets its labels without
// each renderer having to name its cells.
const headerCells = (table) => [...(table.tHead?.rows[0]?.cells || [])];

// a header whose only text is visually hidden (a column of save buttons) labels nothing
function headerText(th) {
  const visible = th.cloneNode(true);
  visible.querySelectorAll(".visually-hidden").forEach((hidden) => hidden.remove());
  return visible.textContent.trim();
}

function label(table) {
  const labels = [];
  headerCells(table).forEach((th) => { for (let i = 0; i < th.colSpan; i += 1) labels.push(headerText(th)); });
  for (const body of table.tBodies) {
    for (const row of body.rows) {
      let column = 0;
      for (const cell of row.cells) {
        const text = cell.colSpan >= labels.length ? "" : labels[column] || "";
        if (text) cell.dataset.label = text;
        else delete cell.dataset.label;
        column += cell.colSpan;
      }
    }
  }
}

export function installCards() {
  document.querySelectorAll("table.cards").forEach((table) => {
    label(table);
    new MutationObserver(() => label(table)).observe(table, { childList: true, subtree: true, characterData: true });
  });
}

// Rows drawn again (a refresh, the other language) keep what the person was doing in them: what
// was typed, which forms were open, the last message. Rows are matched by data-no; fields by their
// name and forms by the action of their button, not by position: a row whose status changed may
// offer other forms than before, and an open form must stay open, not its neighbour.
const formKey = (details) => details.querySelector("[data-action]")?.dataset.action || details.querySelector("summary")?.textContent;
const fieldKey = (field) => field.name || field.id;

export function rowState(tr) {
  return {
    fields: Object.fromEntries([...tr.querySelectorAll("input, select, textarea")]
      .filter(fieldKey).map((f) => [fieldKey(f), f.type === "checkbox" || f.type === "radio" ? f.checked : f.value])),
    open: new Set([...tr.querySelectorAll("details")].filter((d) => d.open).map(formKey)),
    message: tr.querySelector(".row-message")?.outerHTML,
  };
}

export function restoreRow(tr, was) {
  tr.querySelectorAll("input, select, textarea").forEach((field) => {
    const key = fieldKey(field);
    if (!key || !(key in was.fields)) return;
    if (field.type === "checkbox" || field.type === "radio") field.checked = Boolean(was.fields[key]);
    else field.value = was.fields[key] ?? "";
  });
  tr.querySelectorAll("details").forEach((d) => { d.open = was.open.has(formKey(d)); });
  const message = tr.querySelector(".row-message");
  if (message && was.message) message.outerHTML = was.message;
}

export function redrawKeeping(tbody, html) {
  const kept = {};
  tbody.querySelectorAll("tr[data-no]").forEach((tr) => { kept[tr.dataset.no] = rowState(tr); });
  tbody.innerHTML = html;
  tbody.querySelectorAll("tr[data-no]").forEach((tr) => {
    if (kept[tr.dataset.no]) restoreRow(tr, kept[tr.dataset.no]);
  });
}
