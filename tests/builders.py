"""Builders for events, commands, actors and states, so tests read as the domain speaks.

Defaults describe one ordinary complaint: a customer's product-quality complaint from the
hotline, owned by the quality department. Override only what a test is about.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from shared.calendar.business import BusinessCalendar
from shared.clock import FakeClock
from shared.complaints import (
    AcceptComplaint,
    AcknowledgeComplaint,
    ApproveSlaExtension,
    AssignComplaint,
    Category,
    Channel,
    CloseAsNotAComplaint,
    Command,
    CommandRejected,
    Complainant,
    ComplainantKind,
    ComplaintReceived,
    ComplaintState,
    DeclineSlaExtension,
    EscalateComplaint,
    GiveFeedback,
    Grade,
    HistoricalOutcome,
    ImportedHistory,
    LapseCorrection,
    LinkPossibleDuplicate,
    MergeComplaint,
    ProgressKind,
    PutComplaintOnHold,
    RaiseSlaWarning,
    ReceiveComplaint,
    RecordProgress,
    RecordSlaBreach,
    ReopenComplaint,
    RequestSlaExtension,
    ResolveComplaint,
    ResumeComplaint,
    ReturnForCorrection,
    ScheduleRevisit,
    SlaStage,
    Status,
    TransferComplaint,
    WithdrawComplaint,
    decide,
    fold,
)
from shared.complaints.stages.beyond_authority import RecordDirectorInstruction, ReportBeyondAuthority
from shared.complaints.stages.cooperation import (
    AcceptCooperation,
    RecordContribution,
    RequestCooperation,
    WithdrawCooperation,
)
from shared.complaints.stages.eight_d import RecordEightDDiscipline, TeamMember
from shared.complaints.stages.green_channel import OpenGreenChannel
from shared.complaints.stages.objection import DecideObjection, ObjectToAssignment
from shared.complaints.stages.unresolvable import CloseAsUnresolvable
from shared.complaints.stages.upgrade import LinkUpgradedComplaint
from shared.complaints.values import CooperationStatus, Discipline, RevisitChannel, TeamRole
from shared.events import Actor, Event, NewEvent, RecordedEvent, Role
from shared.privacy.crypto import seal

C = TypeVar("C", bound=Command)

T0 = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
"""Monday 5 January 2026, 09:00 in Shanghai: the tests' "now"."""

COMPLAINT_NO = "TS-20260105-0001"
DEPT = "quality"
"""The department that owns the complaint in the builders' story."""
OTHER_DEPT = "after_sales"


def at(minutes: float = 0, *, hours: float = 0, days: float = 0) -> datetime:
    """An instant relative to T0."""
    return T0 + timedelta(minutes=minutes, hours=hours, days=days)


# --- actors -------------------------------------------------------------------------------


def agent(department: str | None = DEPT, id: str = "agent-1") -> Actor:
    return Actor(role=Role.AGENT, id=id, department=department)


def supervisor(id: str = "supervisor-1") -> Actor:
    return Actor(role=Role.SUPERVISOR, id=id)


def admin(id: str = "admin-1") -> Actor:
    return Actor(role=Role.ADMIN, id=id)


def channel(id: str = "hotline") -> Actor:
    return Actor(role=Role.CHANNEL, id=id)


def complainant(id: str = "complainant-1") -> Actor:
    return Actor(role=Role.COMPLAINANT, id=id)


def service(name: str = "routing") -> Actor:
    return Actor.service(name)


def auditor(id: str = "auditor-1") -> Actor:
    return Actor(role=Role.AUDITOR, id=id)


def operator(id: str = "operator-1") -> Actor:
    return Actor(role=Role.OPERATOR, id=id)


def pr_owner(id: str = "pr-1") -> Actor:
    return Actor(role=Role.PR_OWNER, id=id)


def an_actor(role: Role, department: str | None = None) -> Actor:
    """Any actor in ``role`` (agents get ``department``)."""
    return Actor(role=role, id=f"{role.value}-1", department=department)


# --- events -------------------------------------------------------------------------------


def a_complainant(**fields: Any) -> Complainant:
    return Complainant(**{"name": "王女士", "phone": "13800000000", **fields})


TEST_KEY = bytes(range(32))
"""The key the builders seal personal data with (tests that open it use it too)."""


def complainant_id_of(person: Complainant) -> uuid.UUID:
    """A stable pseudonymous id per test person (intake draws a random one)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"tousu-test:{person.name}:{person.phone}:{person.email}")


def sealed_complainant(complaint_no: str, person: Complainant | None) -> dict[str, Any]:
    """``complainant_id`` and ``personal_data`` fields of a person, sealed with TEST_KEY."""
    if person is None:
        return {"complainant_id": None, "personal_data": None}
    cid = complainant_id_of(person)
    return {"complainant_id": cid, "personal_data": seal(TEST_KEY, cid, complaint_no, person)}


def _with_sealed_complainant(fields: dict[str, Any], default_no: str) -> dict[str, Any]:
    """Builders take a plain ``complainant=`` (default: a_complainant()) and seal it, as intake does."""
    anonymous = fields.get("anonymous", False)
    if "personal_data" in fields:
        return fields
    person = fields.pop("complainant", None if anonymous else a_complainant())
    return {**fields, **sealed_complainant(fields.get("complaint_no", default_no), person)}


def received(**fields: Any) -> ComplaintReceived:
    """A ComplaintReceived event."""
    fields = _with_sealed_complainant(dict(fields), COMPLAINT_NO)
    defaults: dict[str, Any] = {
        "complaint_no": COMPLAINT_NO,
        "channel": Channel.HOTLINE,
        "complainant_kind": ComplainantKind.CUSTOMER,
        "category": Category.PRODUCT_QUALITY,
        "subject": "洗衣机漏水",
        "content": "新买的洗衣机第一次使用就漏水。",
        "product_refs": ["WM-100"],
        "order_refs": ["SO-42"],
        "received_at": T0,
    }
    return ComplaintReceived(**{**defaults, **fields})


def history(outcome: str = "closed", *, department: str | None = DEPT, **fields: Any) -> ImportedHistory:
    """An imported complaint's history (``tousu import``): received at T0, closed (or resolved)
    a few days later, as the old records say."""
    dates: dict[str, Any] = {
        "open": {},
        "resolved": {"resolved_at": T0 + timedelta(days=2)},
        "closed": {"resolved_at": T0 + timedelta(days=2), "closed_at": T0 + timedelta(days=5)},
    }[outcome]
    defaults: dict[str, Any] = {
        "source": "legacy-crm",
        "row_id": "R-0001",
        "outcome": HistoricalOutcome(outcome),
        "department": department,
        **dates,
    }
    return ImportedHistory(**{**defaults, **fields})


# --- commands -----------------------------------------------------------------------------


def receive(*, by: Actor | None = None, when: datetime | None = None, **fields: Any) -> ReceiveComplaint:
    fields = _with_sealed_complainant(dict(fields), COMPLAINT_NO)
    defaults: dict[str, Any] = {
        "complaint_no": COMPLAINT_NO,
        "channel": Channel.HOTLINE,
        "complainant_kind": ComplainantKind.CUSTOMER,
        "category": Category.PRODUCT_QUALITY,
        "subject": "洗衣机漏水",
        "content": "新买的洗衣机第一次使用就漏水。",
    }
    return ReceiveComplaint(actor=by or channel(), at=when or T0, **{**defaults, **fields})


def acknowledge(*, by: Actor | None = None, when: datetime | None = None) -> AcknowledgeComplaint:
    return AcknowledgeComplaint(actor=by or service("intake"), at=when or T0, via="sms", message_key="ack")


def assign(
    department: str = DEPT,
    *,
    by: Actor | None = None,
    when: datetime | None = None,
    rule: str = "category",
    cooperating: Sequence[str] = (),
) -> AssignComplaint:
    return AssignComplaint(
        actor=by or service("routing"),
        at=when or T0,
        department=department,
        rule=rule,
        cooperating=list(cooperating),
    )


COOP_DEPT = "logistics"
"""A department asked to co-operate (协同) on DEPT's complaints in the tests."""


def request_cooperation(
    *departments: str, by: Actor | None = None, when: datetime | None = None, note: str | None = "请核实"
) -> RequestCooperation:
    return RequestCooperation(
        actor=by or agent(), at=when or T0, departments=list(departments or [COOP_DEPT]), note=note
    )


def accept_cooperation(
    *, by: Actor | None = None, when: datetime | None = None, department: str | None = None
) -> AcceptCooperation:
    return AcceptCooperation(actor=by or agent(COOP_DEPT, "coop-1"), at=when or T0, department=department)


def contribute(
    text: str = "配送记录显示包装破损",
    *,
    by: Actor | None = None,
    when: datetime | None = None,
    department: str | None = None,
) -> RecordContribution:
    return RecordContribution(
        actor=by or agent(COOP_DEPT, "coop-1"), at=when or T0, department=department, contribution=text
    )


def withdraw_cooperation(
    department: str = COOP_DEPT, *, by: Actor | None = None, when: datetime | None = None
) -> WithdrawCooperation:
    return WithdrawCooperation(actor=by or agent(), at=when or T0, department=department, reason="不再需要")


def accept(
    *, by: Actor | None = None, when: datetime | None = None, agent_id: str | None = None
) -> AcceptComplaint:
    return AcceptComplaint(actor=by or agent(), at=when or T0, agent=agent_id)


def progress(
    note: str = "已联系客户上门检测",
    *,
    by: Actor | None = None,
    when: datetime | None = None,
    kind: ProgressKind = ProgressKind.UPDATE,
) -> RecordProgress:
    return RecordProgress(actor=by or agent(), at=when or T0, note=note, kind=kind)


def resolve(
    *, by: Actor | None = None, when: datetime | None = None, override_reason: str | None = None
) -> ResolveComplaint:
    return ResolveComplaint(
        actor=by or agent(),
        at=when or T0,
        resolution="更换进水管并补偿",
        root_cause="进水管接头松动",
        override_reason=override_reason,
    )


def transfer(
    to: str = OTHER_DEPT, *, by: Actor | None = None, when: datetime | None = None, reason: str = "属售后范围"
) -> TransferComplaint:
    return TransferComplaint(actor=by or agent(), at=when or T0, to_department=to, reason=reason)


def escalate(
    *,
    by: Actor | None = None,
    when: datetime | None = None,
    level: int | None = None,
    stage: SlaStage | None = None,
) -> EscalateComplaint:
    return EscalateComplaint(
        actor=by or service("sla"), at=when or T0, level=level, reason="超过处理时限", stage=stage
    )


def schedule_revisit(
    *, by: Actor | None = None, when: datetime | None = None, due: datetime | None = None
) -> ScheduleRevisit:
    return ScheduleRevisit(actor=by or service("feedback"), at=when or T0, due_at=due or at(days=3))


SURVIVOR_NO = "TS-20260104-0007"
"""The earlier complaint the builders' duplicate is linked to and merged into."""


def feedback(
    satisfied: bool = True,
    score: int | None = None,
    *,
    by: Actor | None = None,
    when: datetime | None = None,
    comment: str | None = None,
    acknowledged: bool = False,
    channel: RevisitChannel = RevisitChannel.PHONE,
) -> GiveFeedback:
    return GiveFeedback(
        actor=by or complainant(),
        at=when or T0,
        satisfied=satisfied,
        score=score if score is not None else (5 if satisfied else 2),
        comment=comment,
        acknowledged=acknowledged,
        channel=channel,
    )


def close_unresolvable(
    reason: str = "政策限制，无法退款",
    follow_up_plan: str = "客服每月回访一次，政策调整后优先处理",
    *,
    by: Actor | None = None,
    when: datetime | None = None,
) -> CloseAsUnresolvable:
    return CloseAsUnresolvable(
        actor=by or supervisor(), at=when or T0, reason=reason, follow_up_plan=follow_up_plan
    )


def link_upgraded(
    original: str = SURVIVOR_NO, *, by: Actor | None = None, when: datetime | None = None
) -> LinkUpgradedComplaint:
    return LinkUpgradedComplaint(actor=by or service("intake"), at=when or T0, original=original)


def reopen(
    *, by: Actor | None = None, when: datetime | None = None, department: str | None = None
) -> ReopenComplaint:
    return ReopenComplaint(
        actor=by or supervisor(), at=when or T0, reason="复查发现问题未解决", department=department
    )


def withdraw(*, by: Actor | None = None, when: datetime | None = None) -> WithdrawComplaint:
    return WithdrawComplaint(actor=by or complainant(), at=when or T0, reason="问题已自行解决")


def not_a_complaint(*, by: Actor | None = None, when: datetime | None = None) -> CloseAsNotAComplaint:
    return CloseAsNotAComplaint(actor=by or supervisor(), at=when or T0, reason="咨询类来电，非投诉")


def link_duplicate(
    of: str = SURVIVOR_NO, *, by: Actor | None = None, when: datetime | None = None
) -> LinkPossibleDuplicate:
    return LinkPossibleDuplicate(
        actor=by or service("intake"), at=when or T0, of=of, rule="same-complainant", window_days=7,
        similarity=1.0,
    )  # fmt: skip


def merge(
    into: str = SURVIVOR_NO,
    *,
    into_status: Status | None = Status.ASSIGNED,
    by: Actor | None = None,
    when: datetime | None = None,
) -> MergeComplaint:
    return MergeComplaint(
        actor=by or supervisor(),
        at=when or T0,
        into=into,
        reason="同一投诉人重复提交",
        into_status=into_status,
    )


def return_for_correction(
    *,
    complaint_no: str = COMPLAINT_NO,
    missing: Sequence[str] = ("complainant.phone",),
    by: Actor | None = None,
    when: datetime | None = None,
) -> ReturnForCorrection:
    moment = when or T0
    return ReturnForCorrection(
        actor=by or channel(), at=moment, complaint_no=complaint_no, channel=Channel.HOTLINE,
        channel_id="ivr", submission_id="ivr-0001", missing_fields=list(missing),
        due_at=moment + timedelta(hours=24),
    )  # fmt: skip


def lapse_correction(*, by: Actor | None = None, when: datetime | None = None) -> LapseCorrection:
    return LapseCorrection(actor=by or service("intake"), at=when or at(hours=24))


def sla_warning(
    stage: SlaStage = SlaStage.RESOLUTION,
    *,
    by: Actor | None = None,
    when: datetime | None = None,
    deadline: datetime | None = None,
    fraction: float = 0.8,
) -> RaiseSlaWarning:
    return RaiseSlaWarning(
        actor=by or service("sla"),
        at=when or T0,
        stage=stage,
        deadline=deadline or at(days=3),
        fraction=fraction,
    )


def sla_breach(
    stage: SlaStage = SlaStage.RESOLUTION,
    *,
    by: Actor | None = None,
    when: datetime | None = None,
    deadline: datetime | None = None,
) -> RecordSlaBreach:
    return RecordSlaBreach(
        actor=by or service("sla"), at=when or T0, stage=stage, deadline=deadline or at(days=3)
    )


def hold(
    *, by: Actor | None = None, when: datetime | None = None, reason: str = "等待客户提供照片"
) -> PutComplaintOnHold:
    return PutComplaintOnHold(actor=by or agent(), at=when or T0, reason=reason)


def resume(*, by: Actor | None = None, when: datetime | None = None) -> ResumeComplaint:
    return ResumeComplaint(actor=by or agent(), at=when or T0, note="照片已收到")


def request_extension(
    *,
    by: Actor | None = None,
    when: datetime | None = None,
    stage: SlaStage = SlaStage.RESOLUTION,
    extension: timedelta = timedelta(days=2),
    deadline: datetime | None = None,
    notice_until: datetime | None = None,
    consent_at: datetime | None = None,
) -> RequestSlaExtension:
    """By default well in time: the deadline three days away, one working day's notice ends tomorrow."""
    now = when or T0
    return RequestSlaExtension(
        actor=by or agent(),
        at=now,
        stage=stage,
        extension=extension,
        reason="等待供应商检测报告",
        consent_via="phone",
        consent_at=consent_at or now - timedelta(minutes=5),
        deadline=deadline or now + timedelta(days=3),
        notice_until=notice_until or now + timedelta(days=1),
    )


def approve_extension(
    *, by: Actor | None = None, when: datetime | None = None, stage: SlaStage = SlaStage.RESOLUTION
) -> ApproveSlaExtension:
    return ApproveSlaExtension(actor=by or supervisor(), at=when or T0, stage=stage)


def decline_extension(
    *, by: Actor | None = None, when: datetime | None = None, stage: SlaStage = SlaStage.RESOLUTION
) -> DeclineSlaExtension:
    return DeclineSlaExtension(actor=by or supervisor(), at=when or T0, stage=stage, reason="理由不充分")


def a_command(kind: type[C], *, by: Actor | None = None, when: datetime | None = None, **fields: Any) -> C:
    """Any command with the given fields, by an agent of the responsible department unless ``by``
    says otherwise, at T0 unless ``when`` does: a new command needs no builder of its own."""
    return kind(actor=by or agent(), at=when or T0, **fields)


# --- running commands ---------------------------------------------------------------------


def apply(state: ComplaintState, command: Command) -> tuple[ComplaintState, list[Event]]:
    """Decide, then fold the decided events (timed with the command's ``at``)."""
    events = decide(state, command)
    return fold(((event, command.at) for event in events), state), events


def run(state: ComplaintState, *commands: Command) -> ComplaintState:
    """Apply commands in order; each must succeed."""
    for command in commands:
        state, events = apply(state, command)
        rejected = [e for e in events if isinstance(e, CommandRejected)]
        assert not rejected, f"{command.name()} was rejected: {rejected[0].reason}"
    return state


def rejection(events: list[Event]) -> CommandRejected:
    """The one CommandRejected that a refused command yields."""
    assert len(events) == 1 and isinstance(events[0], CommandRejected), f"not a rejection: {events}"
    return events[0]


def path_to(status: Status, department: str = DEPT) -> list[Command]:
    """The commands that take a new complaint to ``status``, owned by ``department``."""
    owner = agent(department)
    to_accepted: list[Command] = [receive(), assign(department), accept(by=owner)]
    to_resolved: list[Command] = [*to_accepted, progress(by=owner), resolve(by=owner)]
    paths: dict[Status, Callable[[], list[Command]]] = {
        Status.RECEIVED: lambda: [receive()],
        Status.ASSIGNED: lambda: [receive(), assign(department)],
        Status.ACCEPTED: lambda: to_accepted,
        Status.IN_PROGRESS: lambda: [*to_accepted, progress(by=owner)],
        Status.RESOLVED: lambda: to_resolved,
        Status.REVISIT_PENDING: lambda: [*to_resolved, schedule_revisit()],
        Status.CLOSED: lambda: [*to_resolved, feedback(satisfied=True)],
        Status.REOPENED: lambda: [*to_resolved, feedback(satisfied=False)],
        Status.TRANSFERRED: lambda: [
            receive(),
            assign(OTHER_DEPT if department != OTHER_DEPT else DEPT),
            transfer(to=department, by=supervisor()),
        ],
        Status.WITHDRAWN: lambda: [receive(), withdraw()],
        Status.CLOSED_NOT_COMPLAINT: lambda: [receive(), not_a_complaint()],
        Status.AWAITING_CORRECTION: lambda: [return_for_correction()],
        Status.CORRECTION_LAPSED: lambda: [return_for_correction(), lapse_correction()],
        Status.MERGED: lambda: [receive(), merge()],
    }
    return paths[status]()


def a_complaint_in(status: Status, department: str = DEPT) -> ComplaintState:
    """A complaint brought to ``status`` by ordinary commands, owned by ``department`` once assigned."""
    state = run(ComplaintState.initial(), *path_to(status, department))
    assert state.status is status
    return state


def a_new_complaint() -> ComplaintState:
    """A stream with no events yet."""
    return ComplaintState.initial()


# --- stored histories (for services under test, without the services that would write them) --


def new_complaint_no() -> str:
    """A complaint number no other test uses."""
    return f"TS-20260105-{uuid.uuid4().hex[:10].upper()}"


def as_new(event: Event, *, by: Actor | None = None, when: datetime | None = None) -> NewEvent:
    """An event ready to append to the store, as ``by`` did it at ``when`` (default: a channel at T0)."""
    return NewEvent.of(event, actor=by or channel(), clock=FakeClock(when or T0))


def as_recorded_event(event: Event, *, stream_id: str = COMPLAINT_NO, version: int = 1) -> RecordedEvent:
    """An event as the store would give it back (a channel's, at T0), for a reaction to react to."""
    new = as_new(event)
    return RecordedEvent(
        **new.model_dump(),
        stream_id=stream_id,
        stream_version=version,
        global_position=version,
        tx_id=1,
        recorded_at=T0,
        hash="00",
    )


def history_to(
    status: Status, department: str = DEPT, *, complaint_no: str, **received: Any
) -> list[NewEvent]:
    """The events, ready to append to a new stream, that take complaint ``complaint_no`` to
    ``status`` owned by ``department``; ``received`` overrides fields of the ReceiveComplaint."""
    commands = path_to(status, department)
    first = commands[0]
    assert isinstance(first, ReceiveComplaint)
    commands[0] = receive(complaint_no=complaint_no, by=first.actor, when=first.at, **received)
    state, events = ComplaintState.initial(), []
    for command in commands:
        state, decided = apply(state, command)
        assert not any(isinstance(e, CommandRejected) for e in decided), f"{command.name()} was rejected"
        events += [as_new(event, by=command.actor, when=command.at) for event in decided]
    return events


# --- random histories (analytics: rebuild equals incremental) -------------------------------

NAMES = ("张三", "李四", "王女士", "John Smith", "Zoë", "欧阳娜娜")


def random_history(
    rng: random.Random,
    complaint_no: str,
    *,
    start: datetime = T0,
    departments: Sequence[str] = ("quality", "after_sales", "logistics", "hr"),
    max_steps: int = 16,
) -> list[tuple[Command, list[Event]]]:
    """A plausible life of one complaint, decided by the domain: each command with its events.

    It wanders through assignment, transfer, escalation, SLA warnings and breaches, resolution,
    revisit, feedback (satisfied or not), reopening, withdrawal and not-a-complaint, with an
    occasional refused command (its events are then one CommandRejected), and stops at a final
    status or after ``max_steps`` commands.
    """
    kind = rng.choice(list(ComplainantKind))
    anonymous = kind is ComplainantKind.EMPLOYEE and rng.random() < 0.5
    when = start + timedelta(minutes=rng.randint(0, 600))
    first = receive(
        complaint_no=complaint_no,
        channel=rng.choice(list(Channel)),
        complainant_kind=kind,
        anonymous=anonymous,
        complainant=None if anonymous else a_complainant(name=rng.choice(NAMES), email="someone@example.com"),
        category=rng.choice(list(Category)),
        grade=rng.choice(list(Grade)),
        subject=f"投诉 {complaint_no}",
        received_at=when,
        when=when,
    )
    state, events = apply(ComplaintState.initial(), first)
    history: list[tuple[Command, list[Event]]] = [(first, events)]
    for _ in range(max_steps):
        if state.is_final and not (state.status is Status.CLOSED and rng.random() < 0.3):
            break
        when += timedelta(minutes=rng.randint(1, 900))
        command = _next_command(rng, state, when, departments)
        state, events = apply(state, command)
        history.append((command, events))
    return history


def _next_command(
    rng: random.Random, state: ComplaintState, when: datetime, departments: Sequence[str]
) -> Command:
    owner = agent(state.department) if state.department else agent()
    other = rng.choice([d for d in departments if d != state.department])
    deadline = when + timedelta(hours=rng.choice([4, 24, 72]))
    stage = rng.choice(list(SlaStage))
    if rng.random() < 0.1:  # a refused command: another department's agent, or feedback too early
        return rng.choice([resolve(by=agent(other), when=when), feedback(True, when=when)])
    choices: list[Command]
    match state.status:
        case Status.RECEIVED:
            choices = [assign(rng.choice(departments), when=when), assign(rng.choice(departments), when=when)]
            choices += [
                sla_warning(stage, when=when, deadline=deadline),
                sla_breach(stage, when=when, deadline=deadline),
            ]
            if not state.acknowledged:
                choices.append(acknowledge(when=when))
            if rng.random() < 0.3:
                choices += [withdraw(when=when), not_a_complaint(when=when)]
        case Status.ASSIGNED | Status.TRANSFERRED:
            choices = [
                accept(by=owner, when=when),
                accept(by=owner, when=when),
                transfer(other, by=supervisor(), when=when),
            ]
            choices.append(escalate(when=when, stage=stage))
        case Status.ACCEPTED | Status.IN_PROGRESS | Status.REOPENED:
            choices = [
                progress(by=owner, when=when),
                resolve(by=owner, when=when),
                resolve(by=owner, when=when),
            ]
            choices += [transfer(other, by=owner, when=when), escalate(when=when)]
            choices += [
                sla_warning(stage, when=when, deadline=deadline),
                sla_breach(stage, when=when, deadline=deadline),
            ]
            choices += _cooperation_commands(state, when, other)
        case Status.RESOLVED:
            choices = [schedule_revisit(when=when, due=when + timedelta(days=3)), feedback(True, when=when)]
            choices.append(feedback(False, when=when, comment="还是漏水，请联系我 13900000000"))
        case Status.REVISIT_PENDING:
            choices = [
                feedback(True, when=when),
                feedback(False, when=when),
                feedback(False, when=when, acknowledged=True),
            ]
        case Status.CLOSED:
            choices = [reopen(when=when, department=rng.choice([None, other]))]
        case _:
            choices = [withdraw(when=when)]
    return rng.choice([*choices, *_eight_d_steps(state, when, owner)])


def _eight_d_steps(state: ComplaintState, when: datetime, owner: Actor) -> list[Command]:
    """A severe complaint's open 8D case (stages/eight_d.py): its next discipline, or D1 again."""
    case = state.eight_d
    if case is None or case.closed or state.is_final:
        return []
    following = (case.missing() or [Discipline.D8])[0]
    team = [TeamMember(name="孙工", role=TeamRole.QUALITY_ENGINEER)] if following is Discipline.D1 else []
    record = RecordEightDDiscipline(
        actor=owner if state.department else supervisor(),
        at=when,
        discipline=following,
        content="已完成",
        team=team,
    )
    return [record, record]


def _cooperation_commands(state: ComplaintState, when: datetime, other: str) -> list[Command]:
    """Co-operation (协同) while the lead works: ask another department, sign for, contribute,
    or a supervisor's override of the missing contributions."""
    lead = agent(state.department) if state.department else agent()
    choices: list[Command] = [request_cooperation(other, by=lead, when=when)]
    for record in state.cooperations:
        helper = agent(record.department, f"agent-{record.department}")
        if record.status is CooperationStatus.REQUESTED:
            choices.append(accept_cooperation(by=helper, when=when))
        elif record.status is CooperationStatus.ACCEPTED:
            choices += [
                contribute(by=helper, when=when),
                resolve(by=supervisor(), when=when, override_reason="急"),
            ]
    return choices


def as_recorded(complaint_no: str, history: Sequence[tuple[Command, list[Event]]]) -> list[RecordedEvent]:
    """The history as the store would return it (positions and hashes are placeholders)."""
    records: list[RecordedEvent] = []
    for command, events in history:
        for event in events:
            new = NewEvent.of(event, actor=command.actor, clock=FakeClock(command.at), trace={})
            version = len(records) + 1
            records.append(
                RecordedEvent(
                    **new.model_dump(exclude={"payload"}),
                    payload=new.payload,
                    stream_id=complaint_no,
                    stream_version=version,
                    global_position=version,
                    tx_id=1,
                    recorded_at=command.at + timedelta(milliseconds=5),
                    hash="00" * 32,
                )
            )
    return records


# --- green channel and the director -------------------------------------------------------


def director(id: str = "director-1") -> Actor:
    return Actor(role=Role.DIRECTOR, id=id)


def open_green_channel(
    department: str = DEPT, notified: Sequence[str] = ("head-1", "supervisor-1")
) -> OpenGreenChannel:
    return OpenGreenChannel(
        actor=service(),
        at=T0,
        department=department,
        notified_roles=["department_head", "supervisor"],
        notified=list(notified),
    )


def report_beyond_authority(
    *, by: Actor | None = None, when: datetime | None = None, reason: str = "refund above our limit"
) -> ReportBeyondAuthority:
    return ReportBeyondAuthority(actor=by or agent(), at=when or T0, reason=reason)


def director_instruction(
    *, by: Actor | None = None, when: datetime | None = None, instruction: str = "refund in full"
) -> RecordDirectorInstruction:
    return RecordDirectorInstruction(actor=by or director(), at=when or T0, instruction=instruction)


def object_to_assignment(
    *,
    by: Actor | None = None,
    when: datetime | None = None,
    reason: str = "属物流配送问题",
    calendar: BusinessCalendar | None = None,
) -> ObjectToAssignment:
    """The department's objection at ``when``, its working day counted on ``calendar`` (default:
    Shanghai 09:00–18:00, weekends off, no public holidays) as the routing API counts it."""
    now = when or T0
    window_from, window_until = (calendar or BusinessCalendar()).working_day_bounds(now)
    return ObjectToAssignment(
        actor=by or agent(), at=now, reason=reason, window_from=window_from, window_until=window_until
    )


def decide_objection(
    uphold: bool,
    *,
    to: str | None = OTHER_DEPT,
    rule: str = "manual",
    by: Actor | None = None,
    when: datetime | None = None,
    reason: str = "同意改派",
) -> DecideObjection:
    return DecideObjection(
        actor=by or supervisor(), at=when or T0, uphold=uphold, reason=reason, to_department=to, rule=rule
    )
