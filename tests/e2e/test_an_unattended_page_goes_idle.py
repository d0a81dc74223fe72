"""A dashboard left open goes idle after TOUSU_SESSION_IDLE_SECONDS even while live updates keep
refreshing it: what the page fetches by itself carries X-Tousu-Background and is not use (what a
person does, a search, is). The
live stream ends with the session, and the page lands on the sign-in page once, saying in its
language that the session ended."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest
import pytest_asyncio

from tests.e2e.workbench import CHROMIUM, Stack, headless_chromium, submit_through_intake, workbench
from tests.integration.analytics.conftest import DatabaseFactory
from tests.support.auth import bearer, token_for
from tests.support.backends import Backend

playwright_api = pytest.importorskip("playwright.async_api")

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

IDLE_SECONDS = 24  # a little over the shortest the settings allow (20 s)
TOUCH_SECONDS = IDLE_SECONDS / 4
"""How stale "last used" may be (shared/service/session.py): a use moves it after this long."""
BACKGROUND = "x-tousu-background"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def stack(new_database: DatabaseFactory, kafka_backend: Backend) -> AsyncIterator[Stack]:
    async with workbench(new_database, kafka_backend, session_idle_seconds=IDLE_SECONDS) as served_stack:
        yield served_stack


async def the_operators_session(stack: Stack) -> dict[str, object]:
    async with httpx.AsyncClient(base_url=stack.url) as admin:
        listed = await admin.get(
            "/v1/admin/sessions",
            params={"subject": "test-operator", "ended": "true"},
            headers=bearer("admin"),
        )
    (session,) = listed.json()["sessions"]
    assert isinstance(session, dict)
    return session


@pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="needs the Debian chromium package: `make test` installs it",
)
async def test_live_refreshes_alone_do_not_keep_a_page_signed_in(stack: Stack) -> None:
    async with headless_chromium() as browser:
        page = await browser.new_page(viewport={"width": 1440, "height": 900})
        expect = playwright_api.expect
        await page.goto(stack.url + "/sign-in")
        await expect(page.locator("#session-ended")).to_be_hidden()
        await page.fill("#subject", "test-operator")
        await page.fill("#token", token_for("operator"))
        await page.click("#sign-in-form button[type=submit]")
        await expect(page.locator('#live-status[data-state="on"]')).to_be_attached(timeout=20_000)
        await expect(page.locator("body[data-loaded]")).to_be_attached()
        signed_in = time.monotonic()
        # what a person does is use: a search sent with the Enter key carries no such header
        await page.fill("#q", "漏水")
        async with page.expect_request(lambda r: "/v1/complaints?" in r.url) as searched:
            await page.press("#q", "Enter")
        assert BACKGROUND not in (await searched.value).headers
        await asyncio.sleep(4)  # past the moment the person's own input counts for

        automatic: list[dict[str, str]] = []
        # the dashboard's own requests: once sent to sign in, what the sign-in page asks when it
        # opens (whether single sign-on is offered) is the opening of a page, not a refresh
        page.on(
            "request",
            lambda r: (
                automatic.append(r.headers)
                if "/v1/" in r.url and "/sign-in" not in r.headers.get("referer", "")
                else None
            ),
        )
        loads = {await page.evaluate("document.body.dataset.loaded")}
        # new complaints keep the page refreshing by itself until its session goes idle
        while not page.url.startswith(stack.url + "/sign-in"):
            if time.monotonic() - signed_in > IDLE_SECONDS * 2:
                pytest.fail("the unattended page was never sent to sign in")
            await submit_through_intake(stack, "app", "无人值守时的新投诉")
            await asyncio.sleep(5)
            # the page may be on its way to sign in meanwhile: no body to read then
            loaded = await page.evaluate("document.body ? document.body.dataset.loaded : null")
            if loaded is not None and not page.url.startswith(stack.url + "/sign-in"):
                loads.add(loaded)
        went_idle_after = time.monotonic() - signed_in

        await expect(page).to_have_url(stack.url + "/sign-in?ended=1")
        await expect(page.locator("#session-ended")).to_have_text(
            "登录已结束（长时间未操作，或已在别处退出），请重新登录。"
        )
        await page.click("#lang")
        await expect(page.locator("#session-ended")).to_contain_text("Your session has ended")
        assert len(loads) >= 3, loads  # refreshed by the live updates more than once
        assert automatic and all(headers.get(BACKGROUND) == "1" for headers in automatic), [
            h for h in automatic if h.get(BACKGROUND) != "1"
        ]
        assert IDLE_SECONDS - 1 < went_idle_after < IDLE_SECONDS + 20, went_idle_after
        session = await the_operators_session(stack)
        assert session["state"] == "idle", session
        last_used = datetime.fromisoformat(str(session["last_seen_at"]))
        began = datetime.fromisoformat(str(session["created_at"]))
        assert (last_used - began).total_seconds() < TOUCH_SECONDS, session
