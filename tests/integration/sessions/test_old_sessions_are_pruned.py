"""The analytics service deletes, on a timer and by its own clock, the sessions that expired more
than 30 days ago (signed out, revoked, idle or simply over); younger ended ones stay listed for
the admins, whether anyone signs in or not."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from shared.service.session import DEFAULT_LIFETIME_SECONDS, KEPT_AFTER_EXPIRY
from shared.service.session_pruning import session_pruning
from tests.integration.sessions.conftest import Services

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

LIFETIME = timedelta(seconds=DEFAULT_LIFETIME_SECONDS)


async def listed(services: Services, subject: str) -> list[dict[str, object]]:
    answer = await services.admin("GET", "/v1/admin/sessions", params={"subject": subject, "ended": "true"})
    assert answer.status_code == 200, answer.text
    sessions: list[dict[str, object]] = answer.json()["sessions"]
    return sessions


async def test_analytics_prunes_on_a_timer(services: Services) -> None:
    analytics = services.apps["analytics"]
    assert "session_pruning" in [task.__name__ for task in analytics.state.runtime._background]
    csrf = await services.sign_in("auditor")
    async with services.client("analytics") as browser:
        assert (await browser.delete("/v1/session", headers={"X-CSRF-Token": csrf})).status_code == 204
    services.browser.clear()
    services.clock.advance(timedelta(days=10))
    await services.sign_in("agent", department="finance")  # left to go idle, then over
    services.browser.clear()
    (old,) = await listed(services, "test-auditor")
    (young,) = await listed(services, "agent-finance")

    # the auditor's session expired 30 days and a minute ago, the agent's 20 days ago
    services.clock.advance(LIFETIME + KEPT_AFTER_EXPIRY - timedelta(days=10) + timedelta(minutes=1))
    pruning = asyncio.create_task(session_pruning(analytics.state.sessions, every=0.05)())
    try:
        for _ in range(100):
            if not await listed(services, "test-auditor"):
                break
            await asyncio.sleep(0.05)
        assert await listed(services, "test-auditor") == []
        (kept,) = await listed(services, "agent-finance")
        assert kept["id"] == young["id"] and kept["state"] == "expired"
        assert old["state"] == "signed_out"
    finally:
        pruning.cancel()
        with pytest.raises(asyncio.CancelledError):
            await pruning
