"""The five services on one fresh database, each connecting as its own login role and all on
one FakeClock, answering HTTP in-process (not started: no broker; sessions need only the
database). The browser is one cookie jar: a cookie set by analytics goes to every service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest_asyncio
from fastapi import FastAPI

from shared.clock import FakeClock
from shared.settings import Settings
from tests.support.apps import SERVICE_APPS
from tests.support.auth import bearer, test_tokens, token_for
from tests.support.settings import role_urls
from tooling.stack.ports import free_port

EVERY_SERVICE_READ = "/v1/admin/dead-letters"
"""A read every service serves from the database alone (admins)."""


@dataclass
class Services:
    settings: Settings
    clock: FakeClock
    apps: dict[str, FastAPI]
    browser: httpx.Cookies

    def client(self, service: str, *, cookies: httpx.Cookies | None = None) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.apps[service])
        return httpx.AsyncClient(
            transport=transport,
            base_url="http://service",
            cookies=cookies if cookies is not None else self.browser,
        )

    async def sign_in(self, role: str = "admin", *, department: str | None = None) -> str:
        """Signs the browser in on analytics, the subject's other sessions ended; the CSRF token."""
        subject = f"agent-{department}" if department else f"test-{role}"
        ended = await self.admin("DELETE", "/v1/admin/sessions", params={"subject": subject})
        assert ended.status_code == 200, ended.text
        self.browser.clear()
        async with self.client("analytics") as analytics:
            signed = await analytics.post(
                "/v1/session",
                json={"subject": subject, "token": token_for(role, department)},
                headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36"},
            )
            assert signed.status_code == 200, signed.text
            self.browser.update(analytics.cookies)
        csrf: str = signed.json()["csrf_token"]
        return csrf

    async def read_everywhere(self) -> dict[str, httpx.Response]:
        """The same read with the browser's cookie on every service."""
        answers = {}
        for service in self.apps:
            async with self.client(service) as client:
                answers[service] = await client.get(EVERY_SERVICE_READ)
        return answers

    async def admin(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        """A machine admin on analytics (bearer token, no cookie)."""
        async with self.client("analytics", cookies=httpx.Cookies()) as machine:
            return await machine.request(method, path, headers=bearer("admin"), **kwargs)  # type: ignore[arg-type]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def services(new_database) -> AsyncIterator[Services]:  # type: ignore[no-untyped-def]
    url = await new_database()
    settings = Settings(
        database_url=url,
        **role_urls(url),  # type: ignore[arg-type]
        kafka_bootstrap=f"127.0.0.1:{free_port()}",
    )
    clock = FakeClock()
    apps = {
        name: create(settings, clock=clock, tokens=test_tokens()) for name, create in SERVICE_APPS.items()
    }
    try:
        yield Services(settings, clock, apps, httpx.Cookies())
    finally:
        for app in apps.values():
            await app.state.runtime.engine.dispose()
