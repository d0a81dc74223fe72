"""The quality engineer's 8D desk, in real Chromium.

A complaint is received and dispatched; a quality engineer opens an 8D case for it by hand. The
quality engineer signs in, sees only the 8D desk (no other panel, and no request of the page
answered 403 or 404) with the case, its due dates from the SLA service and the next discipline;
is refused beside the button without content, records D1 with the team (a quality engineer) and
sees it recorded; the PDF links are there in both languages. The department's agent then sees the
case on their dashboard and records D2, in English. axe-core finds no critical or
serious violation in either language; screenshots at 390 and 1440 px under test-artifacts/.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from tests.e2e.test_risk_and_director_desks import in_both_languages, refused_reads
from tests.e2e.test_workbench_walk import screenshots
from tests.e2e.workbench import (
    AXE,
    CHROMIUM,
    People,
    Stack,
    headless_chromium,
    submit_through_intake,
    workbench,
)
from tests.integration.analytics.conftest import DatabaseFactory
from tests.support.auth import bearer, token_for
from tests.support.backends import Backend
from tests.support.running import eventually

playwright_api = pytest.importorskip("playwright.async_api")

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

FILL_IN = "请先填写内容。"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def stack(new_database: DatabaseFactory, kafka_backend: Backend) -> AsyncIterator[Stack]:
    async with workbench(new_database, kafka_backend) as served_stack:
        yield served_stack


async def a_case(stack: Stack) -> str:
    """A complaint with an 8D case a quality engineer opened, once analytics lists it."""
    number = await submit_through_intake(stack, "app", "同一批次包装破损，第三次投诉")
    async with httpx.AsyncClient(base_url=stack.url) as client:
        routing = (await client.get("/v1/web/services", headers=bearer("operator"))).json()["routing"]
    async with httpx.AsyncClient(base_url=routing) as client:

        async def opened() -> bool:
            answer = await client.post(
                f"/v1/complaints/{number}/8d",
                json={"reason": "同批次重复发生"},
                headers=bearer("quality_engineer"),
            )
            return answer.status_code == 200

        await eventually(opened, timeout=30, interval=0.3, what="the 8D case opened")
    async with httpx.AsyncClient(base_url=stack.url) as client:

        async def listed() -> bool:
            answer = await client.get("/v1/8d/cases", headers=bearer("quality_engineer"))
            return number in [item["complaint_no"] for item in answer.json()["items"]]

        await eventually(listed, timeout=30, interval=0.3, what="the case listed")
    return number


@pytest.mark.skipif(
    not (CHROMIUM.exists() and AXE.exists()) and not os.environ.get("CI"),
    reason="needs the Debian chromium package and axe-core: `make test` installs both",
)
async def test_the_quality_engineer_records_d1_at_the_desk(stack: Stack) -> None:
    number = await a_case(stack)
    async with headless_chromium() as browser:
        people = People(browser, stack.url)
        await the_quality_engineer_records_d1(people, number)
        await the_department_records_d2(people, number)
        assert not people.errors, people.errors
    recorded = [e for e in await stack.store.read_stream(number) if e.type == "EightDDisciplineRecorded"]
    assert [(e.payload["discipline"], e.actor.role.value) for e in recorded] == [
        ("D1", "quality_engineer"),
        ("D2", "agent"),
    ]
    assert [m["role"] for m in recorded[0].payload["team"]] == ["quality_engineer", "leader", "member"]


async def the_quality_engineer_records_d1(people: People, number: str) -> None:
    expect = playwright_api.expect
    page = await people.signed_in("test-quality_engineer", token_for("quality_engineer"))
    refused = refused_reads(page)
    await page.reload()
    row = page.locator(f'#eight-d tr[data-no="{number}"]')
    await expect(row).to_be_visible(timeout=15_000)
    await expect(row).to_contain_text("人工发起")
    await expect(row).to_contain_text("下一步：D1 组建团队")
    await expect(row).to_contain_text("8D 临时围堵")  # the containment clock's due date, from the SLA service
    await expect(row.locator('a[href$="lang=en"]')).to_be_visible()
    for board in (
        "#attention",
        "#complaints",
        "#kpi-section",
        "#insights",
        "#risk-section",
        "#director-section",
    ):
        await expect(page.locator(board)).to_be_hidden()
    await expect(page.locator("#message")).to_be_empty()
    assert not refused, refused
    await row.locator("summary").click()
    await row.locator("button[data-action=record]").click()
    await expect(row.locator(".row-message")).to_have_text(FILL_IN)
    assert not await in_both_languages(page)
    await screenshots(page, "desk-quality-engineer")
    await row.locator("textarea[name=content]").fill("组建 8D 小组，质量部牵头")
    await row.locator("input[name=qe]").fill("孙工")
    await row.locator("input[name=members]").fill("王工，李工")
    await row.locator("button[data-action=record]").click()
    await expect(page.locator("#eight-d-message")).to_have_text(f"已登记 {number} 的 D1。")
    await expect(row).to_contain_text("下一步：D2 问题描述", timeout=30_000)
    assert not refused, refused
    await page.context.close()


async def the_department_records_d2(people: People, number: str) -> None:
    """The responsible department's agent sees the case in a panel of their dashboard (shown while
    the department has one) and records the problem description, in English."""
    expect = playwright_api.expect
    page = await people.signed_in("agent-logistics", token_for("agent", "logistics"))
    refused = refused_reads(page)
    await page.reload()
    await page.click("#lang")
    row = page.locator(f'#eight-d tr[data-no="{number}"]')
    await expect(row).to_be_visible(timeout=15_000)
    await expect(row).to_contain_text("Next: D2 Problem description")
    await row.locator("summary").click()
    await row.locator("textarea[name=content]").fill("Cartons of batch 2611 crushed in transit")
    await row.locator("button[data-action=record]").click()
    await expect(page.locator("#eight-d-message")).to_have_text(f"D2 of {number} recorded.")
    mine = [r for r in refused if "/8d" in r or "/deadlines" in r]  # the agent's other panels are not ours
    assert not mine, mine
    await page.context.close()
