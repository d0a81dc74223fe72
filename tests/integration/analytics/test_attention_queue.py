"""The attention queue (GET /v1/attention): headline counts; breached then at-risk complaints with
the stage, deadline, how far overdue (by the service's clock) and the escalation; overdue
revisits apart. The timeline tells each event for people (stage, deadline in local time, level,
score; the receipt time for a backdated complaint). The list searches number, subject, product."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from services.analytics.main import create_app
from shared.clock import FakeClock
from shared.complaints import SlaStage
from shared.messaging.topics import ensure_topics
from tests.builders import (
    accept,
    agent,
    assign,
    at,
    escalate,
    feedback,
    receive,
    resolve,
    schedule_revisit,
    sla_breach,
    sla_warning,
)
from tests.integration.analytics.conftest import (
    Analytics,
    DatabaseFactory,
    analytics_settings,
    story,
)
from tests.support.auth import bearer
from tests.support.auth import test_tokens as tokens_for_tests
from tests.support.backends import Backend
from tests.support.running import running

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NOW = at(days=10)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def fixed(new_database: DatabaseFactory, kafka_backend: Backend) -> AsyncIterator[Analytics]:
    from shared.db.engine import create_engine
    from shared.eventstore import PostgresEventStore

    settings = analytics_settings(await new_database(), kafka_backend)
    await ensure_topics(settings)
    engine = create_engine(settings.database_url, pool_size=2, application_name="tousu-attention-tests")
    app = create_app(settings, clock=FakeClock(NOW), tokens=tokens_for_tests())
    try:
        async with running(app) as client:
            yield Analytics(settings, client, engine, PostgresEventStore(engine), app.state.runtime)
    finally:
        await engine.dispose()


async def test_the_queue_counts_and_tells_what_is_late(fixed: Analytics) -> None:
    owner = agent("quality")
    late = story(
        receive(
            complaint_no="TS-ATT-1",
            subject="冰箱不制冷",
            product_refs=["FR-9"],
            when=at(hours=2),
            received_at=at(),
        ),
        assign("quality"),
        accept(by=owner),
        sla_breach(SlaStage.RESOLUTION, deadline=at(days=3)),
        escalate(level=1, stage=SlaStage.RESOLUTION, when=at(days=3, hours=1)),
    )
    warned = story(
        receive(complaint_no="TS-ATT-2", subject="送货慢"),
        assign("logistics"),
        sla_warning(SlaStage.FIRST_RESPONSE, deadline=at(days=10, hours=5)),
    )
    revisit = story(
        receive(complaint_no="TS-ATT-3", subject="安装师傅迟到"),
        assign("quality"),
        accept(by=owner),
        resolve(by=owner),
        schedule_revisit(due=at(days=4)),
    )
    closed = story(
        receive(complaint_no="TS-ATT-4", subject="电视黑屏"),
        assign("quality"),
        accept(by=owner),
        resolve(by=owner),
        feedback(satisfied=True, score=5),
    )
    versions = {}
    for number, history in (
        ("TS-ATT-1", late),
        ("TS-ATT-2", warned),
        ("TS-ATT-3", revisit),
        ("TS-ATT-4", closed),
    ):
        versions[number] = await fixed.put(number, history)
    await fixed.projected(versions)

    body = (await fixed.client.get("/v1/attention", headers=bearer("operator"))).json()
    assert body["counts"] == {"open": 3, "breached": 1, "at_risk": 1, "overdue_revisits": 1}
    first, second = body["items"]
    assert first["complaint_no"] == "TS-ATT-1" and first["risk_label"]["zh-CN"] == "已超时"
    assert first["stage_label"] == {"zh-CN": "处理完成", "en": "Resolution"}
    assert first["deadline"]["local"].startswith("2026-01-08T09:00")
    assert first["overdue"]["seconds"] == 7 * 86400
    assert first["overdue"]["label"] == {"zh-CN": "超时 7 天 0 小时", "en": "overdue by 7 d 0 h"}
    assert first["escalation_level"] == 1 and first["escalation_label"]["zh-CN"] == "第 1 级 → 主管"
    assert first["department_label"]["en"] == "Quality"
    assert second["complaint_no"] == "TS-ATT-2" and second["risk"] == "at_risk"
    assert second["overdue"]["label"]["en"] == "5 h 0 min left"
    [late_revisit] = body["revisits"]
    assert (
        late_revisit["complaint_no"] == "TS-ATT-3"
        and late_revisit["overdue"]["label"]["en"] == "overdue by 6 d 0 h"
    )

    own = (await fixed.client.get("/v1/attention", headers=bearer("agent", "logistics"))).json()
    assert own["counts"] == {"open": 1, "breached": 0, "at_risk": 1, "overdue_revisits": 0}

    # the timeline, told for people
    detail = (await fixed.client.get("/v1/complaints/TS-ATT-1", headers=bearer("operator"))).json()
    by_type = {entry["type"]: entry for entry in detail["timeline"]}
    received = by_type["ComplaintReceived"]
    assert received["happened_at"]["local"].startswith("2026-01-05T09:00")  # backdated: the receipt
    assert received["occurred_at"]["local"].startswith("2026-01-05T11:00")  # …recorded two hours later
    breach = {d["key"]: d for d in by_type["SlaBreached"]["details"]}
    assert breach["stage"]["value"] == {"zh-CN": "处理完成", "en": "Resolution"}
    assert breach["deadline"]["value"]["en"] == "2026-01-08 09:00"
    assert breach["department"]["value"]["zh-CN"] == "质量部"
    escalation = {d["key"]: d for d in by_type["ComplaintEscalated"]["details"]}
    assert escalation["level"]["value"]["zh-CN"] == "第 1 级"
    happy = (await fixed.client.get("/v1/complaints/TS-ATT-4", headers=bearer("operator"))).json()
    scored = next(e for e in happy["timeline"] if e["type"] == "FeedbackReceived")
    assert {d["key"]: d["value"]["en"] for d in scored["details"]}["score"] == "5 of 5"
    for entry in detail["timeline"] + happy["timeline"]:
        for shown in entry["details"]:
            assert shown["name"]["zh-CN"] and shown["name"]["en"]

    # search by number, subject and product
    async def found(q: str) -> list[str]:
        page = (await fixed.client.get("/v1/complaints", params={"q": q}, headers=bearer("operator"))).json()
        return sorted(item["complaint_no"] for item in page["items"])

    assert await found("att-2") == ["TS-ATT-2"]
    assert await found("不制冷") == ["TS-ATT-1"]
    assert await found("fr-9") == ["TS-ATT-1"]
    assert await found("100%") == []  # LIKE's wildcards are literal
