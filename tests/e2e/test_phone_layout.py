"""The workbench on a phone, in real headless Chromium: at 360 and 390 px wide the operator's,
the supervisor's, a department agent's and customer service's page are no wider than the
screen, every list (attention queue, overdue revisits, complaint list, a KPI's complaints,
inspection sample, extension desk, inbox with its forms open, revisit desk) is a stack of cards
whose values are named by their column's header, every visible button is a touch target at
least 44 px tall and lies wholly on the screen, and axe-core finds no critical or serious
violation; so on the sign-in page and in a complaint opened in place. From 768 px on the lists
are tables again. Screenshots at 390 px are saved under
test-artifacts/ (phone-<person>-390.png, whole pages; phone-inbox-390.png, an agent's first screen).
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from shared.clock import FakeClock, SystemClock
from shared.complaints import Channel, ComplaintState, SlaStage, Status
from shared.events import NewEvent
from shared.eventstore import NO_STREAM, PostgresEventStore
from tests.builders import accept, agent, apply, assign, receive, request_extension, sla_breach
from tests.e2e.workbench import (
    ARTIFACTS,
    AXE,
    CHROMIUM,
    PHONE,
    People,
    Stack,
    accessibility_problems,
    headless_chromium,
    workbench,
)
from tests.integration.analytics.conftest import DatabaseFactory, History, history_to
from tests.integration.analytics.insight_histories import history_at
from tests.support.auth import token_for
from tests.support.backends import Backend

playwright_api = pytest.importorskip("playwright.async_api")

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

PHONES = (360, 390)
LONG_SUBJECT = "空调安装后外机噪音极大且滴水严重影响邻居休息，多次联系未果，要求上门检修并赔偿损失"

# What does not fit a phone, as one line each: the page wider than the screen, a visible button
# lower than 44 px or not wholly on the screen, a card's value without its label.
MISFITS = """() => {
  const shown = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
  const name = (e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`
    + ` "${e.textContent.trim().slice(0, 20)}"`;
  const problems = [];
  const width = document.documentElement.scrollWidth;
  if (width > innerWidth) problems.push(`page ${width} px wide on a ${innerWidth} px screen`);
  for (const button of document.querySelectorAll('button')) {
    if (!shown(button)) continue;
    const box = button.getBoundingClientRect();
    if (box.height < 43.5) problems.push(`${name(button)} ${box.height.toFixed(1)} px tall`);
    if (box.left < -0.5 || box.right > innerWidth + 0.5) {
      problems.push(`${name(button)} from ${Math.round(box.left)} to ${Math.round(box.right)} px`);
    }
  }
  for (const cell of document.querySelectorAll('table.cards tbody td:not([colspan])')) {
    const column = cell.closest('table').tHead.rows[0].cells[cell.cellIndex];
    if (shown(cell) && column.textContent.trim() && column.querySelector('.visually-hidden') === null
        && !cell.dataset.label) problems.push(`${name(cell)} has no label`);
  }
  return problems;
}"""

AS_CARDS = "(selector) => getComputedStyle(document.querySelector(selector)).display"


def accepted_and_extension_asked(number: str, department: str) -> History:
    """An accepted complaint whose agent asked for two more days, with consent."""
    now = SystemClock().now()
    state = ComplaintState.initial()
    history: History = []
    for command in (
        receive(
            complaint_no=number, channel=Channel.APP, subject=LONG_SUBJECT, when=now - timedelta(hours=3)
        ),
        assign(department, when=now - timedelta(hours=3)),
        accept(by=agent(department), when=now - timedelta(hours=2)),
        request_extension(by=agent(department), when=now - timedelta(hours=1)),
    ):
        state, events = apply(state, command)
        history.append((command, events))
    return history


def breached(number: str, department: str) -> History:
    """Accepted, and its resolution deadline ran out a day ago."""
    now = SystemClock().now()
    state = ComplaintState.initial()
    history: History = []
    for command in (
        receive(
            complaint_no=number, channel=Channel.HOTLINE, subject=LONG_SUBJECT, when=now - timedelta(days=4)
        ),
        assign(department, when=now - timedelta(days=4)),
        accept(by=agent(department), when=now - timedelta(days=4)),
        sla_breach(SlaStage.RESOLUTION, deadline=now - timedelta(days=1), when=now - timedelta(days=1)),
    ):
        state, events = apply(state, command)
        history.append((command, events))
    return history


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def stack(new_database: DatabaseFactory, kafka_backend: Backend) -> AsyncIterator[Stack]:
    async with workbench(new_database, kafka_backend) as served_stack:
        yield served_stack


async def append_at_once(store: PostgresEventStore, complaint_no: str, history: History) -> None:
    """The whole history in one append: the running services (routing's dispatch on receipt, the
    SLA timers of a complaint received days ago) react to it complete, never write between its
    commands (appended one by one, a timer firing meanwhile made the next append a conflict)."""
    new = [
        NewEvent.of(event, actor=command.actor, clock=FakeClock(command.at))
        for command, events in history
        for event in events
    ]
    await store.append(complaint_no, NO_STREAM, new)


class Numbers:
    """The complaints every list shows one of, appended to the store as if they had happened."""

    def __init__(self) -> None:
        stamp = str(int(time.time() * 1000))[-8:]
        self.late, self.asked, self.handled, self.revisit = (f"TS-PH-{stamp}-{i}" for i in range(4))
        self.closed_at = datetime.now(UTC) - timedelta(days=7)
        year, number, _ = self.closed_at.astimezone(ZoneInfo("Asia/Shanghai")).isocalendar()
        self.week = f"{year}-W{number:02d}"  # the organisation's week, whatever the browser's time zone

    async def append(self, stack: Stack) -> None:
        await append_at_once(stack.store, self.late, breached(self.late, "logistics"))
        await append_at_once(stack.store, self.asked, accepted_and_extension_asked(self.asked, "logistics"))
        closed = history_at(Status.CLOSED, self.handled, self.closed_at, "logistics")
        await append_at_once(stack.store, self.handled, closed)
        revisit = history_to(Status.REVISIT_PENDING, self.revisit, "logistics")
        await append_at_once(stack.store, self.revisit, revisit)


async def fits_phones(page: Any, name: str) -> list[str]:
    """At 360 and 390 px: what does not fit, and axe-core's findings; a screenshot at 390 px."""
    problems: list[str] = []
    for width in PHONES:
        await page.set_viewport_size({"width": width, "height": 844})
        problems += [f"{name} at {width} px: {p}" for p in await page.evaluate(MISFITS)]
        problems += [f"{name} at {width} px: {p}" for p in await accessibility_problems(page)]
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"phone-{name}-390.png"), full_page=True)
    return problems


@pytest.mark.skipif(
    not (CHROMIUM.exists() and AXE.exists()) and not os.environ.get("CI"),
    reason="needs the Debian chromium package and axe-core: `make test` installs both",
)
async def test_every_list_fits_a_phone(stack: Stack) -> None:
    numbers = Numbers()
    await numbers.append(stack)
    async with headless_chromium() as browser:
        people = People(browser, stack.url, PHONE)
        problems = await the_sign_in_page(people)
        problems += await the_operator(people, numbers)
        problems += await the_supervisor(people, numbers)
        problems += await the_agent(people, numbers)
        problems += await customer_service(people, numbers)
    assert not problems, problems
    assert not people.errors, people.errors


async def the_sign_in_page(people: People) -> list[str]:
    page = await people.browser.new_page(viewport={"width": 360, "height": 740}, bypass_csp=True)
    await page.goto(people.url + "/sign-in")
    problems = [f"sign-in at 360 px: {p}" for p in await page.evaluate(MISFITS)]
    problems += [f"sign-in at 360 px: {p}" for p in await accessibility_problems(page)]
    await page.close()
    return problems


async def the_operator(people: People, numbers: Numbers) -> list[str]:
    """The attention queue, overdue revisits, the complaint list, a KPI's complaints and the
    week's inspection sample; tables again from 768 px on."""
    expect = playwright_api.expect
    page = await people.signed_in("test-operator", token_for("operator"))
    await expect(page.locator(f'#queue tr[data-no="{numbers.late}"]')).to_be_visible(timeout=15_000)
    await expect(page.locator(f'#revisits tr[data-no="{numbers.revisit}"]')).to_be_visible()
    await expect(page.locator(f'#complaint-list tr[data-no="{numbers.asked}"]')).to_be_visible()
    await page.click('#kpis .tile[data-kpi="sla_breach_rate"]')
    await expect(page.locator(f'#drill-list tr[data-no="{numbers.late}"]')).to_be_visible()
    await page.fill("#insp-week", numbers.week)
    await page.click("#draw-form button[type=submit]")
    await expect(page.locator(f'#inspection tr[data-sample="{numbers.handled}"]')).to_be_visible()
    # a card names its values by the column headers, in the page's language
    deadline = page.locator(f'#queue tr[data-no="{numbers.late}"] td').nth(4)
    await expect(deadline).to_have_attribute("data-label", "截止时间")
    problems = await fits_phones(page, "operator")
    await page.set_viewport_size({"width": 768, "height": 900})
    assert await page.evaluate(AS_CARDS, "#queue td") == "table-cell"
    await page.context.close()
    return problems


async def the_supervisor(people: People, numbers: Numbers) -> list[str]:
    """The extension desk, and a complaint opened in place with its reassignment form."""
    expect = playwright_api.expect
    page = await people.signed_in("test-supervisor", token_for("supervisor"))
    request = page.locator(f'#extension-requests tr[data-no="{numbers.asked}"]')
    await expect(request).to_be_visible(timeout=15_000)
    problems = await fits_phones(page, "supervisor")
    await request.locator("a[data-no]").click()
    await expect(page.locator("#detail-actions")).to_be_visible(timeout=15_000)
    problems += await fits_phones(page, "supervisor-detail")
    await page.context.close()
    return problems


async def the_agent(people: People, numbers: Numbers) -> list[str]:
    """The inbox with every form open, in English and in Chinese."""
    expect = playwright_api.expect
    page = await people.signed_in("agent-logistics", token_for("agent", "logistics"))
    await expect(page.locator(f'#inbox tr[data-no="{numbers.late}"]')).to_be_visible(timeout=15_000)
    await expect(page.locator(f'#inbox tr[data-no="{numbers.asked}"]')).to_be_visible(timeout=15_000)
    assert await page.evaluate(AS_CARDS, "#inbox tr") == "block"
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "phone-inbox-390.png"))  # the first screen, for the docs
    await page.evaluate("document.querySelectorAll('#inbox details').forEach((d) => { d.open = true; })")
    await page.click("#lang")
    deadline = page.locator(f'#inbox tr[data-no="{numbers.late}"] td').nth(4)
    await expect(deadline).to_have_attribute("data-label", "Deadline")
    problems = await fits_phones(page, "agent-en")
    await page.click("#lang")
    await expect(deadline).to_have_attribute("data-label", "截止时间")
    problems += await fits_phones(page, "agent")
    await page.context.close()
    return problems


async def customer_service(people: People, numbers: Numbers) -> list[str]:
    """The revisit desk, above their own department's (empty) inbox."""
    page = await people.signed_in("agent-customer_service", token_for("agent", "customer_service"))
    desk = page.locator(f'#revisit-desk tr[data-no="{numbers.revisit}"]')
    await playwright_api.expect(desk).to_be_visible(timeout=20_000)
    problems = await fits_phones(page, "customer-service")
    await page.context.close()
    return problems
