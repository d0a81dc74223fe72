"""One complaint walked from the inbox to closure through the pages alone, in real Chromium.

A channel submits it through intake; the operator sees it on the dashboard and behind a KPI
tile; the department's agent accepts it, records the initial plan and progress, and asks for an
extension with the complainant's consent (refused beside the action until the consent is
confirmed); the supervisor hands a second, misrouted complaint to another department from its
dialog and approves the extension; the agent resolves; customer service records
the complainant's satisfied answer at the revisit desk, and the complaint is closed. Each person
signs in with their own browser context (cookie and CSRF token). axe-core finds no critical or
serious violation on any of the pages in either language; screenshots at 390 and 1440 px are
saved under test-artifacts/.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.e2e.workbench import (
    ARTIFACTS,
    AXE,
    CHROMIUM,
    WIDER_THAN_SCREEN,
    People,
    Stack,
    accessibility_problems,
    headless_chromium,
    submit_through_intake,
    workbench,
)
from tests.integration.analytics.conftest import DatabaseFactory
from tests.support.auth import token_for
from tests.support.backends import Backend
from tests.support.running import eventually

playwright_api = pytest.importorskip("playwright.async_api")

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

DONE = "已完成。"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def stack(new_database: DatabaseFactory, kafka_backend: Backend) -> AsyncIterator[Stack]:
    async with workbench(new_database, kafka_backend) as served_stack:
        yield served_stack


REDRAWN_IN = """([before, name]) => document.body.dataset.loaded !== before
  && document.querySelector('#month-compare tbody th')?.textContent === name"""


async def switch_language(page: Any, title: str, first_kpi: str) -> None:
    """Switch, and wait until the panels are drawn again in the other language."""
    before = await page.evaluate("document.body.dataset.loaded")
    await page.click("#lang")
    await playwright_api.expect(page.locator("h1")).to_have_text(title)
    await page.wait_for_function(REDRAWN_IN, arg=[before, first_kpi])


async def in_both_languages(page: Any) -> list[str]:
    """axe-core's findings in Chinese, then in English; the page is left in Chinese."""
    problems = await accessibility_problems(page)
    await switch_language(page, "Complaints dashboard", "Response timeliness")
    problems += await accessibility_problems(page)
    await switch_language(page, "投诉运营看板", "响应及时率")
    return problems


async def screenshots(page: Any, name: str) -> None:
    """At 1440 and 390 px; on the phone nothing is wider than the screen."""
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}-1440.png"))
    await page.set_viewport_size({"width": 390, "height": 844})
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, await page.evaluate(WIDER_THAN_SCREEN)
    await page.screenshot(path=str(ARTIFACTS / f"{name}-390.png"))
    await page.set_viewport_size({"width": 1440, "height": 900})


async def until_done(row: Any, action: str) -> None:
    """Click until the service answers done: it may still be starting the complaint's clocks
    (its refusal shows beside the action, and the agent tries again)."""

    async def done() -> bool:
        await row.locator(".row-message").evaluate("m => { m.textContent = ''; }")
        await row.locator(f"button[data-action={action}]").click()
        await playwright_api.expect(row.locator(".row-message")).not_to_be_empty()
        return await row.locator(".row-message").text_content() == DONE

    await eventually(done, timeout=30, interval=1, what=f"{action} done")


@pytest.mark.skipif(
    not (CHROMIUM.exists() and AXE.exists()) and not os.environ.get("CI"),
    reason="needs the Debian chromium package and axe-core: `make test` installs both",
)
async def test_one_complaint_from_the_inbox_to_closure(stack: Stack) -> None:
    expect = playwright_api.expect
    number = await submit_through_intake(stack, "app", "快递一周未到，外包装破损")
    misrouted = await submit_through_intake(stack, "app", "洗衣机送达后无法开机")
    async with headless_chromium() as browser:
        people = People(browser, stack.url)
        await the_operator_sees_it(people, number)
        agent = await people.signed_in("agent-logistics", token_for("agent", "logistics"))
        await the_agent_works_it(agent, number)
        await the_supervisor_approves(people, number, misrouted)
        row = agent.locator(f'#inbox tr[data-no="{number}"]')
        await row.locator("summary", has_text="答复").click()
        await row.locator("input[name=resolution]").fill("已协调快递公司重新派送，并补偿运费")
        await row.locator("button[data-action=resolve]").click()
        await expect(row.locator(".row-message")).to_have_text(DONE)
        await customer_service_closes_it(people, number)
        operator = await people.signed_in("test-operator", token_for("operator"))
        await operator.goto(f"{stack.url}/#/complaints/{number}")
        closed = operator.locator('#timeline li[data-type="ComplaintClosed"]')
        await expect(closed).to_be_visible(timeout=20_000)
        await expect(operator.locator('#timeline li[data-type="SlaExtensionApproved"]')).to_be_visible()
        assert not people.errors, people.errors
    types = [event.type for event in await stack.store.read_stream(number)]
    for happened in (
        "ComplaintAccepted",
        "ProgressRecorded",
        "SlaExtensionRequested",
        "SlaExtensionApproved",
        "ComplaintResolved",
        "FeedbackReceived",
        "ComplaintClosed",
    ):
        assert happened in types, types
    assert types[-1] == "ComplaintClosed", types
    handed = [e for e in await stack.store.read_stream(misrouted) if e.type == "ComplaintTransferred"]
    assert [(e.payload["to_department"], e.actor.role.value) for e in handed] == [("quality", "supervisor")]


async def the_operator_sees_it(people: People, number: str) -> None:
    """On the dashboard, and behind the SLA breach rate's tile (every valid complaint counts);
    the month's KPIs beside the previous month's."""
    expect = playwright_api.expect
    page = await people.signed_in("test-operator", token_for("operator"))
    await expect(page.locator(f'#complaint-list tr[data-no="{number}"]')).to_be_visible(timeout=15_000)
    await page.click('#kpis .tile[data-kpi="sla_breach_rate"]')
    await expect(page.locator("#drill-title")).to_be_focused()
    await expect(page.locator("#drill-title")).to_contain_text("超时率")
    drilled = page.locator(f'#drill-list tr[data-no="{number}"]')
    await expect(drilled).to_contain_text("无超时")
    await page.click('#drill [data-part="numerator"]')
    await expect(drilled).to_have_count(0)
    await page.click('#drill [data-part="rest"]')
    await expect(drilled).to_be_visible()
    await expect(page.locator("#month-compare tbody tr")).to_have_count(12)  # one row per KPI
    assert not await in_both_languages(page)
    await page.locator("#drill").scroll_into_view_if_needed()
    await screenshots(page, "workbench-operator")
    await page.context.close()


async def the_agent_works_it(page: Any, number: str) -> None:
    """Accept, the initial plan, progress, and an extension asked for with consent."""
    expect = playwright_api.expect
    row = page.locator(f'#inbox tr[data-no="{number}"]')
    await expect(row).to_be_visible(timeout=20_000)
    await row.locator("button[data-action=accept]").click()
    await expect(page.locator(f'#inbox tr[data-no="{number}"][data-status="accepted"]')).to_be_visible(
        timeout=20_000
    )
    await row.locator("summary", has_text="登记进展").click()
    steps = (("先核实物流轨迹，再与快递公司协调重新派送", True), ("已联系快递公司，等待调查结果", False))
    for note, plan in steps:
        await row.locator("input[name=note]").fill(note)
        await row.locator("input[name=plan]").set_checked(plan)
        await row.locator("button[data-action=progress]").click()
        await expect(row.locator(".row-message")).to_have_text(DONE)
        await row.locator(".row-message").evaluate("m => { m.textContent = ''; }")
    await row.locator("summary", has_text="申请延期").click()
    await row.locator("input[name=ext_days]").fill("2")
    await row.locator("input[name=ext_reason]").fill("等待快递公司调查结果")
    await row.locator("button[data-action=extensions]").click()  # no consent yet: refused here
    await expect(row.locator(".row-message")).to_have_text("须经投诉人同意才能申请延期：请先确认。")
    assert not await in_both_languages(page)
    await row.locator("input[name=consent_given]").check()
    await until_done(row, "extensions")
    await row.locator("button[data-action=extensions]").click()  # once more: one is pending already
    await expect(row.locator(".row-message.refused")).to_contain_text("待主管审批的延期申请")
    await screenshots(page, "workbench-inbox")


async def the_supervisor_approves(people: People, number: str, misrouted: str) -> None:
    """Approves the extension; on the way, hands a misrouted complaint to the right department."""
    expect = playwright_api.expect
    page = await people.signed_in("test-supervisor", token_for("supervisor"))
    await page.goto(f"{people.url}/#/complaints/{misrouted}")
    await expect(page.locator("#detail-actions")).to_be_visible(timeout=15_000)
    await page.click("#reassign")
    await expect(page.locator("#reassign-message")).to_have_text("请先填写内容。")
    await page.select_option("#reassign-to", "quality")
    await page.fill("#reassign-reason", "属产品质量问题，非配送问题")
    assert not await accessibility_problems(page)
    await page.click("#reassign")
    await expect(page.locator("#reassign-message")).to_have_text(DONE)
    await page.keyboard.press("Escape")
    request = page.locator(f'#extension-requests tr[data-no="{number}"]')
    await expect(request).to_be_visible(timeout=20_000)
    await expect(request).to_contain_text("2 天")
    await expect(request).to_contain_text("等待快递公司调查结果")  # the reason, read for the one who decides
    await expect(request).to_contain_text("电话")
    assert not await in_both_languages(page)
    await screenshots(page, "workbench-supervisor")
    await request.locator("input[name=approve_note]").fill("同意延期 2 个工作日")
    await request.locator("button[data-action=approve]").click()
    await expect(page.locator("#extensions-message")).to_have_text(f"已批准 {number} 的延期申请。")
    await expect(request).to_have_count(0)
    await page.context.close()


async def customer_service_closes_it(people: People, number: str) -> None:
    expect = playwright_api.expect
    page = await people.signed_in("agent-customer_service", token_for("agent", "customer_service"))
    desk = page.locator(f'#revisit-desk tr[data-no="{number}"]')
    await expect(desk).to_be_visible(timeout=20_000)
    await desk.locator("input[value=satisfied]").check()
    await desk.locator("select[name=score]").select_option("5")
    await desk.locator("button[data-action=feedback]").click()
    await expect(desk.locator(".row-message")).to_have_text(DONE)
    assert not await in_both_languages(page)
    await screenshots(page, "workbench-revisits")
    await page.context.close()
