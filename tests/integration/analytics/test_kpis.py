"""KPIs, backlog by age, the at-risk list and service volume, computed from projected complaints.

Five complaints with hand-computed figures (docs/kpis.md has the formulas); the app runs with a
fake clock so ages are exact. Local days are Asia/Shanghai: T0 is 2026-01-05 09:00 local.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio

from services.analytics.main import create_app
from shared.clock import FakeClock
from shared.complaints import Channel, SlaStage
from shared.eventstore import PostgresEventStore
from shared.messaging.topics import ensure_topics
from tests.builders import (
    T0,
    accept,
    agent,
    assign,
    feedback,
    not_a_complaint,
    receive,
    resolve,
    sla_breach,
    sla_warning,
)
from tests.integration.analytics.conftest import (
    DatabaseFactory,
    analytics_settings,
    append_history,
    new_number,
    story,
)
from tests.support.auth import bearer
from tests.support.auth import test_tokens as tokens_for_tests
from tests.support.backends import Backend
from tests.support.running import eventually, running

pytestmark = pytest.mark.integration

NOW = T0 + timedelta(hours=49)
RANGE = {"from": "2026-01-05", "to": "2026-01-06"}
SUPERVISOR = bearer("supervisor")


def h(hours: float) -> Any:
    return T0 + timedelta(hours=hours)


@dataclass
class World:
    client: httpx.AsyncClient
    numbers: dict[str, str]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(new_database: DatabaseFactory, kafka_backend: Backend) -> AsyncIterator[World]:
    settings = analytics_settings(await new_database(), kafka_backend)
    await ensure_topics(settings)
    app = create_app(settings, clock=FakeClock(NOW), tokens=tokens_for_tests())
    async with running(app) as client:
        store = PostgresEventStore(app.state.runtime.engine)
        n = {key: new_number() for key in "ABCDE"}
        q, other = agent("quality"), agent("after_sales")
        stories = {
            # closed at first contact after 24 h, score 5
            "A": story(
                receive(complaint_no=n["A"], channel=Channel.HOTLINE),
                assign("quality", when=h(1)),
                accept(by=q, when=h(2)),
                resolve(by=q, when=h(10)),
                feedback(True, 5, when=h(24)),
            ),
            # reopened once, closed after 48 h, last score 4
            "B": story(
                receive(complaint_no=n["B"], channel=Channel.ONLINE),
                assign("quality", when=h(1)),
                accept(by=q, when=h(3)),
                resolve(by=q, when=h(20)),
                feedback(False, 2, when=h(30)),
                accept(by=q, when=h(31)),
                resolve(by=q, when=h(40)),
                feedback(True, 4, when=h(48)),
            ),
            # first response breached, still open at after_sales
            "C": story(
                receive(complaint_no=n["C"], channel=Channel.HOTLINE),
                sla_breach(SlaStage.FIRST_RESPONSE, when=h(13), deadline=h(12)),
                assign("after_sales", when=h(13.5)),
                accept(by=other, when=h(14)),
            ),
            # not a complaint: left out of every rate
            "D": story(receive(complaint_no=n["D"], channel=Channel.HOTLINE), not_a_complaint(when=h(1))),
            # received the next local day, warned, not yet dispatched
            "E": story(
                receive(complaint_no=n["E"], channel=Channel.APP, when=h(36)),
                sla_warning(SlaStage.RESOLUTION, when=h(40)),
            ),
        }
        for key, history in stories.items():
            await append_history(store, n[key], history)
        expected = {n[key]: sum(len(events) for _, events in history) for key, history in stories.items()}

        async def projected() -> bool:
            response = await client.get("/v1/complaints", params={"page_size": 50}, headers=SUPERVISOR)
            versions = {c["complaint_no"]: c["version"] for c in response.json()["items"]}
            return versions == expected

        await eventually(projected, timeout=30, what="five complaints projected")
        yield World(client, n)


def kpis_of(slice_: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k["code"]: k for k in slice_["kpis"]}


async def store_service_volume(world: World) -> None:
    """100 services per channel and day (the complaint rate's denominator); stored again, it
    replaces itself."""
    volume = {
        "entries": [
            {"day": "2026-01-05", "channel": "hotline", "volume": 100},
            {"day": "2026-01-05", "channel": "online", "volume": 100},
            {"day": "2026-01-06", "channel": "app", "volume": 100},
        ]
    }
    put = await world.client.put("/v1/service-volume", json=volume, headers=bearer("operator"))
    assert put.status_code == 200, put.text
    assert put.json() == {"stored": 3}


async def test_kpis_over_the_range_follow_the_documented_formulas(world: World) -> None:
    await store_service_volume(world)

    response = await world.client.get("/v1/kpis", params=RANGE, headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    report = response.json()
    [total] = report["totals"]
    assert (total["received"], total["valid"]) == (5, 4)
    k = kpis_of(total)
    assert k["response_timeliness"]["value"] == pytest.approx(200 / 3, abs=1e-3)
    assert (k["response_timeliness"]["numerator"], k["response_timeliness"]["denominator"]) == (2, 3)
    assert k["response_timeliness"]["rag"] == "red"
    assert k["first_contact_resolution"]["value"] == 50
    assert k["timely_handling"]["value"] == 100
    assert k["timely_handling"]["rag"] == "green"
    assert k["satisfaction"]["value"] == 90
    assert k["satisfaction"]["rag"] == "green"
    assert k["employee_satisfaction"]["value"] is None  # no employee complainant gave feedback
    assert k["complaint_rate"]["value"] == pytest.approx(4 / 3, abs=1e-3)
    assert k["complaint_rate"]["rag"] == "green"
    assert k["formal_resolution"]["value"] == 50
    assert k["sla_breach_rate"]["value"] == 25
    assert k["sla_breach_rate"]["rag"] == "red"
    assert k["reopen_rate"]["value"] == 50
    assert k["handling_time_median"]["value"] == pytest.approx(36)
    assert k["handling_time_p90"]["value"] == pytest.approx(45.6)
    assert [(s["period"], s["received"]) for s in report["series"]] == [("2026-01-05", 4), ("2026-01-06", 1)]


async def test_kpis_sliced_by_channel_and_by_month(world: World) -> None:
    await store_service_volume(world)
    response = await world.client.get("/v1/kpis", params={**RANGE, "by": "channel"}, headers=SUPERVISOR)
    totals = {s["group"]: s for s in response.json()["totals"]}
    assert {g: s["received"] for g, s in totals.items()} == {"hotline": 3, "online": 1, "app": 1}
    assert totals["hotline"]["group_label"] == {"zh-CN": "客服热线", "en": "Hotline"}
    assert kpis_of(totals["hotline"])["complaint_rate"]["value"] == 2  # A and C of 100
    month = await world.client.get("/v1/kpis", params={**RANGE, "granularity": "month"}, headers=SUPERVISOR)
    assert [(s["period"], s["received"]) for s in month.json()["series"]] == [("2026-01-01", 5)]
    filtered = await world.client.get("/v1/kpis", params={**RANGE, "channel": "app"}, headers=SUPERVISOR)
    assert filtered.json()["totals"][0]["received"] == 1


async def test_an_agent_gets_the_kpis_of_their_department_only(world: World) -> None:
    response = await world.client.get("/v1/kpis", params=RANGE, headers=bearer("agent", "quality"))
    report = response.json()
    assert report["department_scope"] == "quality"
    assert report["totals"][0]["received"] == 2  # A and B


async def test_backlog_by_department_and_age(world: World) -> None:
    response = await world.client.get("/v1/backlog", headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    backlog = response.json()
    assert backlog["total"] == 2
    rows = {d["department"]: d for d in backlog["departments"]}
    assert {code: [b["count"] for b in row["buckets"]] for code, row in rows.items()} == {
        "after_sales": [0, 1, 0, 0],  # C, 49 h old
        None: [1, 0, 0, 0],  # E, 13 h old
    }
    assert rows["after_sales"]["oldest_hours"] == 49
    assert [b["code"] for b in backlog["buckets"]] == ["lt_24h", "24h_72h", "72h_168h", "ge_168h"]


async def test_at_risk_list_puts_breached_first_and_filters(world: World) -> None:
    response = await world.client.get("/v1/at-risk", headers=SUPERVISOR)
    items = response.json()["items"]
    assert [(i["complaint"]["complaint_no"], i["risk"]) for i in items] == [
        (world.numbers["C"], "breached"),
        (world.numbers["E"], "at_risk"),
    ]
    quality = await world.client.get("/v1/at-risk", headers=bearer("agent", "quality"))
    assert quality.json() == {"items": [], "total": 0}


async def test_bad_input_is_a_4xx_with_a_machine_readable_body(world: World) -> None:
    reversed_range = await world.client.get(
        "/v1/kpis", params={"from": "2026-02-01", "to": "2026-01-01"}, headers=SUPERVISOR
    )
    assert reversed_range.status_code == 422
    assert reversed_range.json()["error"] == "invalid_range"
    bad_by = await world.client.get("/v1/kpis", params={"by": "colour"}, headers=SUPERVISOR)
    assert bad_by.status_code == 422 and bad_by.json()["error"] == "invalid_request"
    unknown_channel = await world.client.put(
        "/v1/service-volume",
        json={"entries": [{"day": "2026-01-05", "channel": "pigeon", "volume": 1}]},
        headers=bearer("operator"),
    )
    assert unknown_channel.status_code == 422 and unknown_channel.json()["error"] == "unknown_channel"
    agent_put = await world.client.put(
        "/v1/service-volume",
        json={"entries": [{"day": "2026-01-05", "channel": "app", "volume": 1}]},
        headers=bearer("agent", "quality"),
    )
    assert agent_put.status_code == 403
    assert (await world.client.get("/v1/kpis")).status_code == 401
