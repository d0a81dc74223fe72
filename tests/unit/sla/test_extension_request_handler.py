"""The extension-request handler on a fake unit of work and fake running clocks: a request
within the maximum is recorded; no running clock, an extension past the maximum or another
department's complaint records nothing."""

from __future__ import annotations

from datetime import datetime

import pytest

from services.sla.deadlines import DeadlinePlanner
from services.sla.handlers import ExtensionOverMaximum, NoRunningClock, request_extension
from services.sla.policy import parse_policy
from services.sla.repository import Deadline
from services.sla.schemas import Consent, ExtensionRequest
from shared.clock import FakeClock
from shared.complaints import SlaStage, Status
from shared.durations import IsoDuration
from shared.events import Role
from shared.eventstore import NO_STREAM
from shared.eventstore.complaint_handling import ComplaintNotFound
from shared.service.auth import Principal
from tests.builders import DEPT, OTHER_DEPT, history_to
from tests.support.unit_of_work import FakeUnitOfWork
from tests.unit.sla.calendars import CN, sh
from tests.unit.sla.running_clocks import a_running_clock

pytestmark = pytest.mark.unit

PLANNER = DeadlinePlanner(
    parse_policy(
        """
grades:
  general: {resolution: {limit: P3D, counting: working}, first_response: PT24H}
  complex: {first_response: PT24H, resolution: P5D}
  urgent: {first_response: PT4H, resolution: PT24H}
max_extension:
  resolution: P2D
"""
    ),
    calendar=CN,
)
NOW = sh(2026, 1, 5, 10)  # a Monday
AGENT = Principal(subject="agent-1", role=Role.AGENT, department=DEPT)


def running(due_at: datetime) -> Deadline:
    return a_running_clock(department=DEPT, started_at=NOW, due_at=due_at)


class Clocks:
    def __init__(self, clock: Deadline | None) -> None:
        self.clock = clock

    async def running(self, complaint_no: str, stage: SlaStage, before_version: int) -> Deadline | None:
        return self.clock


def ask(extension: str) -> ExtensionRequest:
    return ExtensionRequest(
        stage=SlaStage.RESOLUTION,
        extension=IsoDuration.parse(extension),
        reason="需等待供应商检测报告",
        consent=Consent(via="phone", at=NOW),
    )


async def accepted() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    await uow.store.append("TS-1", NO_STREAM, history_to(Status.ACCEPTED, complaint_no="TS-1"))
    return uow


async def test_a_request_within_the_maximum_is_recorded() -> None:
    uow = await accepted()
    clocks = Clocks(running(sh(2026, 1, 9, 17)))

    outcome = await request_extension(uow, clocks, PLANNER, FakeClock(NOW), AGENT, "TS-1", ask("P1D"))

    assert [type(e).__name__ for e in outcome.decided] == ["SlaExtensionRequested"]
    assert (await uow.store.read_stream("TS-1"))[-1].type == "SlaExtensionRequested"


@pytest.mark.parametrize(
    ("clock", "extension", "refused"),
    [(None, "P1D", NoRunningClock), (running(sh(2026, 1, 9, 17)), "P3D", ExtensionOverMaximum)],
)
async def test_refused_before_deciding_records_nothing(
    clock: Deadline | None, extension: str, refused: type[Exception]
) -> None:
    uow = await accepted()
    before = await uow.store.read_stream("TS-1")

    with pytest.raises(refused):
        await request_extension(uow, Clocks(clock), PLANNER, FakeClock(NOW), AGENT, "TS-1", ask(extension))

    assert await uow.store.read_stream("TS-1") == before


async def test_another_departments_complaint_is_not_found() -> None:
    uow = await accepted()
    other = Principal(subject="agent-2", role=Role.AGENT, department=OTHER_DEPT)

    with pytest.raises(ComplaintNotFound):
        await request_extension(
            uow, Clocks(running(sh(2026, 1, 9, 17))), PLANNER, FakeClock(NOW), other, "TS-1", ask("P1D")
        )
