"""The session cookie is signed, expires, carries a random session id (kept only as a digest) and
no token, and a request that changes state with it needs the session's CSRF token; every service
checks it the same way, and only while its session is live."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI

from shared.clock import FakeClock
from shared.events import Role
from shared.service.app import install_error_handlers
from shared.service.auth import Principal, TokenEntry, TokenRegistry, require
from shared.service.session import (
    BACKGROUND_HEADER,
    CSRF_HEADER,
    DEFAULT_LIFETIME_SECONDS,
    SESSION_COOKIE,
    SessionPolicy,
    Sessions,
    SessionSigner,
    csrf_ok,
    secret_digest,
    session_key,
    token_fingerprint,
)
from tests.support.sessions import MemorySessionStore, started

pytestmark = pytest.mark.unit

NOW = 1_800_000_000.0
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
Operator = Annotated[Principal, require(Role.OPERATOR)]
TOKEN = "operator-secret-0123456789"


TID = token_fingerprint(TOKEN)
OTHER = "another-token-0123456789"


def test_a_cookie_opens_with_its_key_until_it_expires() -> None:
    signer = SessionSigner.for_tokens([TOKEN])
    value, claims = signer.issue(TID, NOW, 3600)
    assert signer.open(value, NOW + 3599) == claims and claims.token_id == TID
    assert signer.open(value, NOW + 3600) is None  # expired
    assert TOKEN not in value


def test_a_tampered_or_foreign_cookie_is_refused() -> None:
    signer = SessionSigner.for_tokens([TOKEN, OTHER])
    value, _ = signer.issue(TID, NOW, 3600)
    payload, _, signature = value.partition(".")
    assert signer.open(payload[:-2] + "xx." + signature, NOW) is None
    assert signer.open(value + "x", NOW) is None
    assert signer.open("garbage", NOW) is None
    assert signer.open("", NOW) is None
    assert SessionSigner.for_tokens([OTHER]).open(value, NOW) is None  # its token is not in this file
    # naming another entry of the file does not make its key sign the cookie
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["tid"] = token_fingerprint(OTHER)
    moved = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    assert signer.open(f"{moved}.{signature}", NOW) is None


def test_each_token_entry_signs_with_its_own_key() -> None:
    both = SessionSigner.for_tokens([TOKEN, OTHER])
    value, claims = both.issue(TID, NOW, 3600)
    assert session_key(TOKEN) != session_key(OTHER)
    assert SessionSigner.for_tokens([TOKEN]).open(value, NOW) == claims  # another entry left: still valid


def test_a_cookie_of_the_stateless_format_opens_nothing() -> None:
    payload = json.dumps({"tid": TID, "exp": int(NOW) + 60, "csrf": "c" * 32}).encode()
    mac = hmac.new(session_key(TOKEN), payload, hashlib.sha256).digest()
    old = f"{base64.urlsafe_b64encode(payload).decode().rstrip('=')}.{base64.urlsafe_b64encode(mac).decode()}"
    assert SessionSigner.for_tokens([TOKEN]).open(old, NOW) is None  # it names no session


def test_each_session_has_its_own_id_and_csrf_token() -> None:
    signer = SessionSigner.for_tokens([TOKEN])
    _, first = signer.issue(TID, NOW, 3600)
    _, second = signer.issue(TID, NOW, 3600)
    assert first.csrf != second.csrf and len(first.csrf) >= 32
    assert first.session_id != second.session_id and len(first.session_id) >= 43  # 256 bits
    assert secret_digest(first.session_id) != secret_digest(second.session_id)
    assert first.session_id.encode() not in secret_digest(first.session_id)


def test_only_safe_methods_go_without_the_csrf_header() -> None:
    _, claims = SessionSigner.for_tokens([TOKEN]).issue(TID, NOW, 3600)
    assert csrf_ok("GET", None, claims) and csrf_ok("HEAD", None, claims)
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert not csrf_ok(method, None, claims)
        assert not csrf_ok(method, claims.csrf + "x", claims)
        assert csrf_ok(method, claims.csrf, claims)


def registry(*tokens: str) -> TokenRegistry:
    return TokenRegistry(
        [TokenEntry(token=t, subject=f"op-{i}", role=Role.OPERATOR) for i, t in enumerate(tokens)]
    )


def sessions_on(clock: FakeClock | None = None) -> Sessions:
    return Sessions(MemorySessionStore(), clock or FakeClock(START))


def app_with(tokens: TokenRegistry, sessions: Sessions | None = None) -> FastAPI:
    app = FastAPI()
    app.state.tokens = tokens
    if sessions is not None:
        app.state.sessions = sessions
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
    tokens, sessions = registry(TOKEN), sessions_on()
    value, claims = await started(sessions, tokens, TOKEN)
    async with client(app_with(tokens, sessions)) as http:
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
    tokens, clock = registry(TOKEN, "kept-token-0123456789"), FakeClock(START)
    sessions = sessions_on(clock)
    value, _ = await started(sessions, tokens, TOKEN)
    async with client(app_with(tokens, sessions)) as http:
        http.cookies.set(SESSION_COOKIE, "forged.cookie")
        forged = await http.get("/read")
        assert forged.status_code == 401 and forged.json()["message_zh"]
        assert forged.json()["error"] == "unauthorized"
    kept, _ = await started(sessions, tokens, "kept-token-0123456789")
    # the token's entry is gone from the file: its session ends, the other entry's does not
    without = TokenRegistry([TokenEntry(token="kept-token-0123456789", subject="op-1", role=Role.OPERATOR)])
    async with client(app_with(without, sessions)) as http:
        http.cookies.set(SESSION_COOKIE, value)
        assert (await http.get("/read")).status_code == 401
        http.cookies.set(SESSION_COOKIE, kept)
        assert (await http.get("/read")).json() == {"subject": "op-1"}
    # even were its cookie's key still known, the entry's absence ends the session
    without._tokens = replace(without._tokens, signer=tokens.signer)
    async with client(app_with(without, sessions)) as http:
        http.cookies.set(SESSION_COOKIE, value)
        assert (await http.get("/read")).status_code == 401
    async with client(app_with(tokens, sessions)) as http:
        http.cookies.set(SESSION_COOKIE, value)
        assert (await http.get("/read")).status_code == 200
        clock.advance(timedelta(seconds=DEFAULT_LIFETIME_SECONDS))
        assert (await http.get("/read")).status_code == 401  # expired


async def test_a_request_marked_background_is_checked_but_is_not_use() -> None:
    tokens, clock = registry(TOKEN), FakeClock(START)
    sessions = Sessions(MemorySessionStore(), clock, SessionPolicy(idle_seconds=600, cache_seconds=0))
    value, _ = await started(sessions, tokens, TOKEN)
    async with client(app_with(tokens, sessions)) as http:
        http.cookies.set(SESSION_COOKIE, value)
        clock.advance(timedelta(minutes=9))
        assert (await http.get("/read", headers={BACKGROUND_HEADER: "1"})).status_code == 200
        clock.advance(timedelta(minutes=2))
        assert (await http.get("/read", headers={BACKGROUND_HEADER: "1"})).status_code == 401
    value, _ = await started(sessions, tokens, TOKEN)
    async with client(app_with(tokens, sessions)) as http:
        http.cookies.set(SESSION_COOKIE, value)
        clock.advance(timedelta(minutes=9))
        assert (await http.get("/read")).status_code == 200  # a person's request: used
        clock.advance(timedelta(minutes=2))
        assert (await http.get("/read")).status_code == 200


async def test_without_a_session_store_a_cookie_opens_nothing() -> None:
    tokens = registry(TOKEN)
    value, _ = await started(sessions_on(), tokens, TOKEN)
    async with client(app_with(tokens)) as http:
        http.cookies.set(SESSION_COOKIE, value)
        assert (await http.get("/read")).status_code == 401


async def test_only_the_web_pages_origins_may_call_with_the_cookie() -> None:
    from shared.service.web_origins import install_web_origins
    from shared.settings import Settings

    tokens, sessions = registry(TOKEN), sessions_on()
    value, claims = await started(sessions, tokens, TOKEN)
    app = app_with(tokens, sessions)
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
