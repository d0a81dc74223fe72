"""Signing in with the OpenID Connect provider: the button's endpoint names it, the browser goes
there and back (authorization code with PKCE), and comes home with the same HttpOnly session
cookie a token sign-in gives, which every service accepts; who the person is comes from the ID
token's claims. Signing out ends the session everywhere and sends the browser on to the
provider's end-session endpoint; rotating the client secret ends every such session (the admins
see them as token_removed). The bearer API for machines is untouched."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pydantic import SecretStr

from shared.service.session import SESSION_COOKIE
from tests.integration.oidc.conftest import ANALYTICS, SingleSignOn
from tests.support.apps import SERVICE_APPS
from tests.support.auth import bearer
from tests.support.auth import test_tokens as tokens_for_tests
from tests.support.fake_oidc import CLIENT_ID

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

EVERYWHERE_OPEN = dict.fromkeys(("intake", "routing", "sla", "feedback", "analytics"), 200)


async def test_the_sign_in_page_learns_the_provider(sso: SingleSignOn) -> None:
    async with sso.browser() as browser:
        answer = await browser.get("/v1/session/oidc")
    assert answer.status_code == 200
    assert answer.json() == {"provider_name": "Test IdP", "sign_in_url": "/v1/session/oidc/login"}


async def test_the_browser_goes_to_the_provider_with_pkce_state_and_nonce(sso: SingleSignOn) -> None:
    async with sso.browser() as browser:
        start = await browser.get("/v1/session/oidc/login", follow_redirects=False)
    assert start.status_code == 303
    target = urlsplit(start.headers["location"])
    query = {name: values[0] for name, values in parse_qs(target.query).items()}
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{sso.provider.issuer}/authorize"
    assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["state"] and query["nonce"] and query["state"] != query["nonce"]
    assert query["redirect_uri"] == f"{ANALYTICS}/v1/session/oidc/callback"
    assert "openid" in query["scope"].split()
    flow_cookie = start.headers["set-cookie"]
    assert (
        "HttpOnly" in flow_cookie and "SameSite=lax" in flow_cookie and "Path=/v1/session/oidc" in flow_cookie
    )
    assert query["state"] not in flow_cookie  # the state is signed into the cookie, not readable as-is


@pytest.mark.parametrize(("algorithm", "with_kid"), [("RS256", True), ("ES256", True), ("ES256", False)])
async def test_a_person_signs_in_and_every_service_accepts_the_session(
    sso: SingleSignOn, algorithm: str, with_kid: bool
) -> None:
    sso.provider.behaviour.algorithm = algorithm
    sso.provider.behaviour.with_kid = with_kid
    async with sso.browser(html=True) as browser:
        landed = await browser.get("/v1/session/oidc/login")
        assert landed.status_code == 200, landed.text
        assert str(landed.url).startswith(f"{ANALYTICS}/v1/session/oidc/callback")
        assert 'http-equiv="refresh" content="0;url=/"' in landed.text  # on to the dashboard
        cookie = landed.headers["set-cookie"]
        assert (
            cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
        )
        assert await sso.read_everywhere(browser) == EVERYWHERE_OPEN
        dashboard = await browser.get("/", follow_redirects=False)
        assert dashboard.status_code == 200
        me = (await browser.get("/v1/session")).json()
    assert me["subject"] == "oidc:person-1" and me["name"] == "王芳"
    assert me["role"] == "admin" and me["role_label"] == {"zh-CN": "管理员", "en": "Administrator"}


async def test_an_agent_gets_the_role_and_department_the_token_claims(sso: SingleSignOn) -> None:
    sso.provider.person(
        ["offline_access", "agent"], "quality", sub="agent-7", name=None, email="li@example.com"
    )
    async with sso.browser() as browser:
        assert (await browser.get("/v1/session/oidc/login")).status_code == 200
        me = (await browser.get("/v1/session")).json()
        assert (await browser.get("http://service:8102/v1/admin/dead-letters")).status_code == 403  # an agent
    assert (me["subject"], me["role"], me["department"], me["name"]) == (
        "oidc:agent-7",
        "agent",
        "quality",
        "li@example.com",
    )
    assert me["department_label"]["en"] == "Quality"


async def test_admins_see_and_end_a_single_sign_on_session_everywhere(sso: SingleSignOn) -> None:
    sso.provider.person("supervisor", sub="lead-3")
    async with sso.browser() as browser:
        assert (await browser.get("/v1/session/oidc/login")).status_code == 200
        async with sso.browser() as machine:
            listed = await machine.get(
                "/v1/admin/sessions", params={"subject": "oidc:lead-3"}, headers=bearer("admin")
            )
            (session,) = listed.json()["sessions"]
            assert session["state"] == "live" and session["name"] == "王芳"
            ended = await machine.delete(f"/v1/admin/sessions/{session['id']}", headers=bearer("admin"))
            assert ended.status_code == 204
        assert (await browser.get("/v1/session")).status_code == 401


async def test_signing_out_ends_the_session_and_goes_on_to_the_provider(sso: SingleSignOn) -> None:
    async with sso.browser() as browser:
        assert (await browser.get("/v1/session/oidc/login")).status_code == 200
        kept = browser.cookies[SESSION_COOKIE]
        csrf = (await browser.get("/v1/session")).json()["csrf_token"]
        assert (await browser.delete("/v1/session", headers={"X-CSRF-Token": csrf})).status_code == 204
        browser.cookies.set(SESSION_COOKIE, kept)  # a copy taken before signing out
        assert (await browser.get("/v1/session")).status_code == 401
        onwards = await browser.get("/v1/session/oidc/logout", follow_redirects=False)
    assert onwards.status_code == 303
    target = urlsplit(onwards.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{sso.provider.issuer}/logout"
    query = {name: values[0] for name, values in parse_qs(target.query).items()}
    assert query == {"client_id": CLIENT_ID, "post_logout_redirect_uri": f"{ANALYTICS}/sign-in"}


async def test_the_bearer_api_is_unchanged(sso: SingleSignOn) -> None:
    async with sso.browser() as machine:
        assert (await machine.get("/v1/admin/sessions", headers=bearer("admin"))).status_code == 200
        assert (await machine.get("/v1/admin/sessions")).status_code == 401


async def test_rotating_the_client_secret_ends_every_single_sign_on_session(sso: SingleSignOn) -> None:
    sso.provider.person("auditor", sub="auditor-9")
    async with sso.browser() as browser:
        assert (await browser.get("/v1/session/oidc/login")).status_code == 200
        cookie = browser.cookies[SESSION_COOKIE]
    rotated = sso.settings.model_copy(update={"oidc_client_secret": SecretStr("a-rotated-secret-0123456789")})
    analytics = SERVICE_APPS["analytics"](rotated, clock=sso.clock, tokens=tokens_for_tests())
    try:
        transport = httpx.ASGITransport(app=analytics)
        async with httpx.AsyncClient(transport=transport, base_url=ANALYTICS) as after:
            after.cookies.set(SESSION_COOKIE, cookie)
            assert (await after.get("/v1/session")).status_code == 401
            after.cookies.clear()
            listed = await after.get(
                "/v1/admin/sessions",
                params={"subject": "oidc:auditor-9", "ended": "true"},
                headers=bearer("admin"),
            )
        (session,) = listed.json()["sessions"]
        assert session["state"] == "token_removed"
    finally:
        await analytics.state.runtime.engine.dispose()
