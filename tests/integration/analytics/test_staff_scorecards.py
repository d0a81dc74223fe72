"""Staff scorecards from a month of real events: each incident charged to whoever held the
complaint then (a later transfer does not move it), the points along the chain, and who may see
whose scorecard — the person, their department's head, their superiors, supervisors and
operators — over HTTP and in the
operators' monthly report only."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio

from services.analytics.main import create_app
from shared.clock import FakeClock
from shared.complaints import SlaStage
from shared.events import Role
from shared.eventstore import PostgresEventStore
from shared.messaging.topics import ensure_topics
from shared.service.auth import TokenEntry, TokenRegistry
from tests.builders import (
    accept,
    agent,
    assign,
    feedback,
    receive,
    resolve,
    sla_breach,
    supervisor,
    transfer,
)
from tests.integration.analytics.conftest import (
    DatabaseFactory,
    History,
    analytics_settings,
    new_number,
    story,
)
from tests.integration.analytics.conftest import append_history as put_history
from tests.support.auth import bearer
from tests.support.auth import test_token_entries as base_entries
from tests.support.backends import Backend
from tests.support.running import eventually, running

pytestmark = pytest.mark.integration

MARCH = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
PEOPLE = {
    "agent-wang": ("after_sales", "王芳"),
    "agent-li": ("after_sales", None),
    "agent-zhao": ("logistics", "赵磊"),
}
HEAD = "head-after_sales"  # the after-sales department_head token of tests/support/auth.py
HEAD_TOKEN = bearer("department_head", "after_sales")


def h(hours: float, start: datetime = MARCH) -> datetime:
    return start + timedelta(hours=hours)


def token(subject: str) -> dict[str, str]:
    return {"Authorization": f"Bearer staff-token-{subject}-0123456789"}


def signed_in(subject: str) -> dict[str, str]:
    """The headers of a person: a department's head by their department_head token."""
    if subject.startswith("head-"):
        return bearer("department_head", subject.removeprefix("head-"))
    return token(subject)


def tokens() -> TokenRegistry:
    entries = [
        TokenEntry(
            token=token(subject)["Authorization"].removeprefix("Bearer "),
            subject=subject,
            role=Role.AGENT,
            department=department,
            name=name,
        )
        for subject, (department, name) in PEOPLE.items()
    ]
    return TokenRegistry([*base_entries(), *entries])


def month_of_events() -> list[tuple[str, History]]:
    wang, li, zhao = (
        agent("after_sales", "agent-wang"),
        agent("after_sales", "agent-li"),
        agent("logistics", "agent-zhao"),
    )
    first, second, february = new_number(), new_number(), new_number()
    return [
        # wang handles it, the complainant is dissatisfied (and it is reopened); then it moves to logistics
        (
            first,
            story(
                receive(complaint_no=first, when=h(0)),
                assign("after_sales", when=h(1)),
                accept(by=wang, when=h(2)),
                resolve(by=wang, when=h(10)),
                feedback(False, 2, when=h(20)),
                transfer("logistics", by=supervisor(), when=h(21)),
                accept(by=zhao, when=h(22)),
            ),
        ),
        (
            second,
            story(
                receive(complaint_no=second, when=h(30)),
                assign("after_sales", when=h(31)),
                accept(by=li, when=h(32)),
                sla_breach(SlaStage.RESOLUTION, when=h(40), deadline=h(39)),
            ),
        ),
        # a breach in February is not March's
        (
            february,
            story(
                receive(complaint_no=february, when=h(-480)),
                assign("after_sales", when=h(-479)),
                accept(by=wang, when=h(-478)),
                sla_breach(SlaStage.RESOLUTION, when=h(-470), deadline=h(-471)),
            ),
        ),
    ]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def client(new_database: DatabaseFactory, kafka_backend: Backend) -> AsyncIterator[httpx.AsyncClient]:
    settings = analytics_settings(await new_database(), kafka_backend)
    await ensure_topics(settings)
    app = create_app(settings, clock=FakeClock(datetime(2026, 4, 2, tzinfo=UTC)), tokens=tokens())
    async with running(app) as client:
        store = PostgresEventStore(app.state.runtime.engine)
        expected = {
            number: await put_history(store, number, history) for number, history in month_of_events()
        }

        async def projected() -> bool:
            response = await client.get(
                "/v1/complaints", params={"page_size": 50}, headers=bearer("supervisor")
            )
            return {c["complaint_no"]: c["version"] for c in response.json()["items"]} == expected

        await eventually(projected, timeout=30, what="the month's complaints projected")
        yield client


async def people(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    response = await client.get("/v1/scorecards/staff?month=2026-03", headers=headers)
    assert response.status_code == 200, response.text
    return {p["person"]: p for p in response.json()["people"]}


async def test_each_person_is_charged_along_the_chain_for_what_they_held(client: httpx.AsyncClient) -> None:
    cards = await people(client, bearer("operator"))
    wang = cards["agent-wang"]
    assert (wang["score"], wang["deducted"], wang["rating"], wang["name"]) == (95, 5, "excellent", "王芳")
    assert wang["handled"] == {"breach": 0, "reopen": 1, "dissatisfied": 1, "failed_inspection": 0}
    assert wang["rating_label"] == {"zh-CN": "优秀", "en": "Excellent"}
    assert cards["agent-li"]["deducted"] == 2 and cards["agent-li"]["name"] is None
    assert cards[HEAD]["deducted"] == 3.5
    assert cards["ops-director"]["deducted"] == pytest.approx(2.1)
    assert cards["coo"]["deducted"] == pytest.approx(0.7)
    # zhao holds the complaint now, but nothing happened while he did
    assert (cards["agent-zhao"]["score"], cards["agent-zhao"]["charges"]) == (100, 0)
    assert next(iter(cards)) == "agent-wang"  # lowest score first

    departments = (await client.get("/v1/scorecards?month=2026-03", headers=bearer("operator"))).json()
    by_code = {d["department"]: d for d in departments["departments"]}
    assert by_code["after_sales"]["incidents"] == {
        "breach": 1,
        "reopen": 1,
        "dissatisfied": 1,
        "failed_inspection": 0,
    }
    assert "logistics" not in by_code or by_code["logistics"]["deducted"] == 0
    responsible = {
        c["person"]: c["deducted"] for c in by_code["after_sales"]["chain"] if c["link"] == "responsible"
    }
    assert responsible == {"agent-wang": 5, "agent-li": 2}


async def test_one_persons_incidents_name_the_complaints_in_both_languages(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/scorecards/staff/agent-wang?month=2026-03", headers=token("agent-wang"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(i["incident"], i["link"], i["department"], i["points"]) for i in body["incidents"]] == [
        ("dissatisfied", "responsible", "after_sales", 2),
        ("reopen", "responsible", "after_sales", 3),
    ]
    first = body["incidents"][0]
    assert first["incident_label"] == {"zh-CN": "回访不满意", "en": "Dissatisfied at the revisit"}
    assert first["link_label"]["zh-CN"] == "责任人" and first["department_label"]["en"]
    assert first["at"]["local"].startswith("2026-03-04T")  # h(20): 22:00 UTC → next day in Shanghai
    head = (await client.get(f"/v1/scorecards/staff/{HEAD}?month=2026-03", headers=HEAD_TOKEN)).json()
    assert {i["link"] for i in head["incidents"]} == {"department_head"} and len(head["incidents"]) == 3


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("agent-wang", {"agent-wang"}),
        ("agent-zhao", {"agent-zhao"}),
        (HEAD, {"agent-wang", "agent-li", HEAD, "agent-after_sales"}),  # their department, not upwards
        ("head-logistics", {"agent-zhao", "head-logistics", "agent-logistics"}),
    ],
)
async def test_agents_see_themselves_and_heads_their_department(
    client: httpx.AsyncClient, who: str, sees: set[str]
) -> None:
    assert set(await people(client, signed_in(who))) == sees


async def test_a_head_reads_only_their_departments_scorecard(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/scorecards?month=2026-03", headers=HEAD_TOKEN)
    assert response.status_code == 200, response.text
    assert [d["department"] for d in response.json()["departments"]] == ["after_sales"]


async def test_supervisors_and_operators_see_everybody_auditors_nobody(client: httpx.AsyncClient) -> None:
    everybody = await people(client, bearer("operator"))
    assert set(await people(client, bearer("supervisor"))) == set(everybody)
    assert {"agent-wang", HEAD, "coo", "agent-quality", "head-quality"} <= set(everybody)
    for role in ("auditor", "channel"):
        refused = await client.get("/v1/scorecards/staff?month=2026-03", headers=bearer(role))
        assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
        one = await client.get("/v1/scorecards/staff/agent-wang?month=2026-03", headers=bearer(role))
        assert one.status_code == 403


@pytest.mark.parametrize(
    ("viewer", "person", "status"),
    [
        ("agent-li", "agent-wang", 404),  # a colleague
        ("agent-wang", HEAD, 404),  # not upwards
        ("agent-zhao", "agent-wang", 404),  # another department
        (HEAD, "agent-wang", 200),
        (HEAD, "agent-zhao", 404),  # another department's
        (HEAD, "ops-director", 404),  # not upwards
        ("head-logistics", "agent-wang", 404),  # another department's head
    ],
)
async def test_nobody_else_sees_a_persons_scorecard(
    client: httpx.AsyncClient, viewer: str, person: str, status: int
) -> None:
    response = await client.get(f"/v1/scorecards/staff/{person}?month=2026-03", headers=signed_in(viewer))
    assert response.status_code == status, response.text
    if status == 404:
        assert response.json()["error"] == "person_not_found"


async def test_unknown_people_and_bad_months_are_refused(client: httpx.AsyncClient) -> None:
    unknown = await client.get("/v1/scorecards/staff/nobody?month=2026-03", headers=bearer("operator"))
    assert unknown.status_code == 404
    bad = await client.get("/v1/scorecards/staff?month=2026-13", headers=bearer("operator"))
    assert bad.status_code == 422
    april = await client.get("/v1/scorecards/staff", headers=bearer("operator"))  # this month, by the clock
    assert april.status_code == 200 and april.json()["month"] == "2026-04"
    assert all(p["charges"] == 0 for p in april.json()["people"])


async def test_only_the_operators_report_names_staff(client: httpx.AsyncClient) -> None:
    def staff_rows(text: str) -> list[list[str]]:
        return [row for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) if row[0] == "staff"]

    operator = await client.get("/v1/reports/monthly?month=2026-03", headers=bearer("operator"))
    rows = staff_rows(operator.text)
    assert rows[0][:10] == [
        "staff",
        "2026-03",
        "agent-wang",
        "王芳",
        "王芳",
        "score",
        "考核得分",
        "Score",
        "points",
        "95",
    ]
    assert any(r[2] == "agent-wang" and r[5] == "rating" and r[-1] == "excellent" for r in rows)
    supervisor_report = await client.get("/v1/reports/monthly?month=2026-03", headers=bearer("supervisor"))
    assert supervisor_report.status_code == 200 and staff_rows(supervisor_report.text) == []
    assert "scorecard,2026-03,after_sales" in supervisor_report.text
