"""Signing in with an OpenID Connect provider in real headless Chromium: the sign-in page shows
"使用 Test IdP 登录", a click goes to the (fake) provider, which approves at once, and the browser
lands on the dashboard signed in, the header naming the person and the role the ID token gave.
The provider is another site (127.0.0.1, the pages are on localhost), as in production, so the
SameSite=Strict session cookie must reach the dashboard after a cross-site navigation; signing
out goes on to the provider's end-session endpoint."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from pydantic import SecretStr

from shared.clock import SystemClock
from tests.e2e.workbench import CHROMIUM, headless_chromium
from tests.integration.analytics.conftest import DatabaseFactory, analytics_settings
from tests.support.apps import SERVICE_APPS
from tests.support.auth import test_tokens as tokens_for_tests
from tests.support.backends import Backend
from tests.support.fake_oidc import CLIENT_ID, CLIENT_SECRET, FakeProvider
from tests.support.serving import a_free_socket, served

playwright_api = pytest.importorskip("playwright.async_api")

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def pages(
    new_database: DatabaseFactory, kafka_backend: Backend
) -> AsyncIterator[tuple[str, FakeProvider]]:
    """The analytics service (the pages) on a real port, configured with the fake provider."""
    provider_socket, analytics_socket = a_free_socket(), a_free_socket()
    provider = FakeProvider(SystemClock(), f"http://127.0.0.1:{provider_socket.getsockname()[1]}")
    provider.person("supervisor", name="李娜")
    settings = analytics_settings(await new_database(), kafka_backend).model_copy(
        update={
            "analytics_port": analytics_socket.getsockname()[1],
            "oidc_issuer": provider.issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": SecretStr(CLIENT_SECRET),  # model_copy does not validate
            "oidc_provider_name": "Test IdP",
        }
    )
    analytics = SERVICE_APPS["analytics"](settings, tokens=tokens_for_tests())
    async with (
        served(provider.app, sock=provider_socket),
        served(analytics, sock=analytics_socket, ready_timeout=60),
    ):
        yield f"http://localhost:{analytics_socket.getsockname()[1]}", provider


@pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="needs the Debian chromium package: `make test` installs it",
)
async def test_the_button_signs_in_at_the_provider_and_lands_on_the_dashboard(
    pages: tuple[str, FakeProvider],
) -> None:
    url, provider = pages
    expect = playwright_api.expect
    async with headless_chromium() as browser:
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await page.goto(url + "/")
        await expect(page).to_have_url(url + "/sign-in")
        button = page.get_by_role("link", name="使用 Test IdP 登录")
        await expect(button).to_be_visible()
        await page.click("#lang")
        await expect(page.get_by_role("link", name="Sign in with Test IdP")).to_be_visible()
        await page.get_by_role("link", name="Sign in with Test IdP").click()
        await expect(page).to_have_url(url + "/", timeout=10_000)
        await expect(page.locator("#who-name")).to_have_text("李娜")
        await expect(page.locator("#who-role")).to_have_text("Supervisor")
        cookies = {cookie["name"]: cookie for cookie in await page.context.cookies(url)}
        assert cookies["tousu_session"]["httpOnly"] and cookies["tousu_session"]["sameSite"] == "Strict"
        await page.click("#sign-out")
        await expect(page).to_have_url(
            f"{provider.issuer}/logout?client_id={CLIENT_ID}&post_logout_redirect_uri="
            f"http%3A%2F%2Flocalhost%3A{url.rsplit(':', 1)[1]}%2Fsign-in"
        )
        await page.goto(url + "/")
        await expect(page).to_have_url(url + "/sign-in")  # signed out at tousu too
        assert errors == []
