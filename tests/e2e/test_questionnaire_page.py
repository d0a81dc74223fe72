"""The questionnaire page on a phone, in real headless Chromium: at 390 px, in Simplified Chinese
and in English, the page is no wider than the screen, its button is a touch target at least
44 px tall, axe-core finds no critical or serious violation, and it is answered with the
keyboard alone; the link then says, in the page's language, that it was used. Screenshots under
test-artifacts/ (questionnaire-zh-CN-390.png, questionnaire-en-390.png)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from services.feedback.main import create_app
from shared.complaints.values import Status
from shared.eventstore import NO_STREAM, PostgresEventStore
from shared.messaging.topics import ensure_topics
from tests.builders import history_to, new_complaint_no
from tests.e2e.workbench import ARTIFACTS, AXE, CHROMIUM, accessibility_problems, headless_chromium
from tests.support import auth
from tests.support.serving import served
from tests.support.settings import settings_for

playwright_api = pytest.importorskip("playwright.async_api")

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

FITS = """() => {
  const problems = [];
  if (document.documentElement.scrollWidth > innerWidth) problems.push('wider than the screen');
  for (const b of document.querySelectorAll('button')) {
    const box = b.getBoundingClientRect();
    if (box.height < 43.5) problems.push(`button ${box.height} px tall`);
    if (box.left < 0 || box.right > innerWidth) problems.push('button off the screen');
  }
  return problems;
}"""


class Survey:
    def __init__(self, url: str, store: PostgresEventStore) -> None:
        self.url = url
        self.store = store

    async def link_for_a_resolved_complaint(self) -> str:
        complaint_no = new_complaint_no()
        await self.store.append(
            complaint_no, NO_STREAM, history_to(Status.RESOLVED, "quality", complaint_no=complaint_no)
        )
        async with httpx.AsyncClient(base_url=self.url) as client:
            response = await client.post(
                f"/v1/complaints/{complaint_no}/revisit-links",
                json={"send_via": "none"},
                headers=auth.bearer("agent", "customer_service"),
            )
        assert response.status_code == 201, response.text
        return str(response.json()["url"])


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def survey(new_database, kafka_backend) -> AsyncIterator[Survey]:  # type: ignore[no-untyped-def]
    settings = settings_for(await new_database(), kafka_backend)
    await ensure_topics(settings)
    app = create_app(settings, tokens=auth.test_tokens())
    async with served(app, ready_timeout=60) as url:
        yield Survey(url, app.state.runtime.store)


ANSWERED = {"zh-CN": "感谢您的反馈", "en": "Thank you, your answer has been recorded."}
USED = {"zh-CN": "此问卷链接已使用过", "en": "already been used"}


@pytest.mark.skipif(
    not (CHROMIUM.exists() and AXE.exists()) and not os.environ.get("CI"),
    reason="needs the Debian chromium package and axe-core: `make test` installs both",
)
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_the_questionnaire_fits_a_phone_and_is_answered_by_keyboard(survey: Survey, lang: str) -> None:
    url = await survey.link_for_a_resolved_complaint()
    async with headless_chromium() as browser:
        # axe is injected as a script, which the page's own policy (no script at all) forbids
        page = await browser.new_page(viewport={"width": 390, "height": 844}, bypass_csp=True)
        await page.goto(url)
        if lang == "en":
            await page.get_by_role("link", name="English").click()
        assert await page.evaluate("document.documentElement.lang") == lang
        problems = await page.evaluate(FITS) + await accessibility_problems(page)
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / f"questionnaire-{lang}-390.png"), full_page=True)

        # keyboard only: Tab to the first radio of each group, Space to choose, Enter to send
        await page.keyboard.press("Tab")  # the language link
        await page.keyboard.press("Tab")  # solved: yes
        await page.keyboard.press("Space")
        await page.keyboard.press("Tab")  # the score group
        await page.keyboard.press("ArrowDown")  # 1 → 2
        await page.keyboard.press("ArrowDown")  # → 3
        await page.keyboard.press("ArrowDown")  # → 4
        await page.keyboard.press("Tab")  # the comment
        await page.keyboard.type("OK")
        await page.keyboard.press("Tab")  # the upgrade box (left unticked)
        await page.keyboard.press("Tab")  # submit
        async with page.expect_navigation():
            await page.keyboard.press("Enter")
        assert ANSWERED[lang] in await page.inner_text("main")
        problems += [f"answered: {p}" for p in await accessibility_problems(page)]

        await page.goto(url + ("?lang=en" if lang == "en" else ""))
        assert USED[lang] in await page.inner_text("main")
    assert not problems, problems
