"""The five services on one fresh database and one FakeClock, configured to sign people in with a
fake OpenID Connect provider served on a real port. The browser is one httpx client that
follows redirects between the provider (real HTTP) and the services (in-process at
``http://service:<its port>``: one host, as on a deployment, so the cookie goes to all),
with one cookie jar."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from shared.clock import FakeClock
from shared.settings import Settings
from tests.support.apps import SERVICE_APPS
from tests.support.auth import test_tokens
from tests.support.fake_oidc import CLIENT_ID, CLIENT_SECRET, Behaviour, FakeProvider
from tests.support.serving import a_free_socket, served
from tests.support.settings import role_urls
from tooling.stack.ports import free_port

EVERY_SERVICE_READ = "/v1/admin/dead-letters"
"""A read every service serves from the database alone (admins)."""
PORTS = {"intake": 8101, "routing": 8102, "sla": 8103, "feedback": 8105, "analytics": 8104}
ANALYTICS = "http://service:8104"
CHROME = "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36"


@dataclass
class SingleSignOn:
    settings: Settings
    clock: FakeClock
    apps: dict[str, FastAPI]
    provider: FakeProvider

    def browser(self, *, html: bool = False) -> httpx.AsyncClient:
        """A fresh browser: every service at http://service:<port>, anything else over the network."""
        mounts = {
            f"http://service:{PORTS[name]}": httpx.ASGITransport(app=app) for name, app in self.apps.items()
        }
        headers = {"User-Agent": CHROME, "Accept": "text/html,*/*;q=0.8" if html else "*/*"}
        return httpx.AsyncClient(mounts=mounts, base_url=ANALYTICS, follow_redirects=True, headers=headers)

    async def read_everywhere(self, browser: httpx.AsyncClient) -> dict[str, int]:
        answers = {}
        for name in self.apps:
            answers[name] = (
                await browser.get(f"http://service:{PORTS[name]}{EVERY_SERVICE_READ}")
            ).status_code
        return answers


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def single_sign_on(new_database) -> AsyncIterator[SingleSignOn]:  # type: ignore[no-untyped-def]
    url = await new_database()
    clock = FakeClock()
    sock = a_free_socket()
    provider = FakeProvider(clock, f"http://127.0.0.1:{sock.getsockname()[1]}")
    settings = Settings(
        database_url=url,
        **role_urls(url),  # type: ignore[arg-type]
        kafka_bootstrap=f"127.0.0.1:{free_port()}",
        oidc_issuer=provider.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,  # type: ignore[arg-type]
        oidc_provider_name="Test IdP",
    )
    apps = {
        name: create(settings, clock=clock, tokens=test_tokens()) for name, create in SERVICE_APPS.items()
    }
    try:
        async with served(provider.app, sock=sock):
            yield SingleSignOn(settings, clock, apps, provider)
    finally:
        for app in apps.values():
            await app.state.runtime.engine.dispose()


@pytest.fixture
def sso(single_sign_on: SingleSignOn) -> SingleSignOn:
    """The provider behaves again, and signs in an admin."""
    single_sign_on.provider.behaviour = Behaviour()
    single_sign_on.provider.person("admin")
    return single_sign_on
