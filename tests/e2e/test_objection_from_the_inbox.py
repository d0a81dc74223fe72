"""The department objects to an assignment from its inbox and a supervisor upholds it from the
objection desk, in real Chromium: the objection comes the same working day the complaint reaches
the department (the stack's clock is the real one, so it comes seconds after the assignment,
always within its working day or the next), and the complaint goes to the chosen department."""

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
async def test_the_agent_objects_from_the_inbox(stack: Stack) -> None:
    expect = playwright_api.expect
    number = await submit_through_intake(stack, "app", "快递一周未到，外包装破损")
    async with headless_chromium() as browser:
        people = People(browser, stack.url)
        page = await people.signed_in("agent-logistics", token_for("agent", "logistics"))
        row = page.locator(f'#inbox tr[data-no="{number}"]')
        await expect(row).to_be_visible(timeout=20_000)
        await row.locator("summary", has_text="派单异议").click()
        await row.locator("button[data-action=objection]").click()
        await expect(row.locator(".row-message")).to_have_text("请先填写内容。")
        await row.locator("input[name=object_reason]").fill("包装破损属质量问题，不属物流部")
        await row.locator("button[data-action=objection]").click()
        await expect(page.locator(f'#inbox tr[data-no="{number}"] .row-message')).to_have_text("已完成。")
        desk = await people.signed_in("test-supervisor", token_for("supervisor"))
        pending = desk.locator(f'#objections tr[data-no="{number}"]')
        await expect(pending).to_contain_text("包装破损属质量问题", timeout=20_000)
        await pending.locator("input[name=decision_reason]").fill("属产品质量问题，改派质量部")
        await pending.locator("select[name=to_department]").select_option("quality")
        await pending.locator("button[data-action=uphold]").click()
        await expect(desk.locator("#objections-message")).to_contain_text(number)
        assert not people.errors, people.errors

    types = [e.type for e in await stack.store.read_stream(number)]
    assert types[-3:] == ["AssignmentObjected", "ObjectionUpheld", "ComplaintTransferred"], types
