"""Every way a sign-in with the provider can go wrong is refused with a 4xx that says why in
both languages — JSON for a program, a page for a browser — and no session is started: an
answer for another sign-in (state), a token for another sign-in (nonce), expired or from the
future, meant for another application, signed with a key the provider does not publish, a
person without a tousu role (or with two), an agent without a department, an unknown
department, and a callback without the flow's cookie."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from shared.service.session import SESSION_COOKIE
from tests.integration.oidc.conftest import SingleSignOn
from tests.support.fake_oidc import FakeProvider

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def _set(**fields: object) -> Callable[[FakeProvider], None]:
    def change(provider: FakeProvider) -> None:
        for name, value in fields.items():
            setattr(provider.behaviour, name, value)

    return change


def _person(role: object, department: str | None = None) -> Callable[[FakeProvider], None]:
    return lambda provider: provider.person(role, department)  # type: ignore[arg-type]


def _claims(**claims: object) -> Callable[[FakeProvider], None]:
    return lambda provider: provider.behaviour.claims.update(claims)


REFUSALS = {
    "wrong state": (_set(state="not-the-state"), 400, "oidc_state_mismatch"),
    "wrong nonce": (_set(nonce="not-the-nonce"), 401, "oidc_token_invalid"),
    "expired token": (_set(issued_offset_seconds=-3600), 401, "oidc_token_invalid"),
    "token from the future": (_set(issued_offset_seconds=3600), 401, "oidc_token_invalid"),
    "wrong audience": (_claims(aud="another-app"), 401, "oidc_token_invalid"),
    "wrong issuer": (_claims(iss="https://elsewhere.example"), 401, "oidc_token_invalid"),
    "bad signature": (_set(stranger_key=True), 401, "oidc_token_invalid"),
    "bad signature (ES256)": (_set(stranger_key=True, algorithm="ES256"), 401, "oidc_token_invalid"),
    "no role claim": (_person(None), 403, "oidc_no_role"),
    "no tousu role among the values": (_person(["offline_access", "uma_authorization"]), 403, "oidc_no_role"),
    "two tousu roles": (_person(["agent", "supervisor"], "quality"), 403, "oidc_ambiguous_role"),
    "an agent without a department": (_person("agent"), 403, "oidc_no_department"),
    "unknown department": (_person("agent", "moon_base"), 403, "oidc_unknown_department"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
async def test_a_refused_sign_in_says_why_in_both_languages_and_starts_no_session(
    sso: SingleSignOn, case: str
) -> None:
    change, status, error = REFUSALS[case]
    change(sso.provider)
    async with sso.browser() as browser:
        refused = await browser.get("/v1/session/oidc/login")
        assert refused.status_code == status, refused.text
        body = refused.json()
        assert body["error"] == error
        assert body["message"] and body["message_zh"] and body["message"] != body["message_zh"]
        assert SESSION_COOKIE not in browser.cookies
        assert (await browser.get("/v1/session")).status_code == 401
        assert (await browser.get("/", follow_redirects=False)).headers["location"] == "/sign-in"


async def test_a_browser_is_shown_a_page_in_both_languages(sso: SingleSignOn) -> None:
    sso.provider.person("agent", "moon_base")
    async with sso.browser(html=True) as browser:
        refused = await browser.get("/v1/session/oidc/login")
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert "无法登录" in refused.text and "Cannot sign in" in refused.text
    assert "所属部门不是本系统已知的部门" in refused.text and "not one tousu knows" in refused.text
    assert 'href="/sign-in"' in refused.text


async def test_a_callback_without_the_flow_cookie_or_after_ten_minutes_is_refused(sso: SingleSignOn) -> None:
    async with sso.browser() as browser:
        stranger = await browser.get("/v1/session/oidc/callback", params={"code": "x", "state": "y"})
        assert stranger.status_code == 400 and stranger.json()["error"] == "oidc_flow_expired"
        at_provider = await browser.get("/v1/session/oidc/login", follow_redirects=False)
        sso.clock.advance(timedelta(minutes=11))
        back = await browser.get(at_provider.headers["location"])  # the provider, then the callback
        assert back.status_code == 400 and back.json()["error"] == "oidc_flow_expired"
        assert SESSION_COOKIE not in browser.cookies


async def test_the_provider_declining_is_a_refusal_not_an_error(sso: SingleSignOn) -> None:
    async with sso.browser() as browser:
        at_provider = await browser.get("/v1/session/oidc/login", follow_redirects=False)
        state = dict(
            pair.split("=", 1) for pair in at_provider.headers["location"].split("?", 1)[1].split("&")
        )
        declined = await browser.get(
            "/v1/session/oidc/callback", params={"error": "access_denied", "state": state["state"]}
        )
    assert declined.status_code == 403 and declined.json()["error"] == "oidc_provider_refused"
