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
* **Imported history arrives with its outcome.** A ComplaintReceived carrying ``imported`` with
  outcome resolved or closed (``tousu import``) folds straight to that status, with the department
  and the dates the old records give (a closed one without a resolution date counts as resolved
  when it closed); an open one is received like any other.
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
    HistoricalOutcome,
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


class _Draft:
    """A mutable twin of ComplaintState: the same slots in the same order, so a draft can become a
    ComplaintState by ``__class__`` assignment (Python checks that the two layouts agree). Filling
    a draft is plain attribute assignment, which CPython specialises for slots: several times
    cheaper than the frozen class's ``object.__setattr__`` or ``dataclasses.replace``."""

    __slots__ = ComplaintState.__slots__


def _draft_maker() -> Callable[[ComplaintState], Any]:
    """``_next_draft``, generated from the dataclass's fields (as ``dataclasses`` generates
    ``__init__``), so it never falls out of step with them: one straight-line assignment per field."""
    lines = ["def _next_draft(state):", "    draft = _new(_Draft)"]
    for name in _FIELDS:
        value = "state.version + 1" if name == "version" else f"state.{name}"
        lines.append(f"    draft.{name} = {value}")
    lines.append("    return draft")
    namespace: dict[str, Any] = {"_new": object.__new__, "_Draft": _Draft}
    exec("\n".join(lines), namespace)  # our own field names only, as dataclasses does
    maker: Callable[[ComplaintState], Any] = namespace["_next_draft"]
    maker.__doc__ = "A draft of the state after ``state``: a copy of it, one version on."
    return maker


_next_draft = _draft_maker()


def _freeze(draft: Any) -> ComplaintState:
    """The draft, from now on a (frozen) ComplaintState: the same object, nothing copied."""
    draft.__class__ = ComplaintState
    state: ComplaintState = draft
    return state


_INITIAL = ComplaintState()


def evolve(state: ComplaintState, event: Event, at: datetime | None = None) -> ComplaintState:
    """The state after ``event``, which happened at ``at`` (the envelope's occurred_at).

    ``s`` starts as a copy of ``state`` one version on, a draft nobody else sees; the event's case
    sets what changes, and the draft becomes the new state (replay folds every stored event
    through here; copying a frozen dataclass per field was most of its cost). A case reads
    ``s``'s fields before it sets them, so it sees the state before the event.
    """
    s = _next_draft(state)
    match event:
        case ComplaintReceived():
            s.complaint_no = event.complaint_no
            s.status = Status.RECEIVED
            s.channel = event.channel
            s.category = event.category
            s.grade = event.grade
            s.complainant_kind = event.complainant_kind
            s.anonymous = event.anonymous
            s.received_at = event.received_at
            history = event.imported
            if history is not None and history.outcome is not HistoricalOutcome.OPEN:
                # history arrives with its outcome, dated as the records date it (not the import)
                closed = history.outcome is HistoricalOutcome.CLOSED
                s.status = Status.CLOSED if closed else Status.RESOLVED
                s.department = history.department
                s.resolved_at = history.resolved_at or history.closed_at
                s.closed_at = history.closed_at
        case ComplaintRegraded():
            s.grade = event.grade
        case ComplaintAcknowledged():
            s.acknowledged = True
        case ComplaintAssigned():
            s.status, s.department, s.agent = Status.ASSIGNED, event.department, None
        case ComplaintAccepted():
            s.status, s.department, s.agent = Status.ACCEPTED, event.department, event.agent
        case ProgressRecorded():
            s.status = Status.IN_PROGRESS
        case ComplaintResolved():
            s.status, s.resolved_at = Status.RESOLVED, at or s.resolved_at
            s.on_hold, s.on_hold_since = False, None  # a resolution ends the wait on the complainant
        case ComplaintTransferred():
            s.status, s.department, s.agent = Status.TRANSFERRED, event.to_department, None
            s.on_hold, s.on_hold_since = False, None  # so does a transfer
        case ComplaintEscalated():
            s.escalation_level, s.escalated_to = event.level, event.to_role
        case RevisitScheduled():
            s.status, s.revisit_due_at = Status.REVISIT_PENDING, event.due_at
        case FeedbackReceived():
            s.feedback = event
        case ComplaintClosed():
            s.status, s.close_reason, s.closed_at = Status.CLOSED, event.reason, at or s.closed_at
        case ComplaintReopened():
            # the agent stays only if the same department gets it back: compared before it is set
            s.agent = s.agent if event.department == s.department else None
            s.status = Status.REOPENED
            s.department = event.department
            s.reopen_count = event.reopen_count
            s.flagged_reopened = True
            s.resolved_at = s.closed_at = s.close_reason = s.revisit_due_at = None
        case ComplaintWithdrawn():
            s.status, s.closed_at = Status.WITHDRAWN, at or s.closed_at
        case ComplaintClosedAsNotAComplaint():
            s.status, s.closed_at = Status.CLOSED_NOT_COMPLAINT, at or s.closed_at
        case SlaWarningRaised():
            s.sla_warnings = (*s.sla_warnings, event)
        case SlaBreached():
            s.sla_breaches = (*s.sla_breaches, event)
        case SlaCalendarYearUnknown():
            pass
        case CommandRejected():
            pass
        case ComplaintPutOnHold():
            s.on_hold, s.on_hold_since = True, at or s.on_hold_since
        case ComplaintResumed():
            s.on_hold, s.on_hold_since = False, None
        case SlaExtensionRequested():
            s.pending_extensions = (*_without(s, event.stage), event)
        case SlaExtensionApproved() | SlaExtensionDeclined():
            s.pending_extensions = _without(s, event.stage)
        case ComplainantDataErased():
            pass  # the audit trail of an erasure; the complaint itself goes on
        case ComplaintLinkedAsPossibleDuplicate():
            s.possible_duplicate_of = event.of
        case ComplaintMerged():
            s.status, s.merged_into, s.closed_at = Status.MERGED, event.into, at or s.closed_at
        case ComplaintReturnedForCorrection():
            s.complaint_no = event.complaint_no
            s.status = Status.AWAITING_CORRECTION
            s.channel = event.channel
            s.correction = event
        case ComplaintCorrectionLapsed():
            s.status, s.closed_at = Status.CORRECTION_LAPSED, at or s.closed_at
        case DuplicateMergedInto():
            s.merged_duplicates = (*s.merged_duplicates, event.duplicate)
        case _:
            raise UnexpectedEvent(f"{type(event).__name__} is not an event of a complaint stream")
    return _freeze(s)


def _without(state: Any, stage: object) -> tuple[SlaExtensionRequested, ...]:
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
