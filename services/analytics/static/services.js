// The other services of this host, called from the page with the session cookie (and, for a
// write, the CSRF header); see shared/service/web_origins.py for why the browser may.
import { ApiError, api, state, t, toSignIn, usageHeaders } from "/static/common.js";

let where = null;

export async function services() {
  if (!where) where = await api("/v1/web/services");
  return where;
}

export async function service(name, path, options = {}) {
  const base = (await services())[name];
  const headers = usageHeaders({ ...(options.headers || {}) });
  if (options.method && options.method !== "GET") {
    headers["X-CSRF-Token"] = state.session.csrf_token;
    headers["Content-Type"] = "application/json";
  }
  const response = await fetch(base + path, { ...options, headers, credentials: "include" });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) { toSignIn(); throw new ApiError(401, body); }
  return { ok: response.ok, status: response.status, body };
}

// A refusal in the page's language: the service's own message, or for an invalid form a
// sentence of ours (the schema's messages are English only).
export function refusal(answer) {
  // a 422 of the service's own (e.g. an extension over the policy's maximum) says why in both
  // languages; the schema's are English only
  if (answer.status === 422 && !answer.body.message_zh) return t("invalid_input");
  const b = answer.body;
  return (state.lang === "en" ? b.message : b.message_zh || b.message) || t("failed_action");
}

// An instant from another service (UTC) in the organisation's time zone: "YYYY-MM-DD HH:MM".
export function orgTime(utc) {
  if (!utc || !where) return "";
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-CA", {
    timeZone: where.timezone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(new Date(utc)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}
