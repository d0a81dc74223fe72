"""The analytics routers are module-level and reach the read models, the clock and the settings
only through FastAPI dependencies: a test swaps any of them with ``app.dependency_overrides``,
without a database. The apps are not started."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from services.analytics import dependencies
from services.analytics.attention.models import Attention, AttentionCounts
from services.analytics.complaints.queries import Counts, Filters
from services.analytics.main import create_app
from shared.clock import FixedClock
from shared.service.dependencies import current_clock
from shared.settings import Settings
from tests.support import auth

pytestmark = [pytest.mark.unit, pytest.mark.asyncio]

NOW = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


class CountingReadModel:
    """Stands in for the complaint read model: fixed counts, and the scope it was asked for."""

    def __init__(self) -> None:
        self.scopes: list[str | None] = []

    async def counts(self, scope_department: str | None) -> list[Counts]:
        self.scopes.append(scope_department)
        return [
            Counts(dimension=None, code=None, count=3, open=2, breaches=1, breached=1),
            Counts(dimension="department", code="finance", count=3, open=2, breaches=1, breached=1),
        ]


class RecordingQueue:
    """Stands in for the attention queue: empty, and the instant it was measured at."""

    def __init__(self) -> None:
        self.asked_at: list[datetime] = []

    async def attention(self, filters: Filters, now: datetime, limit: int) -> Attention:
        self.asked_at.append(now)
        return Attention.model_validate(
            {
                "counts": AttentionCounts(open=0, breached=0, at_risk=0, overdue_revisits=0),
                "items": [],
                "revisits": [],
                "now": {"utc": now, "local": now.isoformat()},
            }
        )


@pytest_asyncio.fixture
async def app() -> AsyncIterator[FastAPI]:
    app = create_app(Settings(), tokens=auth.test_tokens())
    yield app
    app.dependency_overrides.clear()


async def get(app: FastAPI, path: str, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service") as client:
        return await client.get(path, headers=headers)


async def test_the_stats_come_from_the_read_model_the_test_puts_in(app: FastAPI) -> None:
    read_model = CountingReadModel()
    app.dependency_overrides[dependencies.complaint_read_model] = lambda: read_model

    response = await get(app, "/v1/stats", auth.bearer("agent", "finance"))

    assert response.status_code == 200
    assert read_model.scopes == ["finance"]  # an agent's figures cover their own department only
    body = response.json()
    assert (body["total"], body["open_backlog"], body["sla_breaches"]) == (3, 2, 1)
    assert [item["code"] for item in body["by_department"]] == ["finance"]


async def test_the_attention_queue_is_measured_at_the_clock_the_test_puts_in(app: FastAPI) -> None:
    queue = RecordingQueue()
    app.dependency_overrides[dependencies.attention_read_model] = lambda: queue
    app.dependency_overrides[current_clock] = lambda: FixedClock(NOW)

    response = await get(app, "/v1/attention", auth.bearer("supervisor"))

    assert response.status_code == 200
    assert queue.asked_at == [NOW]
    assert response.json()["now"]["utc"] == "2026-03-02T01:30:00Z"
