"""The public-relations owner's and the director's desks, in real Chromium.

A complaint mentioning a journalist is flagged by the risk rules at receipt; the PR owner signs
in, sees only their list of flags (no other panel, and no request of the page answered 403 or
404), opens the complaint (masked, with why it was flagged), is refused beside the button without
a reason and clears the flag with one. A department reports a matter beyond its authority; the
director signs in, sees it with its deadline and reason, and records the instruction on routing.
axe-core finds no critical or serious violation in either language; screenshots at 390 and
1440 px are saved under test-artifacts/.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.e2e.test_workbench_walk import screenshots
from tests.e2e.workbench import (
    AXE,
    CHROMIUM,
    People,
    Stack,
    accessibility_problems,
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

DONE = "已完成。"
FILL_IN = "请先填写内容。"
REASON = "已核实，投诉人无意曝光"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def stack(new_database: DatabaseFactory, kafka_backend: Backend) -> AsyncIterator[Stack]:
    async with workbench(new_database, kafka_backend) as served_stack:
        yield served_stack


async def flagged(stack: Stack) -> str:
    """A complaint the risk rules flag at receipt, once analytics lists it."""
    number = await submit_through_intake(stack, "app", "快递丢失，已联系记者准备曝光")

    async def listed() -> bool:
        async with httpx.AsyncClient(base_url=stack.url) as client:
            answer = await client.get("/v1/risk-flags", headers=bearer("pr_owner"))
        return number in [item["complaint_no"] for item in answer.json()["items"]]

    await eventually(listed, timeout=30, interval=0.3, what="the flag listed")
    return number


async def reported_to_the_director(stack: Stack) -> str:
    """A complaint logistics accepted and reported as beyond its authority, once analytics lists it."""
    number = await submit_through_intake(stack, "app", "包裹损毁，要求赔偿整机价格")
    async with httpx.AsyncClient(base_url=stack.url) as client:
        routing = (await client.get("/v1/web/services", headers=bearer("operator"))).json()["routing"]
    async with httpx.AsyncClient(base_url=routing) as client:

        async def accepted() -> bool:
            answer = await client.post(
                f"/v1/complaints/{number}/accept", json={}, headers=bearer("agent", "logistics")
            )
            return answer.status_code == 200

        await eventually(accepted, timeout=30, interval=0.3, what="accepted by logistics")
        reported = await client.post(
            f"/v1/complaints/{number}/beyond-authority",
            json={"reason": "赔偿金额超出部门审批权限"},
            headers=bearer("agent", "logistics"),
        )
        assert reported.status_code == 200, reported.text
    async with httpx.AsyncClient(base_url=stack.url) as client:

        async def listed() -> bool:
            answer = await client.get("/v1/director/matters", headers=bearer("director"))
            return number in [item["complaint_no"] for item in answer.json()["items"]]

        await eventually(listed, timeout=30, interval=0.3, what="the matter listed")
    return number


def refused_reads(page: Any) -> list[str]:
    """Every answer of 403 or 404 the page gets, from now on."""
    refused: list[str] = []
    page.on("response", lambda r: refused.append(f"{r.status} {r.url}") if r.status in (403, 404) else None)
    return refused


async def in_both_languages(page: Any) -> list[str]:
    """axe-core's findings in Chinese, then in English (once the desk is drawn again); back to Chinese."""
    problems = await accessibility_problems(page)
    for title in ("Complaints dashboard", "投诉运营看板"):
        before = await page.evaluate("document.body.dataset.loaded")
        await page.click("#lang")
        await playwright_api.expect(page.locator("h1")).to_have_text(title)
        await page.wait_for_function("(before) => document.body.dataset.loaded !== before", arg=before)
        if title.startswith("Complaints"):
            problems += await accessibility_problems(page)
    return problems


@pytest.mark.skipif(
    not (CHROMIUM.exists() and AXE.exists()) and not os.environ.get("CI"),
    reason="needs the Debian chromium package and axe-core: `make test` installs both",
)
async def test_the_pr_owner_and_the_director_at_their_desks(stack: Stack) -> None:
    flag = await flagged(stack)
    matter = await reported_to_the_director(stack)
    async with headless_chromium() as browser:
        people = People(browser, stack.url)
        await the_pr_owner_clears_the_flag(people, flag)
        await the_director_instructs(people, matter)
        assert not people.errors, people.errors
    cleared = [e for e in await stack.store.read_stream(flag) if e.type == "ComplaintRiskFlagCleared"]
    assert [(e.payload["reason"], e.actor.role.value) for e in cleared] == [(REASON, "pr_owner")]
    types = [e.type for e in await stack.store.read_stream(matter)]
    assert types[-1] == "DirectorInstructionRecorded", types


async def the_pr_owner_clears_the_flag(people: People, number: str) -> None:
    expect = playwright_api.expect
    page = await people.signed_in("test-pr_owner", token_for("pr_owner"))
    refused = refused_reads(page)
    await page.reload()
    row = page.locator(f'#risk-flags tr[data-no="{number}"]')
    await expect(row).to_be_visible(timeout=15_000)
    await expect(row).to_contain_text("提及媒体或监管部门")
    await expect(row).to_contain_text("风险规则自动标记")
    await expect(row).to_contain_text("标记中")
    for board in ("#attention", "#complaints", "#kpi-section", "#insights", "#director-section"):
        await expect(page.locator(board)).to_be_hidden()
    await expect(page.locator("#message")).to_be_empty()
    assert not refused, refused
    await row.locator(f'a[data-no="{number}"]').click()
    await expect(page.locator("#detail-title")).to_be_focused()
    await expect(page.locator("#detail-body")).to_contain_text("138****5678")  # masked for the PR owner
    await expect(page.locator('#flag-notes li[data-type="ComplaintRiskFlagged"]')).to_be_visible()
    await expect(page.locator('#timeline li[data-type="ComplaintRiskFlagged"]')).to_be_visible()
    await expect(page.locator("#detail-body")).not_to_contain_text("logistics")  # no code shown
    assert not await accessibility_problems(page)
    await page.keyboard.press("Escape")
    await row.locator("summary").click()
    await row.locator("button[data-action=clear]").click()
    await expect(row.locator(".row-message")).to_have_text(FILL_IN)
    assert not await in_both_languages(page)
    await screenshots(page, "desk-pr-owner")
    await row.locator("input[name=clear_reason]").fill(REASON)
    await row.locator("button[data-action=clear]").click()
    await expect(page.locator("#risk-message")).to_have_text(f"已解除 {number} 的风险标记。")
    await expect(row).to_have_count(0)
    assert not refused, refused
    await page.context.close()


async def the_director_instructs(people: People, number: str) -> None:
    expect = playwright_api.expect
    page = await people.signed_in("test-director", token_for("director"))
    refused = refused_reads(page)
    await page.reload()
    row = page.locator(f'#director-matters tr[data-no="{number}"]')
    await expect(row).to_be_visible(timeout=15_000)
    await expect(row).to_contain_text("赔偿金额超出部门审批权限")
    await expect(row).to_contain_text("剩余 23 小时")
    for board in ("#attention", "#complaints", "#kpi-section", "#insights", "#risk-section"):
        await expect(page.locator(board)).to_be_hidden()
    await expect(page.locator("#message")).to_be_empty()
    assert not refused, refused
    await row.locator("button[data-action=instruct]").click()
    await expect(row.locator(".row-message")).to_have_text(FILL_IN)
    assert not await in_both_languages(page)
    await screenshots(page, "desk-director")
    await row.locator("input[name=instruction]").fill("同意按整机价格赔偿，由售后部执行")
    await row.locator("button[data-action=instruct]").click()
    await expect(page.locator("#director-message")).to_have_text(f"已对 {number} 作出批示。")
    assert not refused, refused
    await page.context.close()
