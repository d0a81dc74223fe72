"""The feedback service running in-process on the real PostgreSQL and broker, once per test module.

Resolved complaints enter by appending their history (received … resolved, at T0) to the store:
the relay inside the app publishes it and the feedback service schedules the revisit. The
service's clock stands one day after T0, before the revisits fall due.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest_asyncio

from services.feedback.main import create_app
from shared.clock import FakeClock
from shared.complaints.values import Status
from shared.events import RecordedEvent
from shared.eventstore import NO_STREAM, PostgresEventStore
from shared.messaging.topics import ensure_topics
from shared.service.runtime import Runtime
from shared.settings import Settings
from tests.builders import T0, history_to, new_complaint_no
from tests.support.auth import bearer, test_tokens
from tests.support.running import eventually, running
from tests.support.settings import settings_for

NOW = T0 + timedelta(days=1)


@dataclass
class Feedback:
    client: httpx.AsyncClient
    settings: Settings
    runtime: Runtime
    clock: FakeClock

    @property
    def store(self) -> PostgresEventStore:
        return self.runtime.store

    async def complaint_in(self, status: Status, department: str = "quality", **received: Any) -> str:
        """A new complaint, taken to ``status`` at T0 by appending its events; returns its number."""
        complaint_no = new_complaint_no()
        events = history_to(status, department, complaint_no=complaint_no, **received)
        await self.store.append(complaint_no, NO_STREAM, events)
        return complaint_no

    async def stream(self, complaint_no: str) -> list[RecordedEvent]:
        return await self.store.read_stream(complaint_no)

    async def event(self, complaint_no: str, event_type: str, count: int = 1) -> RecordedEvent:
        """The ``count``-th event of the type on the complaint's stream, once it is there."""

        async def found() -> RecordedEvent | None:
            matching = [e for e in await self.stream(complaint_no) if e.type == event_type]
            return matching[count - 1] if len(matching) >= count else None

        return await eventually(found, what=f"{event_type} #{count} on {complaint_no}")

    async def revisits(self, **params: Any) -> dict[str, Any]:
        response = await self.client.get("/v1/revisits", params=params, headers=bearer("supervisor"))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def revisit(self, complaint_no: str, version: int = 0) -> dict[str, Any]:
        """The complaint's revisit (pending or done), once the list shows it at ``version`` or later."""

        async def item() -> dict[str, Any] | None:
            page = await self.revisits(status=["pending", "done"], page_size=200)
            found = next((i for i in page["items"] if i["complaint_no"] == complaint_no), None)
            return found if found is not None and found["stream_version"] >= version else None

        return await eventually(item, what=f"revisit of {complaint_no} at version {version}")

    async def give(
        self, complaint_no: str, body: dict[str, Any], role: str = "agent", department: str | None = None
    ) -> httpx.Response:
        """POST the feedback, by default as a customer-service agent recording the revisit call."""
        if role == "agent" and department is None:
            department = "customer_service"
        return await self.client.post(
            f"/v1/complaints/{complaint_no}/feedback", json=body, headers=bearer(role, department)
        )


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def feedback(new_database, kafka_backend) -> AsyncIterator[Feedback]:  # type: ignore[no-untyped-def]
    settings = settings_for(await new_database(), kafka_backend)
    await ensure_topics(settings)
    clock = FakeClock(NOW)
    app = create_app(settings, clock=clock, tokens=test_tokens())
    async with running(app) as client:
        yield Feedback(client, settings, app.state.runtime, clock)
