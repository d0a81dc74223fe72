"""Lead and co-operating departments (牵头/协同) in real Chromium: the lead agent asks another
department to co-operate from its inbox; its answer is refused until the contribution is in; the
co-operating department finds the complaint in its own inbox marked as a co-operation, signs for
it and contributes; the lead then answers. A supervisor sees the open co-operation on the desk
and in the complaint's detail."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.e2e.workbench import CHROMIUM, People, Stack, headless_chromium, submit_through_intake, workbench
from tests.integration.analytics.conftest import DatabaseFactory
from tests.support.auth import token_for
from tests.support.backends import Backend

playwright_api = pytest.importorskip("playwright.async_api")

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def stack(new_database: DatabaseFactory, kafka_backend: Backend) -> AsyncIterator[Stack]:
    async with workbench(new_database, kafka_backend) as served_stack:
        yield served_stack


@pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"), reason="needs the Debian chromium package"
)
async def test_the_lead_asks_and_the_cooperating_department_contributes(stack: Stack) -> None:
    expect = playwright_api.expect
    number = await submit_through_intake(stack, "app", "快递一周未到，外包装破损")
    async with headless_chromium() as browser:
        people = People(browser, stack.url)
        lead = await people.signed_in("agent-logistics", token_for("agent", "logistics"))
        row = lead.locator(f'#inbox tr[data-no="{number}"]')
        await expect(row).to_be_visible(timeout=20_000)
        await row.locator("button[data-action=accept]").click()
        await expect(lead.locator(f'#inbox tr[data-no="{number}"] .row-message')).to_have_text("已完成。")
        row = lead.locator(f'#inbox tr[data-no="{number}"]')
        await row.locator("summary", has_text="发起协同").click()
        await row.locator("select[name=coop_department]").select_option("quality")
        await row.locator("input[name=coop_note]").fill("请核实包装破损是否属质量问题")
        await row.locator("button[data-action=cooperation]").click()
        await expect(lead.locator(f'#inbox tr[data-no="{number}"] .row-message')).to_have_text("已完成。")

        row = lead.locator(f'#inbox tr[data-no="{number}"]')
        await row.locator("summary", has_text="答复").click()
        await row.locator("input[name=resolution]").fill("已补发并赔偿")
        await row.locator("button[data-action=resolve]").click()
        await expect(lead.locator(f'#inbox tr[data-no="{number}"] .row-message')).to_contain_text(
            "协同部门的意见尚未全部提交"
        )

        desk = await people.signed_in("test-supervisor", token_for("supervisor"))
        waiting = desk.locator(f'#cooperations-open tr[data-no="{number}"][data-department=quality]')
        await expect(waiting).to_contain_text("待协同签收", timeout=20_000)
        await waiting.locator("a").first.click()
        await expect(desk.locator("#cooperations li[data-department=quality]")).to_contain_text("质量部")

        helper = await people.signed_in("agent-quality", token_for("agent", "quality"))
        coop = helper.locator(f'#inbox tr[data-no="{number}"][data-role=cooperating]')
        await expect(coop).to_contain_text("协同", timeout=20_000)
        await expect(coop).to_contain_text("牵头部门：物流部")
        await coop.locator('button[data-action="cooperation/accept"]').click()
        coop = helper.locator(f'#inbox tr[data-no="{number}"]')
        await expect(coop.locator("summary", has_text="提交协同意见")).to_be_visible(timeout=20_000)
        await coop.locator("summary", has_text="提交协同意见").click()
        await coop.locator("input[name=contribution]").fill("包装破损发生在运输途中，非质量问题")
        await coop.locator('button[data-action="cooperation/contribution"]').click()
        await expect(helper.locator(f'#inbox tr[data-no="{number}"] .row-message')).to_have_text("已完成。")

        row = lead.locator(f'#inbox tr[data-no="{number}"]')
        await expect(row).to_contain_text("质量部 已提交协同意见", timeout=20_000)
        if not await row.locator("input[name=resolution]").is_visible():  # left open before
            await row.locator("summary", has_text="答复").click()
        await row.locator("input[name=resolution]").fill("已补发并赔偿")
        await row.locator("button[data-action=resolve]").click()
        await expect(lead.locator(f'#inbox tr[data-no="{number}"] .row-message')).to_have_text("已完成。")
        assert not people.errors, people.errors

    types = [e.type for e in await stack.store.read_stream(number)]
    assert types.index("ContributionRecorded") < types.index("ComplaintResolved"), types


@pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"), reason="needs the Debian chromium package"
)
async def test_a_supervisor_adds_a_cooperating_department_and_overrides(stack: Stack) -> None:
    expect = playwright_api.expect
    number = await submit_through_intake(stack, "app", "快递丢失，要求赔偿运费")
    async with headless_chromium() as browser:
        people = People(browser, stack.url)
        lead = await people.signed_in("agent-logistics", token_for("agent", "logistics"))
        row = lead.locator(f'#inbox tr[data-no="{number}"]')
        await expect(row).to_be_visible(timeout=20_000)
        await row.locator("button[data-action=accept]").click()
        await expect(lead.locator(f'#inbox tr[data-no="{number}"] .row-message')).to_have_text("已完成。")

        desk = await people.signed_in("test-supervisor", token_for("supervisor"))
        await desk.goto(f"{stack.url}/#/complaints/{number}")
        await expect(desk.locator("#coop-request")).to_be_visible(timeout=20_000)
        await desk.locator("#coop-to").select_option("finance")
        await desk.locator("#coop-request").click()
        await expect(desk.locator("#coop-message")).to_have_text("已完成。")
        await expect(desk.locator("#cooperations li[data-department=finance]")).to_contain_text(
            "待协同签收", timeout=20_000
        )
        await desk.locator("#override-resolution").fill("已赔偿运费")
        await desk.locator("#override-resolve").click()
        await expect(desk.locator("#coop-message")).to_have_text("请先填写内容。")
        await desk.locator("#override-reason").fill("财务部休假，主管确认赔偿标准")
        await desk.locator("#override-resolve").click()
        await expect(desk.locator("#coop-message")).to_have_text("已完成。")
        await expect(desk.locator("#cooperations li[data-department=finance]")).to_contain_text(
            "主管免除", timeout=20_000
        )
        assert not people.errors, people.errors

    types = [e.type for e in await stack.store.read_stream(number)]
    assert types.index("ContributionsWaived") + 1 == types.index("ComplaintResolved"), types
