"""The department API is a module-level router: a test replaces its unit of work and clock with
``app.dependency_overrides`` and drives an endpoint with no database and no broker."""

from __future__ import annotations

import httpx
import pytest

from services.routing.main import create_app
from services.routing.rules import parse_rules
from shared.clock import FakeClock
from shared.complaints.values import Status
from shared.eventstore import NO_STREAM
from shared.service.complaint_commands import command_unit_of_work
from shared.service.dependencies import current_clock
from shared.settings import Settings
from tests.builders import at, history_to
from tests.support import auth
from tests.support.unit_of_work import FakeUnitOfWork

pytestmark = pytest.mark.unit

RULES = parse_rules("default_department: quality\nrules: []\n")


async def test_accept_runs_on_the_fake_unit_of_work_and_clock() -> None:
    uow = FakeUnitOfWork()
    await uow.store.append("TS-1", NO_STREAM, history_to(Status.ASSIGNED, complaint_no="TS-1"))
    app = create_app(Settings(), tokens=auth.test_tokens(), rules=RULES)
    app.dependency_overrides[command_unit_of_work] = lambda: uow
    app.dependency_overrides[current_clock] = lambda: FakeClock(at(hours=2))

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        answer = await client.post("/v1/complaints/TS-1/accept", headers=auth.bearer("supervisor"))

    assert answer.status_code == 200, answer.text
    assert answer.json()["events"] == ["ComplaintAccepted"]
    stream = await uow.store.read_stream("TS-1")
    assert stream[-1].type == "ComplaintAccepted"
    assert stream[-1].occurred_at == at(hours=2)
