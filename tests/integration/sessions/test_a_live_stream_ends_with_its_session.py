"""An event stream opened with the session cookie ends soon after its session does — signed out,
ended by an admin, or idle (the stream's own checks never count as use) — with a last
`session_ended` event the page answers by going to sign in; a bearer stream goes on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
import pytest_asyncio

from services.analytics.config import AnalyticsConfig
from services.analytics.main import create_app as create_analytics
from shared.service.session import DEFAULT_CACHE_SECONDS, DEFAULT_IDLE_SECONDS
from tests.integration.sessions.conftest import Services
from tests.support.auth import bearer
from tests.support.auth import test_tokens as tokens_for_tests

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

CHECK_SECONDS = 0.1
ENDS_WITHIN_SECONDS = 10.0


@pytest_asyncio.fixture(loop_scope="session")
async def streaming(services: Services) -> AsyncIterator[str]:
    """An analytics process whose streams look at their session every CHECK_SECONDS; its name."""
    app = create_analytics(
        services.settings,
        clock=services.clock,
        tokens=tokens_for_tests(),
        config=AnalyticsConfig(live_session_check_seconds=CHECK_SECONDS, live_keepalive_seconds=0.05),
    )
    services.apps["streaming"] = app
    try:
        yield "streaming"
    finally:
        del services.apps["streaming"]
        await app.state.runtime.engine.dispose()


def open_stream(client: httpx.AsyncClient, **kwargs: object) -> asyncio.Task[httpx.Response]:
    return asyncio.create_task(client.get("/v1/live", **kwargs))  # type: ignore[arg-type]


async def still_open(stream: asyncio.Task[httpx.Response]) -> bool:
    """Open after many of its session checks."""
    await asyncio.sleep(CHECK_SECONDS * 8)
    return not stream.done()


async def ended(stream: asyncio.Task[httpx.Response]) -> str:
    answer = await asyncio.wait_for(stream, ENDS_WITHIN_SECONDS)
    assert answer.status_code == 200, answer.text
    assert answer.text.startswith("event: hello")
    last = answer.text.strip().split("\n\n")[-1]
    assert last.startswith("event: session_ended"), answer.text[-500:]
    assert "请重新登录" in last and "sign in again" in last
    return answer.text


async def test_signing_out_ends_the_stream(services: Services, streaming: str) -> None:
    csrf = await services.sign_in("operator")
    async with services.client(streaming) as client:
        stream = open_stream(client)
        assert await still_open(stream)
        assert (await client.delete("/v1/session", headers={"X-CSRF-Token": csrf})).status_code == 204
        text = await ended(stream)
    assert ": keep-alive" in text  # it was kept alive while the session was live


async def test_an_admin_ending_the_session_ends_the_stream(services: Services, streaming: str) -> None:
    await services.sign_in("supervisor")
    async with services.client(streaming) as client:
        stream = open_stream(client)
        assert await still_open(stream)
        ended_now = await services.admin(
            "DELETE", "/v1/admin/sessions", params={"subject": "test-supervisor"}
        )
        assert ended_now.status_code == 200 and ended_now.json() == {"revoked": 1}, ended_now.text
        # ended by another process: this one trusts its last look for the check cache's seconds
        services.clock.advance(timedelta(seconds=DEFAULT_CACHE_SECONDS))
        await ended(stream)


async def test_an_open_stream_alone_lets_the_session_go_idle(services: Services, streaming: str) -> None:
    await services.sign_in("operator")
    async with services.client(streaming) as client:
        stream = open_stream(client)
        assert await still_open(stream)  # opened (and used) now
        # almost idle, with the stream asking all along: its questions are not use
        services.clock.advance(timedelta(seconds=DEFAULT_IDLE_SECONDS - 60))
        assert await still_open(stream)
        services.clock.advance(timedelta(seconds=60))
        await ended(stream)
        refused = await client.get("/v1/live")
        assert refused.status_code == 401 and refused.json()["message_zh"]


async def test_a_bearer_stream_is_not_cut(services: Services, streaming: str) -> None:
    async with services.client(streaming, cookies=httpx.Cookies()) as machine:
        stream = open_stream(machine, headers=bearer("operator"))
        assert await still_open(stream)
        services.clock.advance(timedelta(seconds=DEFAULT_IDLE_SECONDS * 2))
        assert await still_open(stream)
        stream.cancel()
        with pytest.raises(asyncio.CancelledError):
            await stream
