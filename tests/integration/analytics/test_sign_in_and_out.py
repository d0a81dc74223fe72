"""Signing in on the web pages: subject and token → an HttpOnly, SameSite=Strict session cookie
(Secure over https) that the API accepts; wrong credentials are a 401 in both languages and set
nothing; a write with the cookie but without the session's CSRF token is refused; signing out
ends the session on the server and removes the cookie. The bearer API is unchanged."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.analytics.conftest import Analytics
from tests.support.auth import bearer, token_for

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

OPERATOR = {"subject": "test-operator", "token": token_for("operator")}


async def sign_in(client: httpx.AsyncClient, **body: str) -> httpx.Response:
    client.cookies.clear()
    return await client.post("/v1/session", json=body)


async def test_wrong_credentials_are_refused_in_both_languages_and_set_nothing(analytics: Analytics) -> None:
    client = analytics.client
    for body in (
        {"subject": "test-operator", "token": "not-the-token-0123456789"},
        {"subject": "test-auditor", "token": token_for("operator")},  # someone else's token
        {"subject": "nobody", "token": token_for("operator")},
    ):
        refused = await sign_in(client, **body)
        assert refused.status_code == 401, refused.text
        assert refused.json()["error"] == "sign_in_refused"
        assert refused.json()["message"] and refused.json()["message_zh"]
        assert "set-cookie" not in refused.headers
        assert not client.cookies
    assert (await client.get("/v1/session")).status_code == 401
    page = await client.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/sign-in"


async def test_sign_in_gives_an_http_only_strict_cookie_the_api_accepts(analytics: Analytics) -> None:
    client = analytics.client
    signed = await sign_in(client, **OPERATOR)
    assert signed.status_code == 200, signed.text
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Max-Age=28800" in cookie
    assert "Secure" not in cookie  # plain http: a Secure cookie would never come back
    assert OPERATOR["token"] not in cookie
    body = signed.json()
    assert body["role"] == "operator" and body["role_label"] == {"zh-CN": "运维人员", "en": "Operator"}
    assert body["subject"] == "test-operator" and len(body["csrf_token"]) >= 32

    current = await client.get("/v1/session")
    assert current.json()["csrf_token"] == body["csrf_token"]
    assert (await client.get("/v1/complaints")).status_code == 200
    page = await client.get("/", follow_redirects=False)
    assert page.status_code == 200 and "dashboard.js" in page.text
    assert (await client.get("/sign-in", follow_redirects=False)).headers["location"] == "/"
    # where the pages reach the other services: this host, each service's port
    services = (await client.get("/v1/web/services")).json()
    assert services["routing"] == f"http://service:{analytics.settings.routing_port}"
    # the machines' bearer API is unchanged
    async with httpx.AsyncClient(transport=client._transport, base_url="http://service") as machine:
        assert (await machine.get("/v1/complaints", headers=bearer("operator"))).status_code == 200


async def test_over_https_the_cookie_is_secure(analytics: Analytics) -> None:
    async with httpx.AsyncClient(transport=analytics.client._transport, base_url="https://service") as client:
        signed = await client.post("/v1/session", json=OPERATOR)
        assert "Secure" in signed.headers["set-cookie"]


async def test_a_write_without_the_csrf_token_is_refused(analytics: Analytics) -> None:
    client = analytics.client
    csrf = (await sign_in(client, **OPERATOR)).json()["csrf_token"]
    refused = await client.post("/v1/inspections/2026-W10/draw", json={})
    assert refused.status_code == 403
    assert refused.json()["error"] == "csrf_token_missing" and refused.json()["message_zh"]
    forged = await client.post("/v1/inspections/2026-W10/draw", json={}, headers={"X-CSRF-Token": "x" * 32})
    assert forged.status_code == 403
    # with the session's token the request reaches the endpoint (an empty week: its own refusal)
    allowed = await client.post("/v1/inspections/2026-W10/draw", json={}, headers={"X-CSRF-Token": csrf})
    assert allowed.status_code == 422 and allowed.json()["error"] == "nothing_closed"


async def test_sign_out_needs_the_csrf_token_and_removes_the_cookie(analytics: Analytics) -> None:
    client = analytics.client
    csrf = (await sign_in(client, **OPERATOR)).json()["csrf_token"]
    assert (await client.delete("/v1/session")).status_code == 403
    assert (await client.get("/v1/session")).status_code == 200
    kept = client.cookies["tousu_session"]
    out = await client.delete("/v1/session", headers={"X-CSRF-Token": csrf})
    assert out.status_code == 204
    assert 'tousu_session=""' in out.headers["set-cookie"] and "Max-Age=0" in out.headers["set-cookie"]
    assert not client.cookies
    assert (await client.get("/v1/session")).status_code == 401
    # the session ended on the server: a copy of the cookie taken before opens nothing
    client.cookies.set("tousu_session", kept)
    reused = await client.get("/v1/complaints")
    assert reused.status_code == 401 and reused.json()["message_zh"]
    assert (await client.get("/v1/session")).status_code == 401
    assert (await client.get("/", follow_redirects=False)).headers["location"] == "/sign-in"
    assert (await client.delete("/v1/session")).status_code == 204  # no live session: nothing to guard
