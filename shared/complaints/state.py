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
from typing import TYPE_CHECKING, Any

from shared.complaints.errors import StreamOutOfOrder, UnexpectedEvent
from shared.complaints.kernel import COMPLAINT_EVENTS, EVOLUTIONS, Evolution
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

if TYPE_CHECKING:
    from shared.complaints.stages.cooperation import Cooperation
    from shared.complaints.stages.eight_d import EightDCase
    from shared.complaints.stages.receipt import ComplaintReturnedForCorrection
    from shared.complaints.stages.revisit import FeedbackReceived
    from shared.complaints.stages.time_limits import SlaBreached, SlaExtensionRequested, SlaWarningRaised


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
    confirmed: CloseReason | None = None
    """How the complainant confirmed the current answer (satisfied, or acknowledged) — None until
    they did, and again after a reopen; what closes a complaint whose 8D case waits for D8."""
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
    green_channel_department: str | None = None
    """The department whose head and supervisors were told of this urgent complaint (绿色通道)."""
    awaiting_director: bool = False
    """A matter reported as beyond the handler's authority waits for the director's instruction."""
    upgraded_from: str | None = None
    """The earlier complaint whose answer the complainant rejected (升级投诉), if this is one."""
    follow_up_plan: str | None = None
    """The follow-up plan recorded when the complaint was closed as unresolvable."""
    risk_flags: tuple[str, ...] = ()
    """The risk rules the complaint is flagged for (stages/risk.py); empty when not flagged or cleared."""
    assigned_at: datetime | None = None
    """When the responsible department was last given the complaint (assigned or transferred)."""
    objecting_department: str | None = None
    """The department whose objection to the assignment (异议) waits for a supervisor's decision."""
    cooperations: tuple[Cooperation, ...] = ()
    """The co-operating departments (协同部门) asked to contribute, one record each."""
    eight_d: EightDCase | None = None
    """The complaint's latest 8D case (stages/eight_d.py), open or closed; None when it never had one."""

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
        """Escalated along the chain, or started as an upgraded complaint (升级投诉), which is
        escalated from its first day without having climbed a level."""
        return self.escalation_level > 0 or self.upgraded_from is not None

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

    ``s`` starts as a copy of ``state`` one version on, a draft nobody else sees; the event's
    evolution (registered with ``@evolves`` in its stage's module, :mod:`shared.complaints.stages`)
    sets what changes, and the draft becomes the new state (replay folds every stored event
    through here; copying a frozen dataclass per field was most of its cost). An evolution reads
    ``s``'s fields before it sets them, so it sees the state before the event.
    """
    s = _next_draft(state)
    evolution = EVOLUTIONS.get(type(event)) or _evolution_of_a_subclass(event)
    evolution(s, event, at)
    return _freeze(s)


def _evolution_of_a_subclass(event: Event) -> Evolution:
    for kind in type(event).__mro__[1:]:
        evolution = EVOLUTIONS.get(kind)
        if evolution is not None:
            return evolution
    raise UnexpectedEvent(f"{type(event).__name__} is not an event of a complaint stream")


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
