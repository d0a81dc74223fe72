"""A token removed from the tokens file (here: a service started with the new file) ends the
sessions signed in with it, on every service; everyone else's sessions go on."""

from __future__ import annotations

import pytest

from services.routing.main import create_app as routing_app
from shared.events import Role
from shared.service.auth import TokenEntry, TokenRegistry
from shared.service.session import SESSION_COOKIE
from tests.integration.sessions.conftest import EVERY_SERVICE_READ, Services
from tests.support.auth import token_for

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_a_removed_token_ends_its_sessions_and_only_those(services: Services) -> None:
    await services.sign_in("operator")
    operator = services.browser[SESSION_COOKIE]
    await services.sign_in("admin")
    admin = services.browser[SESSION_COOKIE]
    # the file again, the operator's entry gone
    kept = TokenRegistry(
        [
            TokenEntry(token=token_for("admin"), subject="test-admin", role=Role.ADMIN),
            TokenEntry(token=token_for("supervisor"), subject="test-supervisor", role=Role.SUPERVISOR),
        ]
    )
    restarted = routing_app(services.settings, clock=services.clock, tokens=kept)
    services.apps["restarted"] = restarted
    try:
        for cookie, expected in ((operator, 401), (admin, 200)):
            async with services.client("restarted") as routing:
                routing.cookies.clear()
                routing.cookies.set(SESSION_COOKIE, cookie)
                answer = await routing.get(EVERY_SERVICE_READ)
                assert answer.status_code == expected, answer.text
                if expected == 401:
                    assert answer.json()["message_zh"]
    finally:
        del services.apps["restarted"]
        await restarted.state.runtime.engine.dispose()
