"""Closure (结案): a complaint is closed and archived, withdrawn (撤诉), closed as not a complaint
(无效投诉) or merged into another (合并); a supervisor may reopen a closed one. The erasure of the
complainant's data is recorded here too: it ends what can be read, not the complaint."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar
from uuid import UUID

from pydantic import Field

from shared.complaints.errors import RejectionCode
from shared.complaints.kernel import (
    AGENT,
    COMPLAINT_EVENTS,
    STAFF,
    Command,
    ComplaintEvent,
    Draft,
    decides,
    evolves,
    fail,
    leaves_unchanged,
    owner,
    require,
    require_owner,
    titled,
)
from shared.complaints.values import (
    FINAL_STATUSES,
    CloseReason,
    Label,
    ReopenTrigger,
    Status,
    label,
)
from shared.events.disclosure import Code, FreeText
from shared.events.envelope import Event, Role

if TYPE_CHECKING:
    from shared.complaints.state import ComplaintState

S = Status


# -- closed, reopened -------------------------------------------------------------------------


@COMPLAINT_EVENTS.register
class ComplaintClosed(ComplaintEvent):
    """The complaint was closed and archived (结案归档)."""

    title: ClassVar[Label] = titled("结案归档", "Closed")

    reason: CloseReason = Field(
        description="satisfied, or acknowledged: the complainant accepted the solution, not satisfied."
    )


@evolves(ComplaintClosed)
def _closed(s: Draft, event: ComplaintClosed, at: datetime | None) -> None:
    s.status, s.close_reason, s.closed_at = Status.CLOSED, event.reason, at or s.closed_at


@COMPLAINT_EVENTS.register
class ComplaintReopened(ComplaintEvent):
    """The complaint went back to a department to be handled again; it stays flagged as reopened."""

    title: ClassVar[Label] = titled("重新处理", "Reopened")

    department: Code = Field(description="Code of the department that must handle it again.", min_length=1)
    reason: FreeText = Field(description="Why it was reopened.", min_length=1)
    reopen_count: int = Field(
        description="How many times this complaint has been reopened, this one included.", ge=1
    )
    trigger: ReopenTrigger = Field(
        description="feedback: the complainant was not satisfied; supervisor: a supervisor reopened it."
    )


class ReopenComplaint(Command):
    """A supervisor reopens a closed complaint."""

    verb: ClassVar[str] = "reopen"
    verb_zh: ClassVar[str] = "重新打开"

    reason: str = Field(description="Why it is reopened.", min_length=1)
    department: str | None = Field(
        None, description="Department to handle it again; defaults to the last responsible one.", min_length=1
    )


@decides(ReopenComplaint, by=STAFF)
def _reopen(state: ComplaintState, command: ReopenComplaint) -> list[Event]:
    require(state, command, {S.CLOSED})
    return [
        ComplaintReopened(
            department=command.department or owner(state),
            reason=command.reason,
            reopen_count=state.reopen_count + 1,
            trigger=ReopenTrigger.SUPERVISOR,
        )
    ]


@evolves(ComplaintReopened)
def _reopened(s: Draft, event: ComplaintReopened, at: datetime | None) -> None:
    # the agent stays only if the same department gets it back: compared before it is set
    s.agent = s.agent if event.department == s.department else None
    s.status = Status.REOPENED
    s.department = event.department
    s.reopen_count = event.reopen_count
    s.flagged_reopened = True
    s.resolved_at = s.closed_at = s.close_reason = s.revisit_due_at = s.confirmed = None


# -- withdrawn, not a complaint ---------------------------------------------------------------


@COMPLAINT_EVENTS.register
class ComplaintWithdrawn(ComplaintEvent):
    """The complainant withdrew the complaint (撤诉)."""

    title: ClassVar[Label] = titled("投诉人撤诉", "Withdrawn")

    reason: FreeText = Field(description="Why it was withdrawn.", min_length=1)


class WithdrawComplaint(Command):
    """The complainant withdraws the complaint (撤诉)."""

    verb: ClassVar[str] = "withdraw"
    verb_zh: ClassVar[str] = "撤回"

    reason: str = Field(description="Why it is withdrawn.", min_length=1)


@decides(WithdrawComplaint, by=frozenset({Role.COMPLAINANT, Role.SERVICE}) | STAFF)
def _withdraw(state: ComplaintState, command: WithdrawComplaint) -> list[Event]:
    return [ComplaintWithdrawn(reason=command.reason)]


@evolves(ComplaintWithdrawn)
def _withdrawn(s: Draft, event: ComplaintWithdrawn, at: datetime | None) -> None:
    s.status, s.closed_at = Status.WITHDRAWN, at or s.closed_at


@COMPLAINT_EVENTS.register
class ComplaintClosedAsNotAComplaint(ComplaintEvent):
    """Not a complaint (无效投诉): acknowledged with thanks and closed; it still counts in statistics."""

    title: ClassVar[Label] = titled("非投诉，致谢结案", "Closed as not a complaint")

    reason: FreeText = Field(description="Why it is not a complaint.", min_length=1)


class CloseAsNotAComplaint(Command):
    """Close with thanks something that is not a complaint (无效投诉); it still counts."""

    verb: ClassVar[str] = "close as not a complaint"
    verb_zh: ClassVar[str] = "按非投诉结案"

    reason: str = Field(description="Why it is not a complaint.", min_length=1)


@decides(CloseAsNotAComplaint, by=AGENT | STAFF, owner_only=True)
def _close_as_not_a_complaint(state: ComplaintState, command: CloseAsNotAComplaint) -> list[Event]:
    require(state, command, {S.RECEIVED, S.ASSIGNED, S.ACCEPTED})
    require_owner(state, command)
    return [ComplaintClosedAsNotAComplaint(reason=command.reason)]


@evolves(ComplaintClosedAsNotAComplaint)
def _not_a_complaint(s: Draft, event: ComplaintClosedAsNotAComplaint, at: datetime | None) -> None:
    s.status, s.closed_at = Status.CLOSED_NOT_COMPLAINT, at or s.closed_at


# -- merged -----------------------------------------------------------------------------------


@COMPLAINT_EVENTS.register
class ComplaintMerged(ComplaintEvent):
    """A supervisor merged this complaint (a duplicate) into another: it ends here, and the
    surviving complaint is worked on instead (合并)."""

    title: ClassVar[Label] = titled("合并到其他投诉", "Merged into another complaint")

    into: Code = Field(description="Number of the surviving complaint.", min_length=1)
    reason: FreeText = Field(description="Why the supervisor merged them.", min_length=1)


class MergeComplaint(Command):
    """A supervisor merges this complaint (a duplicate) into a surviving one (合并)."""

    verb: ClassVar[str] = "merge"
    verb_zh: ClassVar[str] = "合并"

    into: str = Field(description="Number of the surviving complaint.", min_length=1)
    reason: str = Field(description="Why they are merged.", min_length=1)
    into_status: Status | None = Field(
        description="The surviving complaint's status as the handler read it; null: no such complaint."
    )


@decides(MergeComplaint, by=frozenset({Role.SUPERVISOR}))
def _merge(state: ComplaintState, command: MergeComplaint) -> list[Event]:
    # Once answered (resolved, revisit pending), the complaint ends through feedback.
    require(state, command, {S.RECEIVED, S.ASSIGNED, S.ACCEPTED, S.IN_PROGRESS, S.TRANSFERRED, S.REOPENED})
    if command.into == state.complaint_no:
        raise fail(RejectionCode.MERGE_INTO_SELF, state, command)
    if command.into_status is None or command.into_status is S.AWAITING_CORRECTION:
        raise fail(RejectionCode.MERGE_TARGET_UNKNOWN, state, command, into=command.into)
    if command.into_status in FINAL_STATUSES:
        raise fail(
            RejectionCode.MERGE_TARGET_FINAL,
            state,
            command,
            into=command.into,
            into_status=label(command.into_status, "en").lower(),
            into_status_zh=label(command.into_status, "zh-CN"),
        )
    return [ComplaintMerged(into=command.into, reason=command.reason)]


@evolves(ComplaintMerged)
def _merged(s: Draft, event: ComplaintMerged, at: datetime | None) -> None:
    s.status, s.merged_into, s.closed_at = Status.MERGED, event.into, at or s.closed_at


@COMPLAINT_EVENTS.register
class DuplicateMergedInto(ComplaintEvent):
    """A duplicate of this complaint was merged into it (on the surviving complaint's stream)."""

    title: ClassVar[Label] = titled("重复投诉已并入", "A duplicate was merged into it")

    duplicate: Code = Field(description="Number of the complaint merged into this one.", min_length=1)
    reason: FreeText = Field(description="Why the supervisor merged them.", min_length=1)


class RecordMergedDuplicate(Command):
    """Record on the surviving complaint that a duplicate was merged into it."""

    verb: ClassVar[str] = "record a merged duplicate on"
    verb_zh: ClassVar[str] = "记录合并的重复投诉"

    duplicate: str = Field(description="Number of the complaint merged into this one.", min_length=1)
    reason: str = Field(description="Why they were merged.", min_length=1)


@decides(RecordMergedDuplicate, by=frozenset({Role.SUPERVISOR}))
def _record_merged_duplicate(state: ComplaintState, command: RecordMergedDuplicate) -> list[Event]:
    if command.duplicate == state.complaint_no:
        raise fail(RejectionCode.MERGE_INTO_SELF, state, command)
    if command.duplicate in state.merged_duplicates:
        raise fail(
            RejectionCode.ALREADY_RECORDED, state, command, what="merged duplicate", what_zh="合并记录"
        )
    return [DuplicateMergedInto(duplicate=command.duplicate, reason=command.reason)]


@evolves(DuplicateMergedInto)
def _duplicate_merged(s: Draft, event: DuplicateMergedInto, at: datetime | None) -> None:
    s.merged_duplicates = (*s.merged_duplicates, event.duplicate)


# -- erasure ----------------------------------------------------------------------------------


@COMPLAINT_EVENTS.register
class ComplainantDataErased(ComplaintEvent):
    """The complainant's key was deleted (PIPL / GDPR erasure): the sealed personal data on this
    complaint can no longer be read by anyone. Carries no personal data; the status does not change."""

    title: ClassVar[Label] = titled("投诉人个人信息已删除", "Complainant's personal data erased")

    complainant_id: UUID = Field(description="The pseudonymous id whose key was deleted.")  # a pseudonym
    reason: FreeText = Field(
        description="Why, e.g. the complainant's erasure request reference (no personal data).",
        min_length=1,
        max_length=500,
    )


leaves_unchanged(ComplainantDataErased)  # the audit trail of an erasure; the complaint itself goes on
