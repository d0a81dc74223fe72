"""The routing service running in-process on the real PostgreSQL and broker, once per test module.

Complaints enter by appending ComplaintReceived to the store (no intake service): the relay
inside the routing app publishes it, and routing's consumers take it from there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio

from services.routing.main import create_app
from shared.complaints.values import Status
from shared.events import RecordedEvent
from shared.eventstore import NO_STREAM, PostgresEventStore
from shared.messaging.topics import ensure_topics
from shared.service.runtime import Runtime
from shared.settings import Settings
from tests.builders import as_new, new_complaint_no, received
from tests.support.auth import bearer, test_tokens
from tests.support.running import eventually, running
from tests.support.settings import settings_for

ALL_STATUSES = [s.value for s in Status]


@dataclass
class Routing:
    client: httpx.AsyncClient
    settings: Settings
    runtime: Runtime

    @property
    def store(self) -> PostgresEventStore:
        return self.runtime.store

    async def receive(self, **fields: Any) -> RecordedEvent:
        """Append a new complaint's ComplaintReceived (builder defaults: a customer's product-quality
        complaint from the hotline); returns the stored event."""
        no = new_complaint_no()
        result = await self.store.append(no, NO_STREAM, [as_new(received(complaint_no=no, **fields))])
        return result.events[0]

    async def stream(self, complaint_no: str) -> list[RecordedEvent]:
        return await self.store.read_stream(complaint_no)

    async def assignment(self, complaint_no: str) -> RecordedEvent:
        """The complaint's ComplaintAssigned, once routing has recorded it."""

        async def assigned() -> RecordedEvent | None:
            return next((e for e in await self.stream(complaint_no) if e.type == "ComplaintAssigned"), None)

        return await eventually(assigned, what=f"{complaint_no} assigned")

    async def listing(self, department: str, **params: Any) -> dict[str, Any]:
        """GET the department's assignments as its supervisor would."""
        response = await self.client.get(
            f"/v1/departments/{department}/assignments", params=params, headers=bearer("supervisor")
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def listed(self, department: str, complaint_no: str, version: int | None = None) -> dict[str, Any]:
        """The complaint's item in the department's list (any status), once the projection shows it
        (at ``version`` or later, when given)."""

        async def item() -> dict[str, Any] | None:
            page = await self.listing(department, status=ALL_STATUSES, page_size=200)
            found = next((i for i in page["items"] if i["complaint_no"] == complaint_no), None)
            if found is None or (version is not None and found["stream_version"] < version):
                return None
            return found

        return await eventually(item, what=f"{complaint_no} listed for {department}")

    async def assigned(self, **fields: Any) -> tuple[str, str]:
        """A received complaint, once assigned and listed; returns (complaint number, department)."""
        complaint_no = (await self.receive(**fields)).stream_id
        assignment = await self.assignment(complaint_no)
        department = assignment.payload["department"]
        await self.listed(department, complaint_no, assignment.stream_version)
        return complaint_no, department

    async def act(
        self, complaint_no: str, action: str, body: dict[str, Any] | None = None, **who: Any
    ) -> httpx.Response:
        """POST /v1/complaints/{no}/{action} as ``who`` (default: an agent of quality)."""
        role = who.get("role", "agent")
        department = who.get("department", "quality" if role == "agent" else None)
        return await self.client.post(
            f"/v1/complaints/{complaint_no}/{action}",
            json=body if body is not None else {},
            headers=bearer(role, department),
        )


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def routing(new_database, kafka_backend) -> AsyncIterator[Routing]:  # type: ignore[no-untyped-def]
    settings = settings_for(await new_database(), kafka_backend)
    await ensure_topics(settings)
    app = create_app(settings, tokens=test_tokens())
    async with running(app) as client:
        yield Routing(client, settings, app.state.runtime)
