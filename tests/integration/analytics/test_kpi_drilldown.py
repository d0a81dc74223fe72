"""A KPI tile's complaints: GET /v1/kpis/{kpi}/complaints lists exactly the complaints the figure
counts, and the ones in its numerator, for every KPI, with the tile's own filters and range."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio

from services.analytics.kpis.targets import Kpi
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
OPERATOR = bearer("operator")


def h(hours: float) -> Any:
    return T0 + timedelta(hours=hours)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def client(new_database: DatabaseFactory, kafka_backend: Backend) -> AsyncIterator[httpx.AsyncClient]:
    settings = analytics_settings(await new_database(), kafka_backend)
    await ensure_topics(settings)
    app = create_app(settings, clock=FakeClock(NOW), tokens=tokens_for_tests())
    async with running(app) as http:
        store = PostgresEventStore(app.state.runtime.engine)
        q, other = agent("quality"), agent("after_sales")
        n = [new_number() for _ in range(4)]
        stories = {
            n[0]: story(  # closed at first contact, score 5
                receive(complaint_no=n[0], channel=Channel.HOTLINE),
                assign("quality", when=h(1)),
                accept(by=q, when=h(2)),
                resolve(by=q, when=h(10)),
                feedback(True, 5, when=h(24)),
            ),
            n[1]: story(  # reopened once, then closed
                receive(complaint_no=n[1], channel=Channel.ONLINE),
                assign("quality", when=h(1)),
                accept(by=q, when=h(3)),
                resolve(by=q, when=h(20)),
                feedback(False, 2, when=h(30)),
                accept(by=q, when=h(31)),
                resolve(by=q, when=h(40)),
                feedback(True, 4, when=h(48)),
            ),
            n[2]: story(  # first response breached, open at after_sales
                receive(complaint_no=n[2], channel=Channel.HOTLINE),
                sla_breach(SlaStage.FIRST_RESPONSE, when=h(13), deadline=h(12)),
                assign("after_sales", when=h(13.5)),
                accept(by=other, when=h(14)),
            ),
            n[3]: story(receive(complaint_no=n[3], channel=Channel.HOTLINE), not_a_complaint(when=h(1))),
        }
        for no, history in stories.items():
            await append_history(store, no, history)

        async def projected() -> bool:
            listed = await http.get("/v1/complaints", params={"page_size": 100}, headers=OPERATOR)
            return {c["complaint_no"]: c["version"] for c in listed.json()["items"]} == {
                no: sum(len(e) for _, e in history) for no, history in stories.items()
            }

        await eventually(projected, timeout=30, what="four complaints projected")
        yield http


@pytest.mark.parametrize(
    "params", [RANGE, {**RANGE, "channel": "hotline"}, {**RANGE, "department": "quality"}]
)
async def test_every_kpis_complaints_add_up_to_its_tile(
    client: httpx.AsyncClient, params: dict[str, str]
) -> None:
    tiles = (await client.get("/v1/kpis", params=params, headers=OPERATOR)).json()["totals"][0]["kpis"]
    for tile in tiles:
        listed = await client.get(
            f"/v1/kpis/{tile['code']}/complaints", params={**params, "page_size": 100}, headers=OPERATOR
        )
        assert listed.status_code == 200, listed.text
        body = listed.json()
        inside = [i for i in body["items"] if i["in_numerator"]]
        if tile["code"] == Kpi.COMPLAINT_RATE:  # over service volume: the complaints are the numerator
            assert body["counted"] == tile["numerator"], tile
        elif tile["code"] in (
            Kpi.SATISFACTION,
            Kpi.EMPLOYEE_SATISFACTION,
            Kpi.HANDLING_TIME_MEDIAN,
            Kpi.HANDLING_TIME_P90,
        ):
            assert body["counted"] == tile["denominator"], tile
            assert body["numerator"] is None and all(i["value"] is not None for i in body["items"])
        else:
            assert (body["counted"], body["numerator"]) == (tile["denominator"], tile["numerator"]), tile
            assert len(inside) == tile["numerator"]
            assert all(i["outcome_label"]["zh-CN"] and i["outcome_label"]["en"] for i in body["items"])
        assert body["total"] == len(body["items"]) == body["counted"]


async def test_the_rest_are_the_ones_that_missed(client: httpx.AsyncClient) -> None:
    late = await client.get(
        "/v1/kpis/response_timeliness/complaints", params={**RANGE, "part": "rest"}, headers=OPERATOR
    )
    [item] = late.json()["items"]
    assert item["complaint"]["department"] == "after_sales"
    assert item["in_numerator"] is False
    assert item["outcome_label"] == {"zh-CN": "响应超时", "en": "Response late"}
    assert item["complaint"]["complainant"]["name"] != "张伟"  # operators see personal data masked


async def test_an_agent_sees_their_own_department_only(client: httpx.AsyncClient) -> None:
    listed = await client.get(
        "/v1/kpis/response_timeliness/complaints", params=RANGE, headers=bearer("agent", "after_sales")
    )
    assert {i["complaint"]["department"] for i in listed.json()["items"]} == {"after_sales"}


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/kpis/no_such_kpi/complaints", RANGE),
        ("/v1/kpis/satisfaction/complaints", {"from": "2026-01-06", "to": "2026-01-05"}),
        ("/v1/kpis/satisfaction/complaints", {"part": "some"}),
        ("/v1/kpis/satisfaction/complaints", {"from": "1999-12-31"}),
    ],
)
async def test_bad_parameters_are_refused(
    client: httpx.AsyncClient, path: str, params: dict[str, str]
) -> None:
    refused = await client.get(path, params=params, headers=OPERATOR)
    assert refused.status_code == 422, refused.text


async def test_channels_read_nothing(client: httpx.AsyncClient) -> None:
    assert (
        await client.get("/v1/kpis/satisfaction/complaints", headers=bearer("channel"))
    ).status_code == 403
