"""Handling (办理): the responsible department records its progress, may wait on the complainant
(等待投诉人, the resolution and progress clocks paused) and resumes, and replies (答复)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, ClassVar

from pydantic import Field

from shared.complaints.errors import RejectionCode
from shared.complaints.kernel import (
    AGENT,
    COMPLAINT_EVENTS,
    NOT_ACCEPTED,
    STAFF,
    Command,
    ComplaintEvent,
    Draft,
    decides,
    evolves,
    fail,
    owner,
    require,
    require_owner,
    titled,
)
from shared.complaints.stages.cooperation import contributions_in
from shared.complaints.values import Label, ProgressKind, Status, UtcDatetime
from shared.events.disclosure import WITHHELD, Code, FreeText
from shared.events.envelope import Event

if TYPE_CHECKING:
    from shared.complaints.state import ComplaintState

S = Status
WORKING = {S.ACCEPTED, S.IN_PROGRESS, S.REOPENED}
"""Accepted by the department and not yet resolved."""


# -- progress ---------------------------------------------------------------------------------


@COMPLAINT_EVENTS.register
class ProgressRecorded(ComplaintEvent):
    """The department recorded progress in handling the complaint."""

    title: ClassVar[Label] = titled("登记处理进展", "Progress recorded")

    department: Code = Field(description="Code of the department handling it.", min_length=1)
    note: FreeText = Field(description="What was done or found.", min_length=1)
    kind: Annotated[ProgressKind, WITHHELD] = Field(
        ProgressKind.UPDATE,
        description="update: a progress update (restarts the progress clock); plan: the initial plan.",
    )


class RecordProgress(Command):
    """Record progress in handling the complaint."""

    verb: ClassVar[str] = "record progress on"
    verb_zh: ClassVar[str] = "登记进展"

    note: str = Field(description="What was done or found.", min_length=1)
    kind: ProgressKind = Field(
        ProgressKind.UPDATE, description="update (a progress update) or plan (the initial plan)."
    )


@decides(RecordProgress, by=AGENT | STAFF, owner_only=True)
def _record_progress(state: ComplaintState, command: RecordProgress) -> list[Event]:
    require(state, command, WORKING, NOT_ACCEPTED)
    require_owner(state, command)
    return [ProgressRecorded(department=owner(state), note=command.note, kind=command.kind)]


@evolves(ProgressRecorded)
def _progressed(s: Draft, event: ProgressRecorded, at: datetime | None) -> None:
    s.status = Status.IN_PROGRESS


# -- resolved ---------------------------------------------------------------------------------


@COMPLAINT_EVENTS.register
class ComplaintResolved(ComplaintEvent):
    """The department replied with the result and its reasons (答复)."""

    title: ClassVar[Label] = titled("答复处理结果", "Resolved")

    department: Code = Field(description="Code of the department that resolved it.", min_length=1)
    resolution: FreeText = Field(
        description="The result and the reasons given to the complainant.", min_length=1
    )
    root_cause: FreeText | None = Field(None, description="The root cause found, if any.")


class ResolveComplaint(Command):
    """Reply with the result and its reasons (答复)."""

    verb: ClassVar[str] = "resolve"
    verb_zh: ClassVar[str] = "答复"

    resolution: str = Field(description="The result and the reasons.", min_length=1)
    root_cause: str | None = Field(None, description="The root cause found, if any.")
    override_reason: str | None = Field(
        None,
        description="A supervisor's reason to answer without the co-operating departments' missing "
        "contributions (they are waived); ignored from agents.",
        min_length=1,
    )


@decides(ResolveComplaint, by=AGENT | STAFF, owner_only=True)
def _resolve(state: ComplaintState, command: ResolveComplaint) -> list[Event]:
    require(state, command, WORKING, NOT_ACCEPTED)
    require_owner(state, command)
    return [
        *contributions_in(state, command, command.override_reason),
        ComplaintResolved(
            department=owner(state), resolution=command.resolution, root_cause=command.root_cause
        ),
    ]


@evolves(ComplaintResolved)
def _resolved(s: Draft, event: ComplaintResolved, at: datetime | None) -> None:
    s.status, s.resolved_at = Status.RESOLVED, at or s.resolved_at
    s.on_hold, s.on_hold_since = False, None  # a resolution ends the wait on the complainant


# -- on hold, resumed -------------------------------------------------------------------------


@COMPLAINT_EVENTS.register
class ComplaintPutOnHold(ComplaintEvent):
    """The department is waiting on the complainant (等待投诉人): the resolution and progress
    clocks pause until the complaint is resumed; the paused time does not count."""

    title: ClassVar[Label] = titled("等待投诉人（暂停计时）", "Waiting on the complainant (clock paused)")

    department: Code = Field(description="Code of the department waiting.", min_length=1)
    reason: FreeText = Field(
        description="What the department waits for, e.g. photos of the defect.", min_length=1
    )


class PutComplaintOnHold(Command):
    """The department waits on the complainant (等待投诉人); the resolution and progress clocks pause."""

    verb: ClassVar[str] = "put on hold"
    verb_zh: ClassVar[str] = "挂起等待投诉人"

    reason: str = Field(description="What the department waits for.", min_length=1)


@decides(PutComplaintOnHold, by=AGENT | STAFF, owner_only=True)
def _put_on_hold(state: ComplaintState, command: PutComplaintOnHold) -> list[Event]:
    require(state, command, WORKING, NOT_ACCEPTED)
    require_owner(state, command)
    if state.on_hold:
        raise fail(RejectionCode.ALREADY_ON_HOLD, state, command)
    return [ComplaintPutOnHold(department=owner(state), reason=command.reason)]


@evolves(ComplaintPutOnHold)
def _on_hold(s: Draft, event: ComplaintPutOnHold, at: datetime | None) -> None:
    s.on_hold, s.on_hold_since = True, at or s.on_hold_since


@COMPLAINT_EVENTS.register
class ComplaintResumed(ComplaintEvent):
    """The wait on the complainant ended; the paused clocks run again."""

    title: ClassVar[Label] = titled("恢复处理（继续计时）", "Resumed (clock running)")

    department: Code = Field(description="Code of the department handling it.", min_length=1)
    on_hold_since: UtcDatetime = Field(description="When the complaint was put on hold (UTC).")
    note: FreeText | None = Field(None, description="What the complainant provided, if anything.")


class ResumeComplaint(Command):
    """The wait on the complainant is over; the paused clocks run again."""

    verb: ClassVar[str] = "resume"
    verb_zh: ClassVar[str] = "恢复处理"

    note: str | None = Field(None, description="What the complainant provided, if anything.")


@decides(ResumeComplaint, by=AGENT | STAFF, owner_only=True)
def _resume(state: ComplaintState, command: ResumeComplaint) -> list[Event]:
    require_owner(state, command)
    if not state.on_hold or state.on_hold_since is None:
        raise fail(RejectionCode.NOT_ON_HOLD, state, command)
    return [ComplaintResumed(department=owner(state), on_hold_since=state.on_hold_since, note=command.note)]


@evolves(ComplaintResumed)
def _resumed(s: Draft, event: ComplaintResumed, at: datetime | None) -> None:
    s.on_hold, s.on_hold_since = False, None
