"""What the browser tests of the web workbench share: the five services served on real ports
(the pages call routing, SLA and feedback directly), Chromium and axe-core, signing in, and
submitting a complaint through intake as a channel would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.analytics.main import create_app as create_analytics
from services.feedback.main import create_app as create_feedback
from services.intake.main import create_app as create_intake
from services.routing.main import create_app as create_routing
from services.sla.main import create_app as create_sla
from shared.eventstore import PostgresEventStore
from shared.messaging.topics import ensure_topics
from tests.integration.analytics.conftest import DatabaseFactory, analytics_settings
from tests.support.auth import bearer
from tests.support.auth import test_tokens as tokens_for_tests
from tests.support.backends import Backend
from tests.support.serving import a_free_socket, served

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
NOT_ALLOWED = {"critical", "serious"}
WIDER_THAN_SCREEN = """[...document.querySelectorAll('body *')]
  .filter((e) => getComputedStyle(e).position !== 'static' || !e.parentElement.closest('.scroll'))
  .filter((e) => e.getBoundingClientRect().right > innerWidth + 1)
  .map((e) => `${e.tagName}#${e.id}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)
  .slice(0, 10)"""
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking")


@asynccontextmanager
async def headless_chromium() -> AsyncIterator[Any]:
    """Debian's Chromium (never a downloaded browser), headless, closed when the block ends."""
    from playwright.async_api import async_playwright  # the browser tests skip without it

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_FLAGS))
        try:
            yield browser
        finally:
            await browser.close()


ALSO_REPORTED = {"region", "landmark-one-main"}  # moderate, but each page must pass them too


async def accessibility_problems(page: object) -> list[str]:
    """axe-core's critical and serious violations on the page as it is now (plus the landmark
    rules), one line each."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):  # type: ignore[attr-defined]
        await page.add_script_tag(path=str(AXE))  # type: ignore[attr-defined]
    result = await page.evaluate(  # type: ignore[attr-defined]
        "axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        f"{v['impact']} {v['id']}: {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
        if v["impact"] in NOT_ALLOWED or v["id"] in ALSO_REPORTED
    ]


class Stack:
    def __init__(self, analytics_url: str, intake_url: str, engine: AsyncEngine) -> None:
        self.url = analytics_url
        self.intake_url = intake_url
        self.engine = engine
        self.store = PostgresEventStore(engine)

    async def relayed_position(self) -> int:
        async with self.engine.connect() as conn:
            value = await conn.execute(
                text("SELECT global_position FROM follower_checkpoints WHERE name = 'outbox-relay'")
            )
            return int(value.scalar() or 0)


@asynccontextmanager
async def workbench(
    new_database: DatabaseFactory, kafka_backend: Backend, **settings_update: object
) -> AsyncIterator[Stack]:
    """The five services on real ports, one database and broker, as the pages use them
    (``settings_update``: settings that differ, e.g. a short idle timeout)."""
    sockets = {name: a_free_socket() for name in ("analytics", "intake", "routing", "sla", "feedback")}
    ports = {f"{name}_port": sock.getsockname()[1] for name, sock in sockets.items()}
    # the analytics page tells the browser where routing is, and routing lets that page call it
    settings = analytics_settings(await new_database(), kafka_backend).model_copy(
        update={**ports, **settings_update}
    )
    await ensure_topics(settings)
    analytics = create_analytics(settings, tokens=tokens_for_tests())
    intake = create_intake(settings, tokens=tokens_for_tests())  # same database, same broker
    routing = create_routing(settings, tokens=tokens_for_tests())
    sla = create_sla(settings, tokens=tokens_for_tests())
    feedback = create_feedback(settings, tokens=tokens_for_tests())
    async with (
        served(analytics, sock=sockets["analytics"], ready_timeout=60) as analytics_url,
        served(intake, sock=sockets["intake"], ready_timeout=60) as intake_url,
        served(routing, sock=sockets["routing"], ready_timeout=60),
        served(sla, sock=sockets["sla"], ready_timeout=60),
        served(feedback, sock=sockets["feedback"], ready_timeout=60),
    ):
        yield Stack(analytics_url, intake_url, analytics.state.runtime.engine)


async def submit_through_intake(stack: Stack, channel: str, subject: str) -> str:
    submission = {
        "channel": channel,
        "complainant_kind": "customer",
        "complainant": {"name": "张伟", "phone": "13812345678"},
        "category": "delivery",
        "subject": subject,
        "content": "快递一周未到。",
        "product_refs": ["EXP-7"],
    }
    async with httpx.AsyncClient(base_url=stack.intake_url) as client:
        response = await client.post("/v1/complaints", json=submission, headers=bearer("channel"))
    assert response.status_code == 202, response.text
    return str(response.json()["complaint_no"])


DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


class People:
    """One browser context per person: each signs in with their own cookie, at ``viewport``;
    the pages' script errors are collected in ``errors``."""

    def __init__(self, browser: Any, url: str, viewport: dict[str, int] = DESKTOP) -> None:
        self.browser = browser
        self.url = url
        self.viewport = viewport
        self.errors: list[str] = []

    async def signed_in(self, subject: str, token: str) -> Any:
        from playwright.async_api import expect  # only the browser tests have it

        context = await self.browser.new_context(viewport=self.viewport, bypass_csp=True)
        page = await context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"{subject}: {error}"))
        await page.goto(self.url + "/sign-in")
        await page.fill("#subject", subject)
        await page.fill("#token", token)
        await page.click("#sign-in-form button[type=submit]")
        await expect(page).to_have_url(self.url + "/")
        return page
