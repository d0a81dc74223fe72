// The sign-in page: posts the subject and token once; the service answers with an HttpOnly
// session cookie. The token never goes into browser storage and is cleared from the form.
import { TEXT_SIGN_IN } from "/static/texts.js";

const $ = (sel) => document.querySelector(sel);
let lang = localStorage.getItem("tousu.lang") || "zh-CN";
const t = (key) => TEXT_SIGN_IN[lang][key] || key;
let provider = null;  // the single sign-on provider, when the service has one

function applyTexts() {
  document.documentElement.lang = lang;
  document.title = `${t("sign_in_title")} · ${t("title")}`;
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  const button = $("#lang");
  button.textContent = t("switch");
  button.lang = lang === "en" ? "zh-CN" : "en";
  if (provider) {
    $("#sso-button").textContent = t("sso_with").replace("{name}", provider.provider_name || t("sso_default"));
    $("#sso-button").href = provider.sign_in_url;
  }
}

// The button to the provider shows only when the service has one (else the answer is a 404).
async function findProvider() {
  try {
    const response = await fetch("/v1/session/oidc");
    if (!response.ok) return;
    provider = await response.json();
    applyTexts();
    $("#sso").hidden = false;
  } catch (_) { /* no provider reachable: the token form stays */ }
}

async function signIn(event) {
  event.preventDefault();
  const error = $("#sign-in-error");
  const subject = $("#subject").value.trim();
  const token = $("#token").value.trim();
  if (!subject || !token) { error.textContent = t("both_needed"); return; }
  error.textContent = "";
  try {
    const response = await fetch("/v1/session", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ subject, token }),
    });
    $("#token").value = "";
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      error.textContent = (lang === "en" ? body.message : body.message_zh) || t("refused");
      $("#token").focus();
      return;
    }
    location.replace("/" + location.hash);
  } catch (_) { error.textContent = t("unreachable"); }
}

// Sent here by a page whose session ended under it (common.js): say so, in the page's language.
$("#session-ended").hidden = !new URLSearchParams(location.search).has("ended");

// A token an earlier version of the page kept in localStorage is removed for good.
localStorage.removeItem("tousu.token");
applyTexts();
$("#lang").addEventListener("click", () => {
  lang = lang === "zh-CN" ? "en" : "zh-CN";
  localStorage.setItem("tousu.lang", lang);
  applyTexts();
});
$("#sign-in-form").addEventListener("submit", signIn);
$("#subject").focus();
findProvider();
