"""The services read the tokens file again when it changes, without a restart: a token removed
from it stops working at once on every service, as a bearer token and as the sessions signed in
with it; a new file that cannot be read keeps the tokens in force and is logged with its line."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from services.analytics.main import create_app as analytics_app
from services.routing.main import create_app as routing_app
from shared.service.auth import TokenRegistry
from shared.service.session import SESSION_COOKIE
from tests.integration.sessions.conftest import EVERY_SERVICE_READ, Services
from tests.support.auth import bearer, token_for

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

ADMIN = f"  - {{token: {token_for('admin')}, subject: test-admin, role: admin}}\n"
OPERATOR = f"  - {{token: {token_for('operator')}, subject: test-operator, role: operator}}\n"


def save(path: Path, text: str) -> None:
    """The file as an administrator saves it (a few bytes: no reader sees half of it)."""
    path.write_text(text, encoding="utf-8")


@pytest_asyncio.fixture(loop_scope="session")
async def from_file(services: Services, tmp_path: Path) -> AsyncIterator[Path]:
    """Analytics and routing processes reading one tokens file (each its own reading of it)."""
    path = tmp_path / "tokens.yaml"
    save(path, "tokens:\n" + ADMIN + OPERATOR)
    made = {"file-analytics": analytics_app, "file-routing": routing_app}
    for name, create in made.items():
        tokens = TokenRegistry.from_file(path, check_seconds=0)
        services.apps[name] = create(services.settings, clock=services.clock, tokens=tokens)
    try:
        yield path
    finally:
        for name in made:
            await services.apps.pop(name).state.runtime.engine.dispose()


async def answers(services: Services, cookie: str) -> dict[str, tuple[int, int, int]]:
    """Per service: the operator's cookie, the operator's bearer token, the admin's bearer token.
    The read is admins' only: 403 says the caller is known, 401 that they are not."""
    found = {}
    for service in ("file-analytics", "file-routing"):
        async with services.client(service, cookies=httpx.Cookies({SESSION_COOKIE: cookie})) as browser:
            by_cookie = (await browser.get(EVERY_SERVICE_READ)).status_code
        async with services.client(service, cookies=httpx.Cookies()) as machine:
            by_bearer = (await machine.get(EVERY_SERVICE_READ, headers=bearer("operator"))).status_code
            admin = (await machine.get(EVERY_SERVICE_READ, headers=bearer("admin"))).status_code
        found[service] = (by_cookie, by_bearer, admin)
    return found


async def test_a_token_removed_from_the_file_stops_working_at_once(
    services: Services, from_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with services.client("file-analytics", cookies=httpx.Cookies()) as analytics:
        signed = await analytics.post(
            "/v1/session", json={"subject": "test-operator", "token": token_for("operator")}
        )
        assert signed.status_code == 200, signed.text
        cookie = analytics.cookies[SESSION_COOKIE]
    known = (403, 403, 200)
    assert await answers(services, cookie) == {"file-analytics": known, "file-routing": known}

    save(from_file, "tokens:\n" + ADMIN)  # the operator's entry removed
    gone = (401, 401, 200)
    assert await answers(services, cookie) == {"file-analytics": gone, "file-routing": gone}

    with caplog.at_level(logging.ERROR, logger="shared.service.auth"):
        save(from_file, "tokens:\n" + ADMIN + OPERATOR + "  - {token: no-closing-brace, subject: x\n  - :\n")
        assert await answers(services, cookie) == {"file-analytics": gone, "file-routing": gone}
    errors = [
        record.getMessage() + str(getattr(record, "error", ""))
        for record in caplog.records
        if record.levelno >= logging.ERROR
    ]
    assert len(errors) == 2 and all("line 5" in error for error in errors), errors  # once per process
    assert not any(token_for("operator") in error for error in errors)

    save(from_file, "tokens:\n" + ADMIN + "  - {token: short, subject: test-operator, role: operator}\n")
    assert await answers(services, cookie) == {"file-analytics": gone, "file-routing": gone}
