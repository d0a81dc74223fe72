"""An urgent complaint: routing records GreenChannelOpened and tells the department's head and the
supervisors once, after the commit; a redelivery, a restart or a lost dedupe record tells nobody again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import pytest_asyncio

from services.routing.handlers import GreenChannelOnUrgency
from services.routing.main import create_app
from services.routing.notifier import RecordingNotifier, TokenDirectory
from shared.complaints.values import Grade
from shared.events import Role
from shared.messaging.consumer import HandlerContext
from shared.messaging.topics import ensure_topics
from shared.settings import Settings
from tests.integration.routing.conftest import Routing
from tests.support.auth import test_tokens as the_tokens
from tests.support.running import eventually, running
from tests.support.settings import settings_for

pytestmark = pytest.mark.integration


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def settings(new_database, kafka_backend) -> Settings:  # type: ignore[no-untyped-def]
    settings = settings_for(await new_database(), kafka_backend)
    await ensure_topics(settings)
    return settings


@asynccontextmanager
async def started(settings: Settings, notifier: RecordingNotifier) -> AsyncIterator[Routing]:
    app = create_app(settings, tokens=the_tokens(), notifier=notifier)
    async with running(app) as client:
        yield Routing(client, settings, app.state.runtime)


async def opened(routing: Routing, complaint_no: str) -> list[str]:
    async def found() -> list[str] | None:
        stream = await routing.stream(complaint_no)
        return [e.type for e in stream] if stream[-1].type == "GreenChannelOpened" else None

    return await eventually(found, what=f"{complaint_no} green channel opened")


async def test_told_once_across_redelivery_and_restart(settings: Settings) -> None:
    first = RecordingNotifier()
    async with started(settings, first) as routing:
        received = await routing.receive(grade=Grade.URGENT)
        no = received.stream_id
        assert (await opened(routing, no))[-2:] == ["ComplaintAssigned", "GreenChannelOpened"]
        stream = await routing.stream(no)
        department = stream[1].payload["department"]
        assert stream[-1].payload["notified"] == [f"head-{department}", "test-supervisor"]

        async def told() -> bool:
            return len(first.sent) == 2

        await eventually(told, what="the head and the supervisor told")
        assert [(n.to.role, n.to.subject) for n in first.sent] == [
            (Role.DEPARTMENT_HEAD, f"head-{department}"),
            (Role.SUPERVISOR, "test-supervisor"),
        ]

        # Kafka delivers the assignment again
        green = next(c for c in routing.runtime.consumers if c.name.endswith("routing-green-channel"))
        duplicates = green.duplicates
        await routing.runtime.producer.send_and_wait(
            settings.topic_events, value=stream[1].to_wire(), key=no.encode(), partition=0
        )

        async def seen_again() -> bool:
            return green.duplicates > duplicates

        await eventually(seen_again, what="the redelivery consumed")
        # and the dedupe record is lost: the decision itself knows the department was told
        handler = GreenChannelOnUrgency(first, TokenDirectory(the_tokens()), routing.runtime.clock)
        async with routing.runtime.engine.begin() as conn:
            context = HandlerContext(conn, routing.store.bound(conn))
            await handler.handle([stream[1]], context)
        assert context.committed == []  # nothing decided: nothing to send after the commit

    after_restart = RecordingNotifier()
    async with started(settings, after_restart) as routing:
        later = await routing.receive(grade=Grade.GENERAL)
        await routing.assignment(later.stream_id)  # the restarted consumers have caught up past it
        assert [e.type for e in await routing.stream(no)].count("GreenChannelOpened") == 1

    assert len(first.sent) == 2
    assert after_restart.sent == []


async def test_a_general_complaint_tells_nobody(settings: Settings) -> None:
    notifier = RecordingNotifier()
    async with started(settings, notifier) as routing:
        general = await routing.receive(grade=Grade.GENERAL)
        urgent = await routing.receive(grade=Grade.URGENT)
        await opened(routing, urgent.stream_id)

        assert "GreenChannelOpened" not in [e.type for e in await routing.stream(general.stream_id)]
        assert {n.complaint_no for n in notifier.sent} <= {urgent.stream_id}
