"""Lead and co-operating departments (牵头/协同): the responsible department leads; a dispatch, the
lead's agent or a supervisor may ask other departments to co-operate. Each co-operating department
signs for its request (协同签收) and records its contribution (协同意见); the lead answers
(答复) only once every open co-operation has its contribution, unless a supervisor resolves with a
reason and so waives the missing ones.

Decisions where the issue was silent:

* The lead is the responsible ``department`` (assigned or transferred); it never co-operates with
  itself, and a department has at most one open co-operation on a complaint.
* A transfer keeps the co-operations (they serve the complaint, whoever leads it); a transfer to a
  co-operating department first withdraws its co-operation, as it now leads.
* A reopen keeps the contributions made; the new lead may ask again (a new request replaces the
  department's finished record).
* Contributions are one per request; a department that has more to say asks the lead to request
  again (or records it in the lead's progress through the lead).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field

from shared.complaints.errors import RejectionCode
from shared.complaints.kernel import (
    AGENT,
    COMPLAINT_EVENTS,
    NOT_ASSIGNED,
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
from shared.complaints.values import OPEN_COOPERATION, CooperationStatus, Label, Status, label
from shared.events.disclosure import Code, FreeText
from shared.events.envelope import Event, Role

if TYPE_CHECKING:
    from shared.complaints.state import ComplaintState

S = Status
C = CooperationStatus

COOPERABLE = frozenset({S.ASSIGNED, S.TRANSFERRED, S.ACCEPTED, S.IN_PROGRESS, S.REOPENED})
"""While the lead works the complaint (before its answer) others may be asked to co-operate."""


@dataclass(frozen=True, slots=True)
class Cooperation:
    """One co-operating department's part in a complaint."""

    department: str
    status: CooperationStatus
    requested_at: datetime | None = None
    agent: str | None = None
    """Who in the co-operating department signed for it."""
    accepted_at: datetime | None = None
    contributed_at: datetime | None = None

    @property
    def open(self) -> bool:
        return self.status in OPEN_COOPERATION


def open_cooperations(state: ComplaintState) -> tuple[Cooperation, ...]:
    return tuple(c for c in state.cooperations if c.open)


def cooperation_of(state: ComplaintState, department: str | None) -> Cooperation | None:
    """The department's open co-operation on the complaint, if any."""
    return next((c for c in open_cooperations(state) if c.department == department), None)


def cooperates(state: ComplaintState, department: str | None) -> bool:
    """Whether ``department`` co-operates (or co-operated) on the complaint without leading it."""
    return department is not None and any(c.department == department for c in state.cooperations)


def involved_departments(state: ComplaintState) -> tuple[str | None, ...]:
    """The lead (None before dispatch) and every department that co-operates or co-operated: who
    may see the complaint (each co-operating department without the others' notes)."""
    return (state.department, *(c.department for c in state.cooperations))


def _names(departments: list[str] | tuple[str, ...], lang: str) -> str:
    return ("、" if lang == "zh-CN" else ", ").join(label(d, lang) for d in departments)  # type: ignore[arg-type]


def _set(s: Draft, record: Cooperation) -> None:
    others = tuple(c for c in s.cooperations if c.department != record.department)
    s.cooperations = (*others, record)


def _update(s: Draft, department: str, **changes: object) -> None:
    current = next((c for c in s.cooperations if c.department == department), None)
    if current is not None:
        _set(s, replace(current, **changes))


BECAME_LEAD = "转派给该部门，由其牵头 / transferred to it: it now leads"
"""The reason of the withdrawal a transfer to a co-operating department makes (system text)."""


# -- requested --------------------------------------------------------------------------------


@COMPLAINT_EVENTS.register
class CooperationRequested(ComplaintEvent):
    """A department was asked to co-operate with the lead department (协同); it gets its own
    assignment on its feed (keyed by its code on the assignments topic)."""

    title: ClassVar[Label] = titled("发起协同", "Co-operation requested")

    department: Code = Field(description="Code of the co-operating department.", min_length=1)
    lead_department: Code = Field(description="Code of the lead (responsible) department.", min_length=1)
    note: FreeText | None = Field(None, description="What the lead asks of the co-operating department.")


class RequestCooperation(Command):
    """Ask other departments to co-operate with the lead (发起协同)."""

    verb: ClassVar[str] = "request co-operation on"
    verb_zh: ClassVar[str] = "发起协同"

    departments: list[str] = Field(description="Codes of the departments to co-operate.", min_length=1)
    note: str | None = Field(None, description="What the lead asks of them.")


def requested(
    state: ComplaintState, command: Command, departments: list[str], note: str | None, lead: str
) -> list[Event]:
    """The CooperationRequested events for ``departments`` (the lead being ``lead``), or a refusal:
    shared by the dispatch (which names co-operating departments with the lead) and the request."""
    if lead in departments:
        raise fail(RejectionCode.COOPERATION_WITH_ITSELF, state, command)
    duplicates = sorted({d for d in departments if departments.count(d) > 1 or cooperation_of(state, d)})
    if duplicates:
        raise fail(
            RejectionCode.ALREADY_COOPERATING,
            state,
            command,
            departments=_names(duplicates, "en"),
            departments_zh=_names(duplicates, "zh-CN"),
        )
    return [CooperationRequested(department=d, lead_department=lead, note=note) for d in departments]


@decides(RequestCooperation, by=AGENT | STAFF, owner_only=True)
def _request(state: ComplaintState, command: RequestCooperation) -> list[Event]:
    require(state, command, COOPERABLE, NOT_ASSIGNED)
    require_owner(state, command)
    return requested(state, command, command.departments, command.note, owner(state))


@evolves(CooperationRequested)
def _requested(s: Draft, event: CooperationRequested, at: datetime | None) -> None:
    _set(s, Cooperation(event.department, C.REQUESTED, requested_at=at))


# -- the co-operating department's part -------------------------------------------------------


def _not_cooperating(state: ComplaintState, command: Command, department: str | None) -> Exception:
    """The refusal naming the department (a supervisor who named none: said so)."""
    en = label(department, "en") if department else "A department (none was named)"
    zh = label(department, "zh-CN") if department else "未指定的部门"
    return fail(RejectionCode.NOT_COOPERATING, state, command, cooperating=en, cooperating_zh=zh)


def _cooperator(state: ComplaintState, command: Command, department: str | None) -> Cooperation:
    """The co-operation the command acts on: an agent acts for its own department only."""
    actor = command.actor
    if actor.role is Role.AGENT:
        if department is not None and department != actor.department:
            raise _not_cooperating(state, command, department)
        department = actor.department
    record = cooperation_of(state, department)
    if record is None:
        raise _not_cooperating(state, command, department)
    return record


@COMPLAINT_EVENTS.register
class CooperationAccepted(ComplaintEvent):
    """The co-operating department signed for the co-operation request (协同签收)."""

    title: ClassVar[Label] = titled("协同签收", "Co-operation signed for")

    department: Code = Field(description="Code of the co-operating department.", min_length=1)
    agent: Code = Field(description="Id of the person in it who will contribute.", min_length=1)


class AcceptCooperation(Command):
    """The co-operating department signs for the request (协同签收)."""

    verb: ClassVar[str] = "sign for the co-operation on"
    verb_zh: ClassVar[str] = "协同签收"

    department: str | None = Field(
        None, description="The co-operating department (an agent's own, by default).", min_length=1
    )
    agent: str | None = Field(None, description="Who will contribute; defaults to the actor.", min_length=1)


@decides(AcceptCooperation, by=AGENT | STAFF)
def _accept(state: ComplaintState, command: AcceptCooperation) -> list[Event]:
    record = _cooperator(state, command, command.department)
    if record.status is not C.REQUESTED:
        raise fail(RejectionCode.COOPERATION_ALREADY_ACCEPTED, state, command)
    return [CooperationAccepted(department=record.department, agent=command.agent or command.actor.id)]


@evolves(CooperationAccepted)
def _accepted(s: Draft, event: CooperationAccepted, at: datetime | None) -> None:
    _update(s, event.department, status=C.ACCEPTED, agent=event.agent, accepted_at=at)


@COMPLAINT_EVENTS.register
class ContributionRecorded(ComplaintEvent):
    """The co-operating department recorded its contribution (协同意见) for the lead. Only the
    lead, the department itself and supervisors read it."""

    title: ClassVar[Label] = titled("提交协同意见", "Contribution recorded")

    department: Code = Field(description="Code of the co-operating department.", min_length=1)
    contribution: FreeText = Field(description="What the department found or did.", min_length=1)


class RecordContribution(Command):
    """The co-operating department records its contribution (提交协同意见)."""

    verb: ClassVar[str] = "record a contribution on"
    verb_zh: ClassVar[str] = "提交协同意见"

    department: str | None = Field(
        None, description="The co-operating department (an agent's own, by default).", min_length=1
    )
    contribution: str = Field(description="What the department found or did.", min_length=1)


@decides(RecordContribution, by=AGENT | STAFF)
def _contribute(state: ComplaintState, command: RecordContribution) -> list[Event]:
    record = _cooperator(state, command, command.department)
    if record.status is not C.ACCEPTED:
        raise fail(RejectionCode.COOPERATION_NOT_ACCEPTED, state, command)
    return [ContributionRecorded(department=record.department, contribution=command.contribution)]


@evolves(ContributionRecorded)
def _contributed(s: Draft, event: ContributionRecorded, at: datetime | None) -> None:
    _update(s, event.department, status=C.CONTRIBUTED, contributed_at=at)


# -- withdrawn, waived ------------------------------------------------------------------------


@COMPLAINT_EVENTS.register
class CooperationWithdrawn(ComplaintEvent):
    """A co-operation request was withdrawn: the department owes no contribution any more."""

    title: ClassVar[Label] = titled("撤销协同", "Co-operation withdrawn")

    department: Code = Field(description="Code of the co-operating department.", min_length=1)
    reason: FreeText = Field(description="Why it was withdrawn.", min_length=1)


class WithdrawCooperation(Command):
    """Withdraw a co-operation request (撤销协同): the lead's agent or a supervisor."""

    verb: ClassVar[str] = "withdraw the co-operation on"
    verb_zh: ClassVar[str] = "撤销协同"

    department: str = Field(description="The co-operating department.", min_length=1)
    reason: str = Field(description="Why it is withdrawn.", min_length=1)


@decides(WithdrawCooperation, by=AGENT | STAFF, owner_only=True)
def _withdraw(state: ComplaintState, command: WithdrawCooperation) -> list[Event]:
    require_owner(state, command)
    if cooperation_of(state, command.department) is None:
        raise _not_cooperating(state, command, command.department)
    return [CooperationWithdrawn(department=command.department, reason=command.reason)]


@evolves(CooperationWithdrawn)
def _withdrawn(s: Draft, event: CooperationWithdrawn, at: datetime | None) -> None:
    _update(s, event.department, status=C.WITHDRAWN)


@COMPLAINT_EVENTS.register
class ContributionsWaived(ComplaintEvent):
    """A supervisor let the lead answer without the contributions still missing (the override)."""

    title: ClassVar[Label] = titled("免除协同意见", "Contributions waived")

    departments: list[Code] = Field(description="Codes of the departments whose contribution is waived.")
    reason: FreeText = Field(description="The supervisor's reason.", min_length=1)


@evolves(ContributionsWaived)
def _waived(s: Draft, event: ContributionsWaived, at: datetime | None) -> None:
    for department in event.departments:
        _update(s, department, status=C.WAIVED)


def contributions_in(state: ComplaintState, command: Command, override: str | None) -> list[Event]:
    """Before the lead answers: [] when every co-operation has its contribution; the waiver when a
    supervisor overrides with a reason; else the refusal naming the departments still owing."""
    missing = [c.department for c in open_cooperations(state)]
    if not missing:
        return []
    if override and command.actor.role in STAFF:
        return [ContributionsWaived(departments=missing, reason=override)]
    raise fail(
        RejectionCode.CONTRIBUTIONS_MISSING,
        state,
        command,
        missing=_names(missing, "en"),
        missing_zh=_names(missing, "zh-CN"),
    )


def withdrawn_on_transfer(state: ComplaintState, to_department: str) -> list[Event]:
    """A transfer to a co-operating department withdraws its co-operation first: it now leads."""
    if cooperation_of(state, to_department) is None:
        return []
    return [CooperationWithdrawn(department=to_department, reason=BECAME_LEAD)]
