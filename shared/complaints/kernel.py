"""What every lifecycle stage of a complaint builds on: the event and command bases, and the two
registries the aggregate dispatches over.

A stage module (:mod:`shared.complaints.stages`) declares its events and commands and registers,
next to them, how each command is decided and how each event changes the state:

    @COMPLAINT_EVENTS.register
    class ComplaintAssigned(ComplaintEvent):
        title: ClassVar[Label] = titled("派单", "Assigned to a department")
        department: Code = Field(description="...")

    @decides(AssignComplaint, by=SERVICE | STAFF)
    def _assign(state: ComplaintState, command: AssignComplaint) -> list[Event]: ...

    @evolves(ComplaintAssigned)
    def _assigned(s: Draft, event: ComplaintAssigned, at: datetime | None) -> None: ...

:func:`shared.complaints.decide.decide` and :func:`shared.complaints.state.evolve` look the type
up in :data:`DECISIONS` and :data:`EVOLUTIONS`; nothing else lists the types.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from shared.complaints.errors import Rejection, RejectionCode, reject
from shared.complaints.values import Label, Status, UtcDatetime, label
from shared.events.disclosure import WITHHELD, Code
from shared.events.envelope import Actor, Event, Role
from shared.events.registry import EventRegistry

if TYPE_CHECKING:
    from shared.complaints.state import ComplaintState

COMPLAINT_EVENTS = EventRegistry()
"""Every event type of the complaint stream."""


def titled(zh: str, en: str) -> Label:
    """An event's title in both languages (the timeline shows it)."""
    return Label.of(zh, en)


class ComplaintEvent(Event):
    """Base of every event of a complaint's stream. Each one says what people call it
    (``title``) and marks its text fields (:mod:`shared.events.disclosure`)."""

    title: ClassVar[Label]
    """What the timeline calls the event, in Simplified Chinese and English."""
    before_receipt: ClassVar[bool] = False
    """True for the events that may come before ComplaintReceived on a stream (a submission
    returned for correction): projections of received complaints skip them until it arrives."""


def complaint_events() -> list[type[ComplaintEvent]]:
    """Every registered event class of the complaint stream, in the order of their types' names."""
    models = (COMPLAINT_EVENTS.model_for(event_type) for event_type in COMPLAINT_EVENTS.types())
    return [model for model in models if issubclass(model, ComplaintEvent)]


class Command(BaseModel):
    """Base of every complaint command.

    Every command carries who asks (``actor``) and the handler's clock reading (``at``), so the
    domain never reads a clock. Pydantic validates shape only; whether a command is allowed is
    ``decide``'s business, and a refusal becomes a ``CommandRejected`` event.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    verb: ClassVar[str] = "handle"
    """What the command does, in English, to fill in rejection reasons ("cannot {verb} ...")."""
    verb_zh: ClassVar[str] = "处理"
    """What the command does, in Chinese, to fill in rejection reasons."""
    opens_stream: ClassVar[bool] = False
    """True for the commands that may start a new stream (receive, return for correction)."""

    actor: Actor = Field(description="Who asks, in which role (and for which department).")
    at: UtcDatetime = Field(description="When the handler took the command (UTC), from its clock.")

    @classmethod
    def name(cls) -> str:
        return cls.__name__


@COMPLAINT_EVENTS.register
class CommandRejected(ComplaintEvent):
    """A command was refused and nothing changed. Kept on the stream as the audit trail."""

    title: ClassVar[Label] = titled("操作被拒绝", "Command refused")

    command: Code = Field(description="Name of the refused command, e.g. ResolveComplaint.", min_length=1)
    reason_code: Code = Field(description="Stable machine-readable reason, e.g. not_assigned.", min_length=1)
    reason: Annotated[str, WITHHELD] = Field(description="Why it was refused, in English.", min_length=1)
    reason_zh: Annotated[str, WITHHELD] = Field(
        description="Why it was refused, in Simplified Chinese.", min_length=1
    )


# -- the registries ---------------------------------------------------------------------------

C = TypeVar("C", bound=Command)
Decision = Callable[["ComplaintState", C], list[Event]]

Draft = Any
"""The state being evolved: a mutable copy of the ComplaintState before the event, one version
on (see :mod:`shared.complaints.state`); an evolution sets the fields the event changes. Typed
loosely because the state itself is frozen; a misspelt field still fails at once, as the draft
has the state's slots and no others."""

Evolution = Callable[[Draft, Any, datetime | None], None]


@dataclass(frozen=True, slots=True)
class Rule:
    """How one command is decided, and who may issue it."""

    decide: Callable[[ComplaintState, Any], list[Event]]
    permitted: frozenset[Role]
    owner_only: bool


DECISIONS: dict[type[Command], Rule] = {}
"""The decision of every command type."""

EVOLUTIONS: dict[type[Event], Evolution] = {}
"""How every event type of the complaint stream changes the state."""

STAFF = frozenset({Role.SUPERVISOR, Role.ADMIN})
AGENT = frozenset({Role.AGENT})
SERVICE = frozenset({Role.SERVICE})


def decides(
    command: type[C], *, by: frozenset[Role], owner_only: bool = False
) -> Callable[[Decision[C]], Decision[C]]:
    """Register the decorated function as the decision of ``command``, which the roles ``by`` may
    issue. ``owner_only``: an agent may issue it only for the responsible department
    (:func:`require_owner`)."""

    def register(decision: Decision[C]) -> Decision[C]:
        if command in DECISIONS:
            raise ValueError(f"{command.__name__} is decided twice")
        DECISIONS[command] = Rule(decision, by, owner_only)
        return decision

    return register


def evolves(*events: type[Event]) -> Callable[[Evolution], Evolution]:
    """Register the decorated function as how each of ``events`` changes the state."""

    def register(evolution: Evolution) -> Evolution:
        for event in events:
            if event in EVOLUTIONS:
                raise ValueError(f"{event.__name__} evolves twice")
            EVOLUTIONS[event] = evolution
        return evolution

    return register


def _unchanged(s: Draft, event: Any, at: datetime | None) -> None:
    """Only the version moves on."""


def leaves_unchanged(*events: type[Event]) -> None:
    """Register ``events`` as changing nothing but the stream's version."""
    evolves(*events)(_unchanged)


leaves_unchanged(CommandRejected)


# -- what decisions check ---------------------------------------------------------------------

S = Status
NOT_ASSIGNED = {S.RECEIVED: RejectionCode.NOT_ASSIGNED}
NOT_ACCEPTED = {
    **NOT_ASSIGNED,
    S.ASSIGNED: RejectionCode.NOT_ACCEPTED,
    S.TRANSFERRED: RejectionCode.NOT_ACCEPTED,
}


def _context(state: ComplaintState, command: Command, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {"verb": command.verb, "verb_zh": command.verb_zh}
    if state.status is not None:
        context["status"] = label(state.status, "en").lower()
        context["status_zh"] = label(state.status, "zh-CN")
    context["department"] = label(state.department, "en") if state.department else "none yet"
    context["department_zh"] = label(state.department, "zh-CN") if state.department else "尚未指定"
    context.update(extra)
    return context


def fail(code: RejectionCode, state: ComplaintState, command: Command, **extra: Any) -> Rejection:
    """The refusal of ``command`` for ``code``, its reason filled in from the state."""
    return reject(code, **_context(state, command, **extra))


def require(
    state: ComplaintState,
    command: Command,
    allowed: Collection[Status],
    otherwise: dict[Status, RejectionCode] | None = None,
) -> None:
    """The status must be one of ``allowed``; else the code ``otherwise`` gives, or wrong_state."""
    assert state.status is not None
    if state.status in allowed:
        return
    code = (otherwise or {}).get(state.status, RejectionCode.WRONG_STATE)
    raise fail(code, state, command)


def require_owner(state: ComplaintState, command: Command) -> None:
    """An agent issues an owner-only command only for the responsible department."""
    actor = command.actor
    if actor.role is not Role.AGENT or not DECISIONS[type(command)].owner_only:
        return
    if state.department is None:
        return  # nobody owns it yet: the front line makes the initial assessment
    if actor.department is None or actor.department != state.department:
        raise fail(RejectionCode.NOT_OWNER, state, command)


def owner(state: ComplaintState) -> str:
    assert state.department is not None, "an assigned complaint has a department"
    return state.department


def stage_label(stage: Any) -> dict[str, str]:
    """A time limit's name for a rejection reason, in both languages."""
    return {"stage": label(stage, "en").lower(), "stage_zh": label(stage, "zh-CN")}
