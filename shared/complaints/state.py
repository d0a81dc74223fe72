"""The state of one complaint, folded from its event stream.

``evolve(state, event, at)`` applies one event; ``fold(events)`` applies many from the
initial state. Both are pure and total: events are facts already decided, so evolve never
refuses one (that is ``decide``'s job). Every event, a ``CommandRejected`` included, adds one
to ``version``, so ``version`` is always the number of events folded, which is the stream
version a writer passes as the expected version.

Decisions recorded here:

* **Escalated is a flag, not a status.** A department must keep working an escalated
  complaint, so escalation only raises ``escalation_level`` (0 = not escalated) and shows as
  :attr:`Flag.ESCALATED`; the status stays where the work is.
* **Reopened is a status *and* a flag.** A reopened complaint is back with its department
  (status ``reopened``, which may be accepted, worked or resolved again) and stays flagged
  (``flagged_reopened``) for the rest of its life, so reports can count repeat handling.
* **Transferred is a status.** Like ``assigned``, the new department has not accepted yet.
* **One owner at a time.** ``department`` is the single responsible department: None until
  the first assignment, and never None again (transfer and reopen replace it).
* **Final statuses** are closed, withdrawn, closed_not_complaint, merged (into the surviving
  complaint, ``merged_into``) and correction_lapsed. Only a closed complaint can be reopened
  (by a supervisor).
* **Returned for correction comes before receipt.** A stream may start with
  ComplaintReturnedForCorrection (status ``awaiting_correction``); ComplaintReceived follows on
  the same stream once the channel corrects it, or ComplaintCorrectionLapsed ends it.
* Time never comes from a clock: ``evolve`` takes the event's instant as an argument (from the
  envelope's ``occurred_at``, or the command's ``at`` right after ``decide``). When it is not
  given, the timestamps it would set (resolved_at, closed_at) are left as they were.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.complaints.errors import StreamOutOfOrder, UnexpectedEvent
from shared.complaints.events import (
    COMPLAINT_EVENTS,
    CommandRejected,
    ComplainantDataErased,
    ComplaintAccepted,
    ComplaintAcknowledged,
    ComplaintAssigned,
    ComplaintClosed,
    ComplaintClosedAsNotAComplaint,
    ComplaintCorrectionLapsed,
    ComplaintEscalated,
    ComplaintLinkedAsPossibleDuplicate,
    ComplaintMerged,
    ComplaintPutOnHold,
    ComplaintReceived,
    ComplaintRegraded,
    ComplaintReopened,
    ComplaintResolved,
    ComplaintResumed,
    ComplaintReturnedForCorrection,
    ComplaintTransferred,
    ComplaintWithdrawn,
    DuplicateMergedInto,
    FeedbackReceived,
    ProgressRecorded,
    RevisitScheduled,
    SlaBreached,
    SlaCalendarYearUnknown,
    SlaExtensionApproved,
    SlaExtensionDeclined,
    SlaExtensionRequested,
    SlaWarningRaised,
)
from shared.complaints.values import (
    FINAL_STATUSES,
    Category,
    Channel,
    CloseReason,
    ComplainantKind,
    Flag,
    Grade,
    Status,
)
from shared.events.envelope import Event, RecordedEvent
from shared.events.registry import EventRegistry


@dataclass(frozen=True, slots=True)
class ComplaintState:
    """What is known about one complaint after folding its events."""

    complaint_no: str | None = None
    version: int = 0
    status: Status | None = None
    """None until the complaint is received (a new stream)."""
    department: str | None = None
    """The single responsible department; None before the first assignment."""
    agent: str | None = None
    """Who in the department accepted it; None until accepted, and after a transfer."""
    channel: Channel | None = None
    category: Category | None = None
    grade: Grade | None = None
    complainant_kind: ComplainantKind | None = None
    anonymous: bool = False
    acknowledged: bool = False
    escalation_level: int = 0
    escalated_to: str | None = None
    reopen_count: int = 0
    flagged_reopened: bool = False
    received_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    close_reason: CloseReason | None = None
    revisit_due_at: datetime | None = None
    feedback: FeedbackReceived | None = None
    """The last feedback given."""
    sla_warnings: tuple[SlaWarningRaised, ...] = ()
    sla_breaches: tuple[SlaBreached, ...] = ()
    on_hold_since: datetime | None = None
    """When the department started waiting on the complainant; None when not on hold."""
    on_hold: bool = False
    pending_extensions: tuple[SlaExtensionRequested, ...] = ()
    """Extension requests waiting for a supervisor, at most one per stage."""
    correction: ComplaintReturnedForCorrection | None = None
    """Set when the submission was returned to its channel for missing fields."""
    possible_duplicate_of: str | None = None
    """The earlier complaint intake linked this one to as a possible duplicate."""
    merged_into: str | None = None
    """The surviving complaint, once a supervisor merged this one into it."""
    merged_duplicates: tuple[str, ...] = ()
    """Complaints merged into this one (it survived them)."""

    @classmethod
    def initial(cls) -> ComplaintState:
        """The state of a stream with no events: one shared instance, as a state is immutable
        (replay starts a state for every stream; building one field by field cost ~2 µs)."""
        return _INITIAL if cls is ComplaintState else cls()

    @property
    def exists(self) -> bool:
        """True once the complaint has been received."""
        return self.status is not None

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def is_open(self) -> bool:
        return self.status is not None and self.status not in FINAL_STATUSES

    @property
    def escalated(self) -> bool:
        return self.escalation_level > 0

    @property
    def flags(self) -> tuple[Flag, ...]:
        """Marks to show beside the status."""
        flags: list[Flag] = []
        if self.escalated:
            flags.append(Flag.ESCALATED)
        if self.flagged_reopened:
            flags.append(Flag.REOPENED)
        if self.on_hold:
            flags.append(Flag.ON_HOLD)
        return tuple(flags)


_FIELDS = tuple(field.name for field in dataclasses.fields(ComplaintState))
_set = object.__setattr__


class _Draft:
    """A mutable twin of ComplaintState: the same slots in the same order, so an object built as a
    draft can become a ComplaintState by ``__class__`` assignment (Python checks that the two
    layouts agree). Copying a state into a draft is plain attribute assignment, which CPython
    specialises for slots, ~2.5× cheaper than the frozen class's ``object.__setattr__``."""

    __slots__ = ComplaintState.__slots__


def _slot_copier() -> Callable[[ComplaintState], ComplaintState]:
    """``_next_version``, generated from the dataclass's fields (as ``dataclasses`` generates
    ``__init__``): one straight-line assignment per field into a draft that then becomes the new
    state (issue 11), never out of step with the fields."""
    lines = ["def _next_version(state):", "    new = _new(_Draft)"]
    for name in _FIELDS:
        value = "state.version + 1" if name == "version" else f"state.{name}"
        lines.append(f"    new.{name} = {value}")
    lines += ["    new.__class__ = _State", "    return new"]
    namespace: dict[str, Any] = {"_new": object.__new__, "_Draft": _Draft, "_State": ComplaintState}
    exec("\n".join(lines), namespace)  # our own field names only, as dataclasses does
    copier: Callable[[ComplaintState], ComplaintState] = namespace["_next_version"]
    copier.__doc__ = """A copy of ``state`` with one more version: replay folds every stored event
    through here, and ``dataclasses.replace`` (every field through ``__init__``) cost several
    times more."""
    return copier


_next_version = _slot_copier()


def _fill(s: ComplaintState, /, **changes: Any) -> ComplaintState:
    """Set fields of ``s``, which must be the new state ``evolve`` just made with
    ``_next_version``: nobody has seen it yet, so its case fills it in rather than copying it a
    second time."""
    for name, value in changes.items():
        _set(s, name, value)
    return s


_INITIAL = ComplaintState()


def evolve(state: ComplaintState, event: Event, at: datetime | None = None) -> ComplaintState:
    """The state after ``event``, which happened at ``at`` (the envelope's occurred_at)."""
    s = _next_version(state)
    match event:
        case ComplaintReceived():
            return _fill(
                s,
                complaint_no=event.complaint_no,
                status=Status.RECEIVED,
                channel=event.channel,
                category=event.category,
                grade=event.grade,
                complainant_kind=event.complainant_kind,
                anonymous=event.anonymous,
                received_at=event.received_at,
            )
        case ComplaintRegraded():
            return _fill(s, grade=event.grade)
        case ComplaintAcknowledged():
            return _fill(s, acknowledged=True)
        case ComplaintAssigned():
            return _fill(s, status=Status.ASSIGNED, department=event.department, agent=None)
        case ComplaintAccepted():
            return _fill(s, status=Status.ACCEPTED, department=event.department, agent=event.agent)
        case ProgressRecorded():
            return _fill(s, status=Status.IN_PROGRESS)
        case ComplaintResolved():
            return _fill(s, status=Status.RESOLVED, resolved_at=at or s.resolved_at, **_NOT_ON_HOLD)
        case ComplaintTransferred():
            return _fill(
                s, status=Status.TRANSFERRED, department=event.to_department, agent=None, **_NOT_ON_HOLD
            )
        case ComplaintEscalated():
            return _fill(s, escalation_level=event.level, escalated_to=event.to_role)
        case RevisitScheduled():
            return _fill(s, status=Status.REVISIT_PENDING, revisit_due_at=event.due_at)
        case FeedbackReceived():
            return _fill(s, feedback=event)
        case ComplaintClosed():
            return _fill(s, status=Status.CLOSED, close_reason=event.reason, closed_at=at or s.closed_at)
        case ComplaintReopened():
            return _fill(
                s,
                status=Status.REOPENED,
                department=event.department,
                agent=s.agent if event.department == s.department else None,
                reopen_count=event.reopen_count,
                flagged_reopened=True,
                resolved_at=None,
                closed_at=None,
                close_reason=None,
                revisit_due_at=None,
            )
        case ComplaintWithdrawn():
            return _fill(s, status=Status.WITHDRAWN, closed_at=at or s.closed_at)
        case ComplaintClosedAsNotAComplaint():
            return _fill(s, status=Status.CLOSED_NOT_COMPLAINT, closed_at=at or s.closed_at)
        case SlaWarningRaised():
            return _fill(s, sla_warnings=(*s.sla_warnings, event))
        case SlaBreached():
            return _fill(s, sla_breaches=(*s.sla_breaches, event))
        case SlaCalendarYearUnknown():
            return s
        case CommandRejected():
            return s
        case ComplaintPutOnHold():
            return _fill(s, on_hold=True, on_hold_since=at or s.on_hold_since)
        case ComplaintResumed():
            return _fill(s, **_NOT_ON_HOLD)
        case SlaExtensionRequested():
            return _fill(s, pending_extensions=(*_without(s, event.stage), event))
        case SlaExtensionApproved() | SlaExtensionDeclined():
            return _fill(s, pending_extensions=_without(s, event.stage))
        case ComplainantDataErased():
            return s  # the audit trail of an erasure; the complaint itself goes on
        case ComplaintLinkedAsPossibleDuplicate():
            return _fill(s, possible_duplicate_of=event.of)
        case ComplaintMerged():
            return _fill(s, status=Status.MERGED, merged_into=event.into, closed_at=at or s.closed_at)
        case ComplaintReturnedForCorrection():
            return _fill(
                s,
                complaint_no=event.complaint_no,
                status=Status.AWAITING_CORRECTION,
                channel=event.channel,
                correction=event,
            )
        case ComplaintCorrectionLapsed():
            return _fill(s, status=Status.CORRECTION_LAPSED, closed_at=at or s.closed_at)
        case DuplicateMergedInto():
            return _fill(s, merged_duplicates=(*s.merged_duplicates, event.duplicate))
    raise UnexpectedEvent(f"{type(event).__name__} is not an event of a complaint stream")


_NOT_ON_HOLD: dict[str, Any] = {"on_hold": False, "on_hold_since": None}
"""A resolution or a transfer ends the wait on the complainant."""


def _without(state: ComplaintState, stage: object) -> tuple[SlaExtensionRequested, ...]:
    return tuple(request for request in state.pending_extensions if request.stage != stage)


TimedEvent = tuple[Event, datetime]
"""An event payload with the instant it happened."""


def fold(events: Iterable[Event | TimedEvent], state: ComplaintState | None = None) -> ComplaintState:
    """Apply events in order to ``state`` (default: the initial state).

    Each item is a payload, or a ``(payload, occurred_at)`` pair when timestamps matter.
    """
    current = state if state is not None else ComplaintState.initial()
    for item in events:
        if isinstance(item, tuple):
            payload, at = item
            current = evolve(current, payload, at)
        else:
            current = evolve(current, item)
    return current


def fold_recorded(
    records: Iterable[RecordedEvent],
    state: ComplaintState | None = None,
    registry: EventRegistry = COMPLAINT_EVENTS,
) -> ComplaintState:
    """Fold stored events, decoding (and upcasting) each payload.

    Raises StreamOutOfOrder unless each record's stream_version is one more than the state's.
    """
    current = state if state is not None else ComplaintState.initial()
    for record in records:
        if record.stream_version != current.version + 1:
            raise StreamOutOfOrder(
                f"stream {record.stream_id}: expected version {current.version + 1}, "
                f"got {record.stream_version} ({record.type})"
            )
        current = evolve(current, registry.decode(record), record.occurred_at)
    return current
