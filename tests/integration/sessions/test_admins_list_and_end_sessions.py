"""Admins see the web pages' sessions (a person's, or everyone's live ones) with when and from
what browser they were used, and end one or all of a person's at once; nobody else may. The
list never shows what opens a session (the cookie's id)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from shared.service.session import DEFAULT_CACHE_SECONDS, SESSION_COOKIE
from tests.integration.sessions.conftest import EVERY_SERVICE_READ, Services
from tests.support.auth import bearer, token_for

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def sessions_of(services: Services, subject: str, **params: str) -> list[dict[str, object]]:
    listed = await services.admin("GET", "/v1/admin/sessions", params={"subject": subject, **params})
    assert listed.status_code == 200, listed.text
    sessions: list[dict[str, object]] = listed.json()["sessions"]
    return sessions


async def test_the_list_shows_who_when_and_which_browser_never_the_secret(services: Services) -> None:
    signed_in_at = services.clock.now()
    await services.sign_in("operator")
    cookie = services.browser[SESSION_COOKIE]
    (session,) = await sessions_of(services, "test-operator")
    assert session["subject"] == "test-operator" and session["user_agent"] == "Chrome 131 on Linux"
    assert session["state"] == "live" and session["state_label"] == {"zh-CN": "有效", "en": "Active"}
    assert datetime.fromisoformat(str(session["created_at"])) == signed_in_at
    assert datetime.fromisoformat(str(session["expires_at"])) == signed_in_at + timedelta(hours=8)
    assert datetime.fromisoformat(str(session["idle_until"])) == signed_in_at + timedelta(minutes=30)
    assert session["revoked_at"] is None
    everyone = (await services.admin("GET", "/v1/admin/sessions")).json()["sessions"]
    assert session in everyone
    payload = cookie.partition(".")[0]
    assert payload not in str(everyone) and str(session["id"]) not in cookie


async def test_signed_out_and_revoked_sessions_are_listed_only_when_asked(services: Services) -> None:
    await services.sign_in("operator")
    csrf = await services.sign_in("operator")  # which revokes the first
    async with services.client("analytics") as analytics:
        assert (await analytics.delete("/v1/session", headers={"X-CSRF-Token": csrf})).status_code == 204
    assert await sessions_of(services, "test-operator") == []
    ended = await sessions_of(services, "test-operator", ended="true")
    states = {str(s["state"]) for s in ended}
    assert {"signed_out", "revoked"} <= states
    signed_out = next(s for s in ended if s["state"] == "signed_out")
    assert signed_out["revoked_by"] == "test-operator" and signed_out["revoked_at"]
    assert signed_out["state_label"] == {"zh-CN": "已退出登录", "en": "Signed out"}


async def test_an_admin_ends_every_session_of_a_person(services: Services) -> None:
    await services.sign_in("supervisor")
    first = services.browser[SESSION_COOKIE]
    await services.sign_in("auditor")  # someone else, who keeps theirs
    auditor = services.browser[SESSION_COOKIE]
    async with services.client("analytics") as analytics:
        analytics.cookies.clear()
        again = await analytics.post(
            "/v1/session", json={"subject": "test-supervisor", "token": token_for("supervisor")}
        )
        second = again.cookies[SESSION_COOKIE]
    assert len(await sessions_of(services, "test-supervisor")) == 2
    ended = await services.admin("DELETE", "/v1/admin/sessions", params={"subject": "test-supervisor"})
    assert ended.status_code == 200 and ended.json() == {"revoked": 2}
    assert await sessions_of(services, "test-supervisor") == []
    services.clock.advance(timedelta(seconds=DEFAULT_CACHE_SECONDS))
    for cookie, expected in ((first, 401), (second, 401), (auditor, 403)):
        async with services.client("routing") as routing:
            routing.cookies.clear()
            routing.cookies.set(SESSION_COOKIE, cookie)
            # an admins' read: a live session is known and refused (403), an ended one unknown (401)
            assert (await routing.get(EVERY_SERVICE_READ)).status_code == expected
    async with services.client("analytics") as analytics:
        for cookie, expected in ((first, 401), (second, 401), (auditor, 200)):
            analytics.cookies.clear()
            analytics.cookies.set(SESSION_COOKIE, cookie)
            assert (await analytics.get("/v1/session")).status_code == expected
    assert (await services.admin("DELETE", "/v1/admin/sessions", params={"subject": "nobody"})).json() == {
        "revoked": 0
    }


async def test_only_admins_may_list_or_end_sessions(services: Services) -> None:
    csrf = await services.sign_in("operator")
    (session,) = await sessions_of(services, "test-operator")
    async with services.client("analytics") as analytics:
        for method, path in (
            ("GET", "/v1/admin/sessions"),
            ("DELETE", f"/v1/admin/sessions/{session['id']}"),
            ("DELETE", "/v1/admin/sessions?subject=test-operator"),
        ):
            refused = await analytics.request(method, path, headers={"X-CSRF-Token": csrf})
            assert refused.status_code == 403, refused.text
            assert refused.json()["error"] == "forbidden" and refused.json()["message_zh"]
            machine = await analytics.request(method, path, headers=bearer("supervisor"))
            assert machine.status_code == 403
    assert len(await sessions_of(services, "test-operator")) == 1


async def test_an_admin_in_the_browser_needs_the_csrf_token_to_end_a_session(services: Services) -> None:
    await services.sign_in("operator")
    (session,) = await sessions_of(services, "test-operator")
    csrf = await services.sign_in("admin")
    async with services.client("analytics") as analytics:
        path = f"/v1/admin/sessions/{session['id']}"
        assert (await analytics.delete(path)).status_code == 403
        assert (await analytics.delete(path, headers={"X-CSRF-Token": csrf})).status_code == 204


async def test_ending_an_unknown_or_ended_session_is_404_in_both_languages(services: Services) -> None:
    for session_id in (uuid.uuid4(), "not-a-uuid"):
        answer = await services.admin("DELETE", f"/v1/admin/sessions/{session_id}")
        body = answer.json()
        if session_id == "not-a-uuid":
            assert answer.status_code == 422 and body["error"] == "invalid_request"
        else:
            assert answer.status_code == 404 and body["error"] == "not_found" and body["message_zh"]
    await services.sign_in("operator")
    (session,) = await sessions_of(services, "test-operator")
    assert (await services.admin("DELETE", f"/v1/admin/sessions/{session['id']}")).status_code == 204
    assert (await services.admin("DELETE", f"/v1/admin/sessions/{session['id']}")).status_code == 404
