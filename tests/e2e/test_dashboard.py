"""The operators' dashboard in real headless Chromium (Playwright driving /usr/bin/chromium).

The analytics app serves HTTP on a real port (uvicorn in this process) against a real database
and broker. The page loads, shows a complaint already projected, shows a complaint appended to
the event store while it is open without a reload (within 2 s: relay → Kafka → consumer →
NOTIFY → SSE → refresh), filters by department, shows a timeline, switches to English, and a
screenshot is saved under test-artifacts/.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
import uvicorn

from services.analytics.main import create_app
from shared.clock import SystemClock
from shared.complaints import Channel, ComplaintState
from shared.eventstore import PostgresEventStore
from shared.messaging.topics import ensure_topics
from tests.builders import apply, assign, receive
from tests.integration.analytics.conftest import DatabaseFactory, History, analytics_settings, append_history
from tests.support.auth import test_tokens as tokens_for_tests
from tests.support.auth import token_for
from tests.support.backends import Backend
from tests.support.running import eventually

playwright_api = pytest.importorskip("playwright.async_api")

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SHOWS_WITHIN_MS = 2000


def a_story(number: str, department: str, channel: Channel, subject: str) -> History:
    clock = SystemClock()
    state = ComplaintState.initial()
    history: History = []
    for command in (
        receive(complaint_no=number, channel=channel, subject=subject, when=clock.now()),
        assign(department, when=clock.now()),
    ):
        state, events = apply(state, command)
        history.append((command, events))
    return history


class Server:
    def __init__(self, url: str, store: PostgresEventStore) -> None:
        self.url = url
        self.store = store


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server(new_database: DatabaseFactory, kafka_backend: Backend) -> AsyncIterator[Server]:
    settings = analytics_settings(await new_database(), kafka_backend)
    await ensure_topics(settings)
    app = create_app(settings, tokens=tokens_for_tests())
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    uv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    task = asyncio.create_task(uv.serve(sockets=[sock]))
    try:
        import httpx

        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:

            async def ready() -> bool:
                try:
                    return (await client.get("/readyz")).status_code == 200
                except httpx.HTTPError:
                    return False

            await eventually(ready, timeout=30, what="analytics ready")
        yield Server(f"http://127.0.0.1:{port}", PostgresEventStore(app.state.runtime.engine))
    finally:
        uv.should_exit = True
        await asyncio.wait_for(task, timeout=15)
        sock.close()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs the Debian chromium package")
async def test_dashboard_live_filter_timeline_and_languages(server: Server) -> None:
    stamp = str(int(time.time() * 1000))[-8:]
    first, second = f"TS-UI-{stamp}-1", f"TS-UI-{stamp}-2"
    await append_history(server.store, first, a_story(first, "quality", Channel.HOTLINE, "洗衣机漏水"))

    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = await browser.new_page(viewport={"width": 1400, "height": 1000})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            await page.goto(server.url + "/")
            expect = playwright_api.expect
            await expect(page.locator("h1")).to_have_text("投诉运营看板")
            await page.fill("#token", token_for("supervisor"))
            await page.click("#token-form button")
            await expect(page.locator(f'#recent tr[data-no="{first}"]')).to_be_visible(timeout=15_000)
            await expect(page.locator("#live-status")).to_have_attribute("data-state", "on", timeout=10_000)
            await expect(page.locator("#kpis .tile")).to_have_count(10)

            started = time.monotonic()
            await append_history(
                server.store, second, a_story(second, "after_sales", Channel.APP, "配送延迟")
            )
            await expect(page.locator(f'#recent tr[data-no="{second}"]')).to_be_visible(
                timeout=SHOWS_WITHIN_MS
            )
            shown_after = time.monotonic() - started
            assert shown_after <= SHOWS_WITHIN_MS / 1000

            await page.select_option("#f-department", "after_sales")
            await expect(page.locator(f'#recent tr[data-no="{first}"]')).to_have_count(0)
            await expect(page.locator(f'#recent tr[data-no="{second}"]')).to_be_visible()
            await expect(page.locator('#backlog tr[data-department="after_sales"]')).to_be_visible()
            await expect(page.locator('#backlog tr[data-department="quality"]')).to_have_count(0)

            await page.click(f'#recent tr[data-no="{second}"]')
            await expect(page.locator("#timeline li")).to_have_count(2)
            await expect(page.locator('#timeline li[data-type="ComplaintAssigned"]')).to_contain_text("派单")

            await page.click("#lang")
            await expect(page.locator("h1")).to_have_text("Complaints dashboard")
            await expect(page.locator('#timeline li[data-type="ComplaintAssigned"]')).to_contain_text(
                "Assigned to a department"
            )
            ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
            assert not errors, errors
        finally:
            await browser.close()
