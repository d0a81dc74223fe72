"""The director's clock: from the report beyond authority until the director's instruction;
an ending complaint stops it, a resolution or reopen does not."""

from __future__ import annotations

import pytest

from services.sla.clocks import Start, Stop, StopReason, transitions
from services.sla.policy import load_policy
from shared.complaints.events import ComplaintClosed, ComplaintReopened, ComplaintResolved
from shared.complaints.stages.beyond_authority import (
    ComplaintReportedBeyondAuthority,
    DirectorInstructionRecorded,
)
from shared.complaints.values import CloseReason, Grade, ReopenTrigger, SlaStage
from shared.durations import IsoDuration
from tests.builders import DEPT, at

pytestmark = pytest.mark.unit

DIRECTOR = SlaStage.DIRECTOR_REPORT


def test_the_report_starts_the_directors_clock() -> None:
    changes = transitions(ComplaintReportedBeyondAuthority(department=DEPT, reason="x"), at(hours=2))

    assert changes == [Stop(DIRECTOR, StopReason.REPORTED_AGAIN), Start(DIRECTOR, at(hours=2), DEPT)]


def test_the_instruction_stops_it() -> None:
    changes = transitions(DirectorInstructionRecorded(instruction="go ahead"), at(hours=3))

    assert changes == [Stop(DIRECTOR, StopReason.DIRECTOR_INSTRUCTED)]


def test_closing_stops_it_resolving_and_reopening_do_not() -> None:
    closed = transitions(ComplaintClosed(reason=CloseReason.SATISFIED), at())
    resolved = transitions(ComplaintResolved(department=DEPT, resolution="done"), at())
    reopened = transitions(
        ComplaintReopened(department=DEPT, reason="x", reopen_count=1, trigger=ReopenTrigger.FEEDBACK), at()
    )

    assert Stop(DIRECTOR, StopReason.CLOSED) in closed
    assert all(getattr(c, "stage", None) is not DIRECTOR for c in [*resolved, *reopened])


@pytest.mark.parametrize("grade", list(Grade))
def test_the_packaged_policy_gives_the_director_24_wall_clock_hours(grade: Grade) -> None:
    target = load_policy().target(grade, DIRECTOR)

    assert target.limit == IsoDuration.hours(24)
    assert target.counting.value == "24x7"
