"""A browser signing in again (as the same person or another) ends the session it held: one
browser, one live session, and no earlier cookie left working behind the new one."""

from __future__ import annotations

import pytest

from shared.service.session import SESSION_COOKIE
from tests.integration.sessions.conftest import Services
from tests.support.auth import token_for

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_signing_in_again_ends_the_browsers_previous_session(services: Services) -> None:
    await services.sign_in("operator")
    earlier = services.browser[SESSION_COOKIE]
    async with services.client("analytics") as analytics:
        again = await analytics.post(
            "/v1/session", json={"subject": "test-supervisor", "token": token_for("supervisor")}
        )
        assert again.status_code == 200
        assert (await analytics.get("/v1/session")).json()["subject"] == "test-supervisor"
        analytics.cookies.set(SESSION_COOKIE, earlier)
        assert (await analytics.get("/v1/session")).status_code == 401
    listed = await services.admin(
        "GET", "/v1/admin/sessions", params={"subject": "test-operator", "ended": "true"}
    )
    (ended,) = [s for s in listed.json()["sessions"] if s["state"] == "signed_out"]
    assert ended["revoked_by"] == "test-operator"
