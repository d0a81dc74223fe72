"""The events topic carries streams of every category: a week's quality inspection
(``inspection-2026-W48``, written by analytics) beside the complaints. Routing, SLA, feedback and
intake handle complaints only: they pass over the inspection's events — published with the
``stream_category`` header — from Kafka and from the store alike, with no dead letter (routing
used to dead-letter them: "no ComplaintReceived") and no effect, while complaints flow as ever."""

from __future__ import annotations

import uuid
from contextlib import AsyncExitStack

import pytest
from sqlalchemy import text

from services.analytics.inspection.events import QualityInspectionSampleDrawn, QualityInspectionScored
from services.feedback.main import create_app as feedback_app
from services.intake.main import create_app as intake_app
from services.routing.main import create_app as routing_app
from services.sla.config import SlaConfig
from services.sla.main import create_app as sla_app
from shared.clock import SystemClock
from shared.db.engine import create_engine
from shared.events import Actor, NewEvent
from shared.events.streams import HEADER, INSPECTION
from shared.eventstore import NO_STREAM
from shared.messaging.consumer import Consumer
from shared.messaging.topics import ensure_topics
from shared.service.runtime import Runtime
from shared.settings import Settings
from tests.builders import as_new, new_complaint_no, received
from tests.integration.messaging.conftest import NewDatabase, OpenReader, wait_until
from tests.integration.sla.support import WALL_CLOCK_POLICY
from tests.support import auth
from tests.support.running import running
from tests.support.settings import role_urls

pytestmark = pytest.mark.integration

ANALYTICS = Actor.service("analytics")


def inspection_events(week: str, complaint_no: str) -> list[NewEvent]:
    drawn = QualityInspectionSampleDrawn(
        week=week,
        seed=7,
        ratio=0.1,
        population=1,
        population_digest="0" * 64,
        complaint_nos=[complaint_no],
    )
    scored = QualityInspectionScored(
        week=week,
        complaint_no=complaint_no,
        department="quality",
        agent=None,
        attitude=20,
        timeliness=20,
        resolution=20,
        accuracy=20,
        total=80,
        passed=True,
        pass_mark=60,
    )
    return [NewEvent.of(event, actor=ANALYTICS, clock=SystemClock()) for event in (drawn, scored)]


def event_consumers(runtimes: list[Runtime]) -> list[Consumer]:
    return [c for runtime in runtimes for c in runtime.consumers if c.events is not None]


async def test_an_inspection_stream_is_passed_over_by_every_complaint_consumer(
    settings: Settings, new_database: NewDatabase, topic_reader: OpenReader
) -> None:
    # the catch-up hands every event to the recipe at once, not after the usual grace: both paths
    url = await new_database()
    settings = settings.model_copy(
        update={"database_url": url, **role_urls(url), "catch_up_grace_seconds": 0.0}
    )
    await ensure_topics(settings)
    apps = [
        routing_app(settings, tokens=auth.test_tokens()),
        sla_app(
            settings,
            tokens=auth.test_tokens(),
            config=SlaConfig(policy_file=WALL_CLOCK_POLICY),
            fire_in_background=False,
        ),
        feedback_app(settings, tokens=auth.test_tokens()),
        intake_app(settings, tokens=auth.test_tokens(), lapse_in_background=False),
    ]
    async with AsyncExitStack() as stack:
        for app in apps:
            await stack.enter_async_context(running(app))
        runtimes: list[Runtime] = [app.state.runtime for app in apps]
        store = runtimes[0].store

        # a complaint first: the loop works (routing assigns it, intake acknowledges it)
        number = new_complaint_no()
        await store.append(number, NO_STREAM, [as_new(received(complaint_no=number))])

        async def looped() -> bool:
            types = [e.type for e in await store.read_stream(number)]
            return "ComplaintAssigned" in types and "ComplaintAcknowledged" in types

        await wait_until(looped, within=30)

        week = f"2026-W48-{uuid.uuid4().hex[:6]}"
        stream = f"inspection-{week}"
        await store.append(stream, NO_STREAM, inspection_events(week, number))
        consumers = event_consumers(runtimes)
        assert {c.name for c in consumers} == {
            "routing",
            "routing-assignments",
            "routing-green-channel",
            "routing-8d",
            "sla",
            "feedback",
            "feedback-revisits",
            "intake",
            "intake-risk",
        }
        # every consumer had both events from Kafka, and passed over the stream
        await wait_until(lambda: all(c._seen.get(stream) == 2 for c in consumers), within=30)
        for runtime in runtimes:
            await runtime.catch_up()  # and from the store

        reader = await topic_reader(settings, settings.topic_events)
        published = [r for r in await reader.poll() if r.key == stream.encode()]
        assert len(published) == 2
        assert all((HEADER, INSPECTION.encode()) in r.headers for r in published)

        owner = create_engine(settings.database_url, pool_size=1)  # sees every service's tables
        async with owner.connect() as conn:
            letters = (await conn.execute(text("SELECT consumer, reason FROM dead_letters"))).all()
            positions = (
                await conn.execute(
                    text("SELECT consumer FROM consumer_positions WHERE stream_id = :s"), {"s": stream}
                )
            ).all()
            effects = {
                table: (
                    await conn.execute(
                        text(f"SELECT count(*) FROM {table} WHERE complaint_no = :s"),
                        {"s": stream},
                    )
                ).scalar_one()
                for table in ("routing_assignments", "sla_deadlines", "revisits")
            }
        await owner.dispose()
        assert letters == [], letters
        assert positions == []  # never even claimed: nothing of it was handled
        assert effects == {"routing_assignments": 0, "sla_deadlines": 0, "revisits": 0}
        assert [e.type for e in await store.read_stream(stream)] == [
            "QualityInspectionSampleDrawn",
            "QualityInspectionScored",
        ]
