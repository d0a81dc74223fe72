"""The table of which events start, stop and move the SLA clocks (services/sla/README.md) is
rendered from `transitions` itself, so the rules are stated once, in code.

When the rules change, rewrite the table with

    TOUSU_UPDATE_DOCS=1 .venv/bin/pytest tests/unit/sla/test_clock_rules_are_documented.py
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest

from services.sla.clocks import (
    CLOCK_EVENTS,
    COOPERATION_STAGES,
    EIGHT_D,
    FOLLOWS_OWNER,
    PAUSABLE,
    WORK_STAGES,
    Change,
    Extend,
    Pause,
    Reassign,
    Regrade,
    Resume,
    Start,
    Stop,
    transitions,
)
from shared.complaints import (
    ComplaintAccepted,
    ComplaintAcknowledged,
    ComplaintAssigned,
    ComplaintClosed,
    ComplaintClosedAsNotAComplaint,
    ComplaintMerged,
    ComplaintPutOnHold,
    ComplaintRegraded,
    ComplaintReopened,
    ComplaintResolved,
    ComplaintResumed,
    ComplaintTransferred,
    ComplaintWithdrawn,
    FeedbackReceived,
    Grade,
    ProgressKind,
    ProgressRecorded,
    ReopenTrigger,
    SlaExtensionApproved,
    SlaStage,
)
from shared.complaints.stages.beyond_authority import (
    ComplaintReportedBeyondAuthority,
    DirectorInstructionRecorded,
)
from shared.complaints.stages.cooperation import (
    ContributionRecorded,
    ContributionsWaived,
    CooperationAccepted,
    CooperationRequested,
    CooperationWithdrawn,
)
from shared.complaints.stages.eight_d import EightDCaseClosed, EightDCaseOpened, EightDDisciplineRecorded
from shared.complaints.values import CloseReason, Discipline, EightDTrigger
from shared.events import Event
from tests.builders import COOP_DEPT, DEPT, OTHER_DEPT, at, history, received

pytestmark = pytest.mark.unit

README = Path(__file__).resolve().parents[3] / "services" / "sla" / "README.md"
BEGIN, END = "<!-- clock-rules: begin -->", "<!-- clock-rules: end -->"

RECEIVED_AT = at(0)
WHEN = at(hours=5)
"""Later than the receipt, so a clock started from ``received_at`` shows as such."""

SAMPLES: list[tuple[str, Event]] = [
    ("`ComplaintReceived`", received(received_at=RECEIVED_AT)),
    ("`ComplaintReceived`, imported still open", received(received_at=RECEIVED_AT, imported=history("open"))),
    (
        "`ComplaintReceived`, imported resolved or closed",
        received(received_at=RECEIVED_AT, imported=history()),
    ),
    ("`ComplaintAcknowledged`", ComplaintAcknowledged(via="sms", message_key="ack")),
    ("`ComplaintAssigned`", ComplaintAssigned(department=DEPT, rule="r1")),
    ("`ComplaintAccepted`", ComplaintAccepted(department=DEPT, agent="a")),
    (
        "`ProgressRecorded` with `kind: plan`",
        ProgressRecorded(department=DEPT, note="plan", kind=ProgressKind.PLAN),
    ),
    ("`ProgressRecorded`, any other kind", ProgressRecorded(department=DEPT, note="update")),
    (
        "`ComplaintTransferred`",
        ComplaintTransferred(from_department=DEPT, to_department=OTHER_DEPT, reason="x"),
    ),
    ("`ComplaintPutOnHold`", ComplaintPutOnHold(department=DEPT, reason="photos")),
    ("`ComplaintResumed`", ComplaintResumed(department=DEPT, on_hold_since=RECEIVED_AT)),
    (
        "`SlaExtensionApproved`",
        SlaExtensionApproved(stage=SlaStage.RESOLUTION, extension=timedelta(days=2)),
    ),
    ("`ComplaintRegraded`", ComplaintRegraded(grade=Grade.URGENT, previous_grade=Grade.GENERAL, reason="x")),
    ("`ComplaintResolved`", ComplaintResolved(department=DEPT, resolution="done")),
    ("`FeedbackReceived`", FeedbackReceived(satisfied=True, score=5)),
    (
        "`ComplaintReopened`",
        ComplaintReopened(department=DEPT, reason="x", reopen_count=1, trigger=ReopenTrigger.FEEDBACK),
    ),
    ("`ComplaintClosed`", ComplaintClosed(reason=CloseReason.SATISFIED)),
    ("`ComplaintWithdrawn`", ComplaintWithdrawn(reason="x")),
    ("`ComplaintClosedAsNotAComplaint`", ComplaintClosedAsNotAComplaint(reason="x")),
    ("`ComplaintMerged`", ComplaintMerged(into="TS-20260105-0002", reason="x")),
    (
        "`ComplaintReportedBeyondAuthority`",
        ComplaintReportedBeyondAuthority(department=DEPT, reason="refund above the limit"),
    ),
    ("`DirectorInstructionRecorded`", DirectorInstructionRecorded(instruction="refund in full")),
    (
        "`CooperationRequested`",
        CooperationRequested(department=COOP_DEPT, lead_department=DEPT, note=None),
    ),
    ("`CooperationAccepted`", CooperationAccepted(department=COOP_DEPT, agent="a")),
    ("`ContributionRecorded`", ContributionRecorded(department=COOP_DEPT, contribution="x")),
    ("`CooperationWithdrawn`", CooperationWithdrawn(department=COOP_DEPT, reason="x")),
    ("`ContributionsWaived`", ContributionsWaived(departments=[COOP_DEPT], reason="x")),
    (
        "`EightDCaseOpened`",
        EightDCaseOpened(case=1, cause=EightDTrigger.REGRADE, grade=Grade.SEVERE, department=DEPT),
    ),
    (
        "`EightDDisciplineRecorded` D3 (containment)",
        EightDDisciplineRecorded(case=1, discipline=Discipline.D3, content="x"),
    ),
    (
        "`EightDDisciplineRecorded` D5 (permanent countermeasure)",
        EightDDisciplineRecorded(case=1, discipline=Discipline.D5, content="x"),
    ),
    (
        "`EightDDisciplineRecorded`, any other discipline",
        EightDDisciplineRecorded(case=1, discipline=Discipline.D2, content="x"),
    ),
    ("`EightDCaseClosed` (D8)", EightDCaseClosed(case=1)),
]


ORDER = [*WORK_STAGES, SlaStage.REVISIT, SlaStage.DIRECTOR_REPORT, *EIGHT_D]
"""The stages in the order a complaint meets them."""


def _stages(stages: list[SlaStage] | frozenset[SlaStage]) -> str:
    order = ORDER
    return ", ".join(f"`{stage.value}`" for stage in sorted(stages, key=order.index))


def _starts(changes: list[Change]) -> str:
    starts = [change for change in changes if isinstance(change, Start)]
    if not starts:
        return "—"
    text = _stages([start.stage for start in starts])
    if all(start.started_at == RECEIVED_AT for start in starts):
        text += " (from `received_at`)"
    if any(start.department for start in starts):
        text += ", for the department named"
    return text


def _stops(changes: list[Change]) -> str:
    stops = [change for change in changes if isinstance(change, Stop)]
    if not stops:
        return "—"
    reasons = sorted({stop.reason.value for stop in stops})
    named = ", the named department's" if any(stop.department for stop in stops) else ""
    return f"{_stages([stop.stage for stop in stops])}{named} (`{'`, `'.join(reasons)}`)"


def _moves(changes: list[Change]) -> str:
    moves: list[str] = []
    for change in changes:
        match change:
            case Reassign():
                moves.append("hands the running clocks to the department named")
            case Pause():
                moves.append(f"pauses {_stages(change.stages)}")
            case Resume():
                moves.append(f"resumes {_stages(change.stages)}")
            case Extend():
                moves.append("extends the stage named by the extension")
            case Regrade():
                moves.append("re-plans every running clock for the new grade")
    return "; ".join(moves) or "—"


def rendered_table() -> str:
    rows = ["| event | starts | stops (stop reason) | moves |", "|---|---|---|---|"]
    for label, event in SAMPLES:
        changes = transitions(event, WHEN)
        rows.append(f"| {label} | {_starts(changes)} | {_stops(changes)} | {_moves(changes)} |")
    rows += [
        "",
        "Charged to the department responsible at the time (they follow a transfer): "
        f"{_stages(FOLLOWS_OWNER)}; the others stay with the department they started for. "
        f"Paused while the department waits on the complainant: {_stages(PAUSABLE)}. "
        f"Kept per co-operating department (协同), each charged to it: {_stages(COOPERATION_STAGES)}; "
        "a stop that names no department stops every department's.",
    ]
    return "\n".join(rows)


def test_every_event_that_changes_a_clock_has_a_row() -> None:
    assert {event.event_type for _, event in SAMPLES} == CLOCK_EVENTS


def test_the_readme_table_is_the_one_the_code_renders() -> None:
    text = README.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    assert pattern.search(text), f"{README} has no {BEGIN} … {END} section"
    expected = f"{BEGIN}\n{rendered_table()}\n{END}"
    if os.environ.get("TOUSU_UPDATE_DOCS"):
        README.write_text(pattern.sub(lambda _: expected, text), encoding="utf-8")
    assert pattern.search(README.read_text(encoding="utf-8"))[0] == expected, (  # type: ignore[index]
        "services/sla/README.md's clock table differs from services/sla/clocks.py; rewrite it with "
        "TOUSU_UPDATE_DOCS=1 .venv/bin/pytest tests/unit/sla/test_clock_rules_are_documented.py"
    )
