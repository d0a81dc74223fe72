"""A session of the web pages opens every service while it is live; once an admin revokes it, it
is signed out, idle past the idle timeout or past its absolute expiry, its cookie is a 401 on
every service, with a machine-readable body in English and Chinese. Each service keeps the
session in use with its own (least-privileged) database role."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from shared.service.session import DEFAULT_CACHE_SECONDS, SESSION_COOKIE
from tests.integration.sessions.conftest import Services

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

MEMORY = timedelta(seconds=DEFAULT_CACHE_SECONDS)


def assert_refused_everywhere(answers: dict[str, httpx.Response]) -> None:
    assert set(answers) == {"intake", "routing", "sla", "feedback", "analytics"}
    for service, answer in answers.items():
        assert answer.status_code == 401, (service, answer.text)
        body = answer.json()
        assert body["error"] == "unauthorized", service
        assert body["message"] and body["message_zh"], service
        assert answer.headers["www-authenticate"] == "Session"


def assert_open_everywhere(answers: dict[str, httpx.Response]) -> None:
    assert {service: answer.status_code for service, answer in answers.items()} == dict.fromkeys(answers, 200)


async def test_each_service_keeps_a_live_session_in_use_with_its_own_role(services: Services) -> None:
    await services.sign_in()
    for service in services.apps:
        services.clock.advance(timedelta(seconds=61))  # "last used" is due to be moved forward
        async with services.client(service) as client:
            assert (await client.get("/v1/admin/dead-letters")).status_code == 200, service
        listed = (await services.admin("GET", "/v1/admin/sessions", params={"subject": "test-admin"})).json()
        seen = [datetime.fromisoformat(s["last_seen_at"]) for s in listed["sessions"]]
        assert seen == [services.clock.now()], service


async def test_an_admin_revocation_is_401_on_every_service(services: Services) -> None:
    await services.sign_in()
    assert_open_everywhere(await services.read_everywhere())  # every process remembers it as live
    listed = (await services.admin("GET", "/v1/admin/sessions", params={"subject": "test-admin"})).json()
    (session,) = listed["sessions"]
    assert (await services.admin("DELETE", f"/v1/admin/sessions/{session['id']}")).status_code == 204
    async with services.client("analytics") as analytics:  # the process that revoked it: at once
        assert (await analytics.get("/v1/admin/dead-letters")).status_code == 401
    services.clock.advance(MEMORY)  # the others: once their memory of it lapses
    assert_refused_everywhere(await services.read_everywhere())


async def test_after_sign_out_the_same_cookie_is_refused_everywhere(services: Services) -> None:
    csrf = await services.sign_in()
    kept = services.browser[SESSION_COOKIE]
    assert_open_everywhere(await services.read_everywhere())
    async with services.client("analytics") as analytics:
        out = await analytics.delete("/v1/session", headers={"X-CSRF-Token": csrf})
        assert out.status_code == 204 and not analytics.cookies
    services.browser.set(SESSION_COOKIE, kept)  # a copy taken before signing out
    services.clock.advance(MEMORY)
    assert_refused_everywhere(await services.read_everywhere())
    async with services.client("analytics") as analytics:
        assert (await analytics.get("/v1/session")).status_code == 401
        assert (await analytics.get("/", follow_redirects=False)).headers["location"] == "/sign-in"


async def test_an_idle_session_ends_on_every_service(services: Services) -> None:
    await services.sign_in()
    services.clock.advance(timedelta(minutes=29))
    assert_open_everywhere(await services.read_everywhere())  # used: idle from now on
    services.clock.advance(timedelta(minutes=29))
    assert_open_everywhere(await services.read_everywhere())
    services.clock.advance(timedelta(minutes=30))
    assert_refused_everywhere(await services.read_everywhere())


async def test_a_busy_session_still_ends_at_its_absolute_expiry(services: Services) -> None:
    await services.sign_in()
    names = list(services.apps)
    for step in range(8 * 3 - 1):  # a request every 20 minutes, on one service after another
        services.clock.advance(timedelta(minutes=20))
        async with services.client(names[step % len(names)]) as client:
            assert (await client.get("/v1/admin/dead-letters")).status_code == 200, step
    services.clock.advance(timedelta(minutes=20))
    assert_refused_everywhere(await services.read_everywhere())
