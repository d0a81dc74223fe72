"""The session cookie is signed, expires, names a token entry without the token, and a request
that changes state with it needs the session's CSRF token; every service checks it the same way."""

from __future__ import annotations

from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI

from shared.events import Role
from shared.service.app import install_error_handlers
from shared.service.auth import Principal, TokenEntry, TokenRegistry, require
from shared.service.session import (
    CSRF_HEADER,
    SESSION_COOKIE,
    SessionSigner,
    csrf_ok,
    session_key,
    token_fingerprint,
)

pytestmark = pytest.mark.unit

NOW = 1_800_000_000.0
Operator = Annotated[Principal, require(Role.OPERATOR)]
TOKEN = "operator-secret-0123456789"


def test_a_cookie_opens_with_its_key_until_it_expires() -> None:
    signer = SessionSigner(session_key([TOKEN]), lifetime_seconds=3600)
    value, claims = signer.issue(token_fingerprint(TOKEN), NOW)
    assert signer.open(value, NOW + 3599) == claims
    assert signer.open(value, NOW + 3600) is None  # expired
    assert TOKEN not in value and token_fingerprint(TOKEN) != TOKEN


def test_a_tampered_or_foreign_cookie_is_refused() -> None:
    signer = SessionSigner(session_key([TOKEN]))
    value, _ = signer.issue("a" * 32, NOW)
    payload, _, signature = value.partition(".")
    assert signer.open(payload[:-2] + "xx." + signature, NOW) is None
    assert signer.open(value + "x", NOW) is None
    assert signer.open("garbage", NOW) is None
    assert signer.open("", NOW) is None
    other = SessionSigner(session_key(["another-token-0123456789"]))
    assert other.open(value, NOW) is None  # another tokens file, another key


def test_each_session_has_its_own_csrf_token() -> None:
    signer = SessionSigner(session_key([TOKEN]))
    _, first = signer.issue("a" * 32, NOW)
    _, second = signer.issue("a" * 32, NOW)
    assert first.csrf != second.csrf and len(first.csrf) >= 32


def test_only_safe_methods_go_without_the_csrf_header() -> None:
    _, claims = SessionSigner(session_key([TOKEN])).issue("a" * 32, NOW)
    assert csrf_ok("GET", None, claims) and csrf_ok("HEAD", None, claims)
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert not csrf_ok(method, None, claims)
        assert not csrf_ok(method, claims.csrf + "x", claims)
        assert csrf_ok(method, claims.csrf, claims)


def registry(*tokens: str) -> TokenRegistry:
    return TokenRegistry(
        [TokenEntry(token=t, subject=f"op-{i}", role=Role.OPERATOR) for i, t in enumerate(tokens)]
    )


def app_with(tokens: TokenRegistry) -> FastAPI:
    app = FastAPI()
    app.state.tokens = tokens
    install_error_handlers(app)

    @app.get("/read")
    async def read(principal: Operator) -> dict[str, str]:
        return {"subject": principal.subject}

    @app.post("/write")
    async def write(principal: Operator) -> dict[str, str]:
        return {"subject": principal.subject}

    return app


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service")


async def test_a_service_accepts_the_session_cookie_and_guards_writes_with_csrf() -> None:
    tokens = registry(TOKEN)
    value, claims = tokens.sessions.issue(token_fingerprint(TOKEN), NOW)
    async with client(app_with(tokens)) as http:
        http.cookies.set(SESSION_COOKIE, value)
        assert (await http.get("/read")).json() == {"subject": "op-0"}
        refused = await http.post("/write")
        assert refused.status_code == 403
        assert refused.json()["error"] == "csrf_token_missing" and refused.json()["message_zh"]
        assert (await http.post("/write", headers={CSRF_HEADER: "wrong"})).status_code == 403
        assert (await http.post("/write", headers={CSRF_HEADER: claims.csrf})).json() == {"subject": "op-0"}


async def test_the_bearer_api_is_unchanged_and_wins_over_a_cookie() -> None:
    tokens = registry(TOKEN)
    async with client(app_with(tokens)) as http:
        http.cookies.set(SESSION_COOKIE, "forged.cookie")
        ok = await http.post("/write", headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.json() == {"subject": "op-0"}  # no CSRF header needed: no cookie is involved
        assert (await http.get("/read", headers={"Authorization": "Bearer nope"})).status_code == 401


async def test_a_forged_or_expired_cookie_or_a_removed_token_is_401() -> None:
    tokens = registry(TOKEN, "kept-token-0123456789")
    value, _ = tokens.sessions.issue(token_fingerprint(TOKEN), NOW)
    async with client(app_with(tokens)) as http:
        http.cookies.set(SESSION_COOKIE, "forged.cookie")
        forged = await http.get("/read")
        assert forged.status_code == 401 and forged.json()["message_zh"]
    expired, _ = SessionSigner(session_key([TOKEN, "kept-token-0123456789"]), lifetime_seconds=1).issue(
        token_fingerprint(TOKEN), 1000.0
    )
    async with client(app_with(tokens)) as http:
        http.cookies.set(SESSION_COOKIE, expired)
        assert (await http.get("/read")).status_code == 401
    # the same key, but the token's entry is gone: its session ends
    without = TokenRegistry([TokenEntry(token="kept-token-0123456789", subject="op-1", role=Role.OPERATOR)])
    without.sessions = tokens.sessions
    async with client(app_with(without)) as http:
        http.cookies.set(SESSION_COOKIE, value)
        assert (await http.get("/read")).status_code == 401


async def test_only_the_web_pages_origins_may_call_with_the_cookie() -> None:
    from shared.service.web_origins import install_web_origins
    from shared.settings import Settings

    tokens = registry(TOKEN)
    value, claims = tokens.sessions.issue(token_fingerprint(TOKEN), NOW)
    app = app_with(tokens)
    install_web_origins(app, Settings(analytics_port=8104))
    page = "http://127.0.0.1:8104"
    async with client(app) as http:
        preflight = await http.options(
            "/write",
            headers={
                "Origin": page,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": f"content-type,{CSRF_HEADER.lower()}",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == page
        assert preflight.headers["access-control-allow-credentials"] == "true"
        foreign = await http.options(
            "/write", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
        )
        assert foreign.status_code == 400 and "access-control-allow-origin" not in foreign.headers
        http.cookies.set(SESSION_COOKIE, value)
        written = await http.post("/write", headers={"Origin": page, CSRF_HEADER: claims.csrf})
        assert written.json() == {"subject": "op-0"}
        assert written.headers["access-control-allow-origin"] == page
        read = await http.get("/read", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in read.headers  # the browser hides the answer
