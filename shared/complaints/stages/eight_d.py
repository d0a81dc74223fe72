"""8D for severe complaints (8D 报告): a severe (严重) complaint opens an 8D case, worked through the
eight disciplines D1 (the team, with a quality engineer) to D8 (closure), each recorded as an
event with its content and its attachments' metadata.

* **Opened with the fact that made it severe.** The decision that receives a complaint graded
  severe (trigger ``severe_grade``, or ``recurrence`` when intake's recurrence rule raised it), or
  regrades one to severe (``regrade``), also emits :class:`EightDCaseOpened`; a supervisor or a
  quality engineer may open one by hand for any open complaint (``manual``). A complaint never
  has two open cases; a case closed by D8 is not opened again by a later regrade (only by hand).
* **Recording.** The responsible department's agents, quality engineers, supervisors (and
  admins) record a discipline; recording one again replaces it (the latest counts, the stream
  keeps the history). D1 names the team and includes at least one quality engineer; D8 is
  recorded only once D1..D7 are, and closes the case (:class:`EightDCaseClosed`).
* **The complaint closes only after D8 and the complainant's confirmation**, whichever comes
  last: the revisit's satisfied (or acknowledged) feedback on a complaint with an open case is
  recorded but closes nothing (stages/revisit.py); D8 recorded after such a feedback closes the
  complaint in the same decision, for the feedback's reason.
* **Ending otherwise.** A complaint that ends without D8 (closed as unresolvable, withdrawn,
  merged, not a complaint) leaves its case unfinished: nothing can be recorded on a final
  complaint, the SLA clocks of the case stop with the complaint, and the read models show the
  case as ended without closure. Closing as unresolvable is not refused for an open case: the
  complainant's matter cannot wait for the quality work.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.complaints.errors import RejectionCode
from shared.complaints.kernel import (
    AGENT,
    COMPLAINT_EVENTS,
    SERVICE,
    STAFF,
    Command,
    ComplaintEvent,
    Draft,
    decides,
    evolves,
    fail,
    require_owner,
    titled,
)
from shared.complaints.stages.closure import ComplaintClosed
from shared.complaints.values import (
    CloseReason,
    Discipline,
    EightDTrigger,
    Grade,
    Label,
    Status,
    TeamRole,
    label,
)
from shared.events.disclosure import FREE_TEXT, Code, FreeText
from shared.events.envelope import Event, Role

if TYPE_CHECKING:
    from shared.complaints.state import ComplaintState

SEVERE = Grade.SEVERE
"""The grade that opens an 8D case."""

QUALITY = frozenset({Role.QUALITY_ENGINEER})
RECORDERS = AGENT | QUALITY | STAFF
"""Who records a discipline: the responsible department's agents, quality engineers, supervisors."""
OPENERS = QUALITY | STAFF
"""Who opens a case by hand."""

BEFORE_CLOSURE = tuple(d for d in Discipline if d is not Discipline.D8)
CONFIRMING = {Status.RESOLVED, Status.REVISIT_PENDING}


@dataclass(frozen=True, slots=True)
class EightDCase:
    """A complaint's 8D case, as the state keeps it."""

    number: int
    """1 for the complaint's first case, 2 for one opened by hand after it closed, ..."""
    trigger: EightDTrigger
    opened_at: datetime | None
    recorded: frozenset[Discipline] = frozenset()
    closed: bool = False
    department: str | None = None
    """The department the case was last opened for or handed to (the feed told it)."""

    @property
    def open(self) -> bool:
        return not self.closed

    def missing(self) -> list[Discipline]:
        """D1..D7 not yet recorded, in order."""
        return [d for d in BEFORE_CLOSURE if d not in self.recorded]


class TeamMember(BaseModel):
    """A member of the 8D team (D1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="The member's name.", min_length=1, max_length=100)
    role: TeamRole = Field(description="leader, quality_engineer or member.")
    subject: str | None = Field(
        None, description="The member's sign-in subject, if they have one.", min_length=1, max_length=200
    )


class AttachmentMeta(BaseModel):
    """An attachment's metadata (the file is kept elsewhere: a document store, a share)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file_name: str = Field(description="File name.", min_length=1, max_length=255)
    media_type: str = Field(description="Media type, e.g. application/pdf.", min_length=3, max_length=127)
    size_bytes: int = Field(description="Size in bytes.", ge=0)
    sha256: str = Field(description="SHA-256 of the file, 64 hex digits.", pattern="^[0-9a-fA-F]{64}$")
    location: str | None = Field(
        None, description="Where the file is kept (a URL or a path), if anywhere.", max_length=2000
    )


def _d1_team(discipline: Discipline, team: list[TeamMember]) -> None:
    if discipline is not Discipline.D1 and team:
        raise ValueError("only D1 names the team")
    if discipline is Discipline.D1 and not team:
        raise ValueError("D1 names the team")


# -- opened -----------------------------------------------------------------------------------


@COMPLAINT_EVENTS.register
class EightDCaseOpened(ComplaintEvent):
    """An 8D case was opened for the complaint (8D 立案); its clocks start now."""

    title: ClassVar[Label] = titled("启动 8D", "8D case opened")

    case: int = Field(description="The case's number within the complaint, from 1.", ge=1)
    cause: EightDTrigger = Field(description="What opened it: severe_grade, recurrence, regrade or manual.")
    grade: Grade = Field(description="The complaint's grade when the case opened.")
    department: Code | None = Field(
        None, description="Code of the responsible department; null when not yet assigned (at receipt)."
    )
    reason: FreeText | None = Field(None, description="Why a person opened it (manual); null otherwise.")


def opening(state: ComplaintState, trigger: EightDTrigger, grade: Grade) -> list[Event]:
    """The case a complaint becoming severe opens: none when one is open, or one was closed."""
    if grade is not SEVERE or state.eight_d is not None:
        return []
    return [EightDCaseOpened(case=1, cause=trigger, grade=grade, department=state.department)]


class OpenEightDCase(Command):
    """Open an 8D case by hand for a complaint that did not open one itself (人工启动 8D)."""

    verb: ClassVar[str] = "open an 8D case for"
    verb_zh: ClassVar[str] = "启动 8D"

    reason: str = Field(description="Why the complaint needs an 8D.", min_length=1)


@decides(OpenEightDCase, by=OPENERS)
def _open(state: ComplaintState, command: OpenEightDCase) -> list[Event]:
    case = state.eight_d
    if case is not None and case.open:
        raise fail(RejectionCode.EIGHT_D_OPEN, state, command, case=case.number)
    assert state.grade is not None
    return [
        EightDCaseOpened(
            case=case.number + 1 if case else 1,
            cause=EightDTrigger.MANUAL,
            grade=state.grade,
            department=state.department,
            reason=command.reason,
        )
    ]


@evolves(EightDCaseOpened)
def _opened(s: Draft, event: EightDCaseOpened, at: datetime | None) -> None:
    s.eight_d = EightDCase(number=event.case, trigger=event.cause, opened_at=at, department=event.department)


# -- handed to the responsible department -------------------------------------------------------


@COMPLAINT_EVENTS.register
class EightDCaseHandedOver(ComplaintEvent):
    """The open 8D case is now the work of the complaint's responsible department: the one it was
    assigned to after the case opened at receipt, or transferred to. Routing records it so that
    the department's feed (tousu.department.assignments) carries the case to it."""

    title: ClassVar[Label] = titled("8D 交由责任部门", "8D case handed to the department")

    case: int = Field(description="The case's number within the complaint.", ge=1)
    department: Code = Field(description="Code of the department now responsible for the case.", min_length=1)
    from_department: Code | None = Field(
        None, description="The department that had it; null when the case opened before any assignment."
    )


class HandEightDCaseOver(Command):
    """Hand the open 8D case to the complaint's responsible department (routing, after a dispatch)."""

    verb: ClassVar[str] = "hand the 8D case over for"
    verb_zh: ClassVar[str] = "移交 8D"

    department: str = Field(description="The complaint's responsible department.", min_length=1)


@decides(HandEightDCaseOver, by=SERVICE | STAFF)
def _hand_over(state: ComplaintState, command: HandEightDCaseOver) -> list[Event]:
    case = state.eight_d
    if case is None or case.closed:
        raise fail(RejectionCode.NO_EIGHT_D_CASE, state, command)
    if case.department == command.department:
        raise fail(RejectionCode.ALREADY_RECORDED, state, command, what="8D hand-over", what_zh="8D 移交")
    return [
        EightDCaseHandedOver(case=case.number, department=command.department, from_department=case.department)
    ]


@evolves(EightDCaseHandedOver)
def _handed_over(s: Draft, event: EightDCaseHandedOver, at: datetime | None) -> None:
    s.eight_d = replace(_case(s, event.case), department=event.department)


# -- disciplines ------------------------------------------------------------------------------


@COMPLAINT_EVENTS.register
class EightDDisciplineRecorded(ComplaintEvent):
    """One discipline of the 8D case was recorded (or recorded again: the latest counts)."""

    title: ClassVar[Label] = titled("登记 8D 步骤", "8D discipline recorded")

    case: int = Field(description="The case's number within the complaint.", ge=1)
    discipline: Discipline = Field(description="D1 .. D8.")
    content: FreeText = Field(description="What the discipline found or did.", min_length=1)
    team: Annotated[list[TeamMember], FREE_TEXT] = Field(
        default_factory=list, description="D1: the team's members; empty for the other disciplines."
    )
    attachments: Annotated[list[AttachmentMeta], FREE_TEXT] = Field(
        default_factory=list, description="The attachments' metadata (names, types, sizes, hashes)."
    )
    again: bool = Field(False, description="True when the discipline had been recorded before.")


@COMPLAINT_EVENTS.register
class EightDCaseClosed(ComplaintEvent):
    """D8 was recorded: the 8D case is closed (8D 结案)."""

    title: ClassVar[Label] = titled("8D 结案", "8D case closed")

    case: int = Field(description="The case's number within the complaint.", ge=1)
    opened_at: datetime | None = Field(None, description="When the case was opened (UTC).")


class RecordEightDDiscipline(Command):
    """Record one discipline of the complaint's 8D case (登记 8D 步骤)."""

    verb: ClassVar[str] = "record an 8D discipline of"
    verb_zh: ClassVar[str] = "登记 8D 步骤"

    discipline: Discipline = Field(description="D1 .. D8.")
    content: str = Field(description="What the discipline found or did.", min_length=1, max_length=20_000)
    team: list[TeamMember] = Field(
        default_factory=list, description="D1 only: the team, with at least one quality engineer."
    )
    attachments: list[AttachmentMeta] = Field(
        default_factory=list, description="The attachments' metadata.", max_length=50
    )

    @model_validator(mode="after")
    def _team(self) -> Self:
        _d1_team(self.discipline, self.team)
        return self


@decides(RecordEightDDiscipline, by=RECORDERS, owner_only=True)
def _record(state: ComplaintState, command: RecordEightDDiscipline) -> list[Event]:
    case = state.eight_d
    if case is None:
        raise fail(RejectionCode.NO_EIGHT_D_CASE, state, command)
    if case.closed:
        raise fail(RejectionCode.EIGHT_D_CLOSED, state, command, case=case.number)
    require_owner(state, command)
    discipline = command.discipline
    if discipline is Discipline.D1 and not any(m.role is TeamRole.QUALITY_ENGINEER for m in command.team):
        raise fail(RejectionCode.EIGHT_D_NO_QUALITY_ENGINEER, state, command)
    if discipline is Discipline.D8 and case.missing():
        missing = case.missing()
        raise fail(
            RejectionCode.EIGHT_D_INCOMPLETE,
            state,
            command,
            missing=", ".join(label(d, "en") for d in missing),
            missing_zh="、".join(label(d, "zh-CN") for d in missing),
        )
    recorded: list[Event] = [
        EightDDisciplineRecorded(
            case=case.number,
            discipline=discipline,
            content=command.content,
            team=list(command.team),
            attachments=list(command.attachments),
            again=discipline in case.recorded,
        )
    ]
    if discipline is not Discipline.D8:
        return recorded
    recorded.append(EightDCaseClosed(case=case.number, opened_at=case.opened_at))
    confirmed = confirmation(state)
    if confirmed is not None:
        recorded.append(ComplaintClosed(reason=confirmed))
    return recorded


def _case(s: Draft, number: int) -> EightDCase:
    """The case an event is about. A state read back from a read model's row has none (the row
    does not keep it); the event then stands for it, as an evolution never refuses."""
    case: EightDCase | None = s.eight_d
    if case is None or case.number != number:
        return EightDCase(number=number, trigger=EightDTrigger.MANUAL, opened_at=None)
    return case


@evolves(EightDDisciplineRecorded)
def _recorded(s: Draft, event: EightDDisciplineRecorded, at: datetime | None) -> None:
    case = _case(s, event.case)
    s.eight_d = replace(case, recorded=case.recorded | {event.discipline})


@evolves(EightDCaseClosed)
def _case_closed(s: Draft, event: EightDCaseClosed, at: datetime | None) -> None:
    s.eight_d = replace(_case(s, event.case), closed=True)


# -- what the other stages ask ----------------------------------------------------------------


def awaits_closure(state: ComplaintState) -> bool:
    """True while the complaint has an open 8D case: the complainant's confirmation alone does not
    close it (stages/revisit.py)."""
    return state.eight_d is not None and state.eight_d.open


def confirmation(state: ComplaintState) -> CloseReason | None:
    """The reason the complainant's feedback on the current answer gives to close, when it
    confirmed the solution (satisfied, or not satisfied but acknowledged) and the complaint still
    waits as resolved. A reopen forgets it: an answer given before does not confirm the next one."""
    return state.confirmed if state.status in CONFIRMING else None


def awaits_only_d8(state: ComplaintState) -> bool:
    """True when the complainant has confirmed the answer and the complaint waits only for its open
    8D case's D8 to close: the revisit is done (no questionnaire link), the desk says so."""
    return awaits_closure(state) and confirmation(state) is not None
