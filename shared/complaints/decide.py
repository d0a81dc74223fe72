"""decide(state, command) -> events: the complaint's rules, pure.

A command is checked in this order, and the first failure is the reason given:

1. the actor's role may issue the command at all (``not_permitted``, see :data:`PERMITTED`);
2. the complaint exists (``unknown_complaint``), or for ReceiveComplaint does not yet
   (``already_received``);
3. the complaint is not final (``already_closed``), except the permitted reopen of a closed one;
4. the command fits the status (``not_assigned``, ``not_accepted``, ``wrong_state``,
   ``feedback_on_open_complaint``, ``already_acknowledged``, ``already_on_hold``, ``not_on_hold``);
5. an agent acts only for the responsible department (``not_owner``, see :data:`OWNER_ONLY`);
6. the command's own values make sense (``same_department``, ``invalid_score``,
   ``already_escalated``, ``already_recorded``, ``extension_pending``, ``no_extension_pending``,
   ``consent_in_future``, ``extension_too_late`` (the SLA service passes the deadline and the end
   of one working day's notice, counted on its calendar, so the rule stays pure here),
   ``merge_into_self``, ``merge_target_unknown``, ``merge_target_final``).

A stream that starts with ComplaintReturnedForCorrection (status ``awaiting_correction``) is not
received yet: only ReceiveComplaint (the corrected submission) and LapseCorrection apply to it,
anything else is ``awaiting_correction``. MergeComplaint carries the surviving complaint's
status, read by the handler, so that this stays pure.

A refused command yields exactly ``[CommandRejected(...)]``; the caller appends it like any
other event, and folding it changes nothing but the version.

**Already done.** A service's command whose effect is already there (see :data:`ALREADY_DONE`:
acknowledged, the SLA warning or breach recorded, escalated to that level) yields ``[]``: nothing
to append, and the handler goes on as if it had succeeded. Services re-issue their commands
after races and redeliveries (intake's acknowledgement and the SLA service's out-of-hours one),
so such a refusal says nothing about the complaint; the audit trail keeps the real refusals, of
people's and channels' commands, and of services' commands refused for any other reason.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from shared.complaints.commands import (
    AcceptComplaint,
    AcknowledgeComplaint,
    ApproveSlaExtension,
    AssignComplaint,
    CloseAsNotAComplaint,
    Command,
    DeclineSlaExtension,
    EscalateComplaint,
    GiveFeedback,
    LapseCorrection,
    LinkPossibleDuplicate,
    MergeComplaint,
    PutComplaintOnHold,
    RaiseSlaWarning,
    ReceiveComplaint,
    RecordMergedDuplicate,
    RecordProgress,
    RecordSlaBreach,
    RegradeComplaint,
    ReopenComplaint,
    RequestSlaExtension,
    ResolveComplaint,
    ResumeComplaint,
    ReturnForCorrection,
    ScheduleRevisit,
    TransferComplaint,
    WithdrawComplaint,
)
from shared.complaints.errors import Rejection, RejectionCode, reject
from shared.complaints.events import (
    CommandRejected,
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
    SlaExtensionApproved,
    SlaExtensionDeclined,
    SlaExtensionRequested,
    SlaWarningRaised,
)
from shared.complaints.state import ComplaintState
from shared.complaints.values import FINAL_STATUSES, CloseReason, ReopenTrigger, Status, label
from shared.events.envelope import Event, Role

S = Status
_STAFF = frozenset({Role.SUPERVISOR, Role.ADMIN})

PERMITTED: dict[type[Command], frozenset[Role]] = {
    ReceiveComplaint: frozenset({Role.CHANNEL, Role.AGENT, Role.SERVICE}) | _STAFF,
    RegradeComplaint: frozenset({Role.AGENT}) | _STAFF,
    AcknowledgeComplaint: frozenset({Role.SERVICE, Role.AGENT}) | _STAFF,
    AssignComplaint: frozenset({Role.SERVICE}) | _STAFF,
    AcceptComplaint: frozenset({Role.AGENT}) | _STAFF,
    RecordProgress: frozenset({Role.AGENT}) | _STAFF,
    ResolveComplaint: frozenset({Role.AGENT}) | _STAFF,
    TransferComplaint: frozenset({Role.AGENT}) | _STAFF,
    EscalateComplaint: frozenset({Role.AGENT, Role.SERVICE}) | _STAFF,
    ScheduleRevisit: frozenset({Role.AGENT, Role.SERVICE}) | _STAFF,
    GiveFeedback: frozenset({Role.COMPLAINANT, Role.AGENT, Role.SERVICE}) | _STAFF,
    ReopenComplaint: _STAFF,
    WithdrawComplaint: frozenset({Role.COMPLAINANT, Role.SERVICE}) | _STAFF,
    CloseAsNotAComplaint: frozenset({Role.AGENT}) | _STAFF,
    RaiseSlaWarning: frozenset({Role.SERVICE, Role.ADMIN}),
    RecordSlaBreach: frozenset({Role.SERVICE, Role.ADMIN}),
    PutComplaintOnHold: frozenset({Role.AGENT}) | _STAFF,
    ResumeComplaint: frozenset({Role.AGENT}) | _STAFF,
    RequestSlaExtension: frozenset({Role.AGENT}) | _STAFF,
    ApproveSlaExtension: _STAFF,
    DeclineSlaExtension: _STAFF,
    LinkPossibleDuplicate: frozenset({Role.SERVICE}),
    MergeComplaint: frozenset({Role.SUPERVISOR}),
    ReturnForCorrection: frozenset({Role.CHANNEL, Role.SERVICE}),
    LapseCorrection: frozenset({Role.SERVICE}),
    RecordMergedDuplicate: frozenset({Role.SUPERVISOR}),
}
"""Which roles may issue each command. Operators and auditors issue none (they run and read
the system); channels only receive; complainants give feedback and withdraw. Only intake links
possible duplicates and lapses corrections; only a supervisor merges a duplicate."""

OWNER_ONLY: frozenset[type[Command]] = frozenset(
    {
        AcceptComplaint,
        RecordProgress,
        ResolveComplaint,
        TransferComplaint,
        EscalateComplaint,
        CloseAsNotAComplaint,
        RegradeComplaint,
        PutComplaintOnHold,
        ResumeComplaint,
        RequestSlaExtension,
    }
)
"""Commands an agent may issue only for the responsible department (supervisors and admins
act on any complaint). While nobody owns the complaint yet, any agent may escalate it or close
it as not a complaint: that is the front line's initial assessment (e.g. the green channel for
an urgent complaint)."""

ALREADY_DONE: frozenset[RejectionCode] = frozenset(
    {RejectionCode.ALREADY_ACKNOWLEDGED, RejectionCode.ALREADY_RECORDED, RejectionCode.ALREADY_ESCALATED}
)
"""Refusals that only say the command's effect is already there: for a service, no refusal
(``decide`` returns ``[]``, see the module docstring)."""

_NOT_ASSIGNED = {S.RECEIVED: RejectionCode.NOT_ASSIGNED}
_NOT_ACCEPTED = {
    **_NOT_ASSIGNED,
    S.ASSIGNED: RejectionCode.NOT_ACCEPTED,
    S.TRANSFERRED: RejectionCode.NOT_ACCEPTED,
}


def decide(state: ComplaintState, command: Command) -> list[Event]:
    """The events that ``command`` causes, or exactly ``[CommandRejected]`` with the reason, or
    ``[]`` when a service's command is already done (:func:`already_done`)."""
    try:
        _check_role(command)
        _check_exists(state, command)
        return _decide(state, command)
    except Rejection as rejection:
        if already_done(command, rejection.code):
            return []
        return [
            CommandRejected(
                command=command.name(),
                reason_code=rejection.code.value,
                reason=rejection.reason,
                reason_zh=rejection.reason_zh,
            )
        ]


def already_done(command: Command, code: RejectionCode) -> bool:
    """Whether refusing ``command`` for ``code`` only says that its effect is already there, and
    the command is a service's, which then is no refusal (see the module docstring)."""
    return command.actor.role is Role.SERVICE and code in ALREADY_DONE


def _context(state: ComplaintState, command: Command, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {"verb": command.verb, "verb_zh": command.verb_zh}
    if state.status is not None:
        context["status"] = label(state.status, "en").lower()
        context["status_zh"] = label(state.status, "zh-CN")
    context["department"] = label(state.department, "en") if state.department else "none yet"
    context["department_zh"] = label(state.department, "zh-CN") if state.department else "尚未指定"
    context.update(extra)
    return context


def _fail(code: RejectionCode, state: ComplaintState, command: Command, **extra: Any) -> Rejection:
    return reject(code, **_context(state, command, **extra))


def _check_role(command: Command) -> None:
    role = command.actor.role
    allowed = PERMITTED.get(type(command))
    if allowed is None:
        raise TypeError(f"{type(command).__name__} is not a complaint command")
    if role not in allowed:
        raise reject(
            RejectionCode.NOT_PERMITTED,
            verb=command.verb,
            verb_zh=command.verb_zh,
            role=label(role, "en").lower(),
            role_zh=label(role, "zh-CN"),
        )


def _check_exists(state: ComplaintState, command: Command) -> None:
    awaiting = state.status is S.AWAITING_CORRECTION
    if isinstance(command, ReceiveComplaint):
        if state.exists and not awaiting:  # a returned submission is received once corrected
            raise _fail(RejectionCode.ALREADY_RECEIVED, state, command, complaint_no=state.complaint_no)
        return
    if isinstance(command, ReturnForCorrection):
        if state.exists:
            raise _fail(RejectionCode.ALREADY_RECEIVED, state, command, complaint_no=state.complaint_no)
        return
    if not state.exists:
        raise _fail(RejectionCode.UNKNOWN_COMPLAINT, state, command)
    if awaiting and not isinstance(command, LapseCorrection):
        raise _fail(RejectionCode.AWAITING_CORRECTION, state, command)
    if state.is_final and not (isinstance(command, ReopenComplaint) and state.status is S.CLOSED):
        raise _fail(RejectionCode.ALREADY_CLOSED, state, command)


def _require(
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
    raise _fail(code, state, command)


def _require_owner(state: ComplaintState, command: Command) -> None:
    actor = command.actor
    if actor.role is not Role.AGENT or type(command) not in OWNER_ONLY:
        return
    if state.department is None:
        return  # nobody owns it yet: the front line makes the initial assessment
    if actor.department is None or actor.department != state.department:
        raise _fail(RejectionCode.NOT_OWNER, state, command)


def _owner(state: ComplaintState) -> str:
    assert state.department is not None, "an assigned complaint has a department"
    return state.department


def _decide(state: ComplaintState, command: Command) -> list[Event]:
    match command:
        case ReceiveComplaint():
            return [
                ComplaintReceived(
                    complaint_no=command.complaint_no,
                    channel=command.channel,
                    complainant_kind=command.complainant_kind,
                    complainant_id=command.complainant_id,
                    personal_data=command.personal_data,
                    anonymous=command.anonymous,
                    category=command.category,
                    grade=command.grade,
                    subject=command.subject,
                    content=command.content,
                    product_refs=list(command.product_refs),
                    order_refs=list(command.order_refs),
                    received_at=command.received_at or command.at,
                    submission_id=command.submission_id,
                    industrial=command.industrial,
                    attachments=list(command.attachments),
                    assessment=command.assessment,
                    imported=command.imported,
                )
            ]

        case RegradeComplaint():
            _require_owner(state, command)
            assert state.grade is not None
            if command.grade == state.grade:
                raise _fail(RejectionCode.SAME_GRADE, state, command, grade=command.grade.value)
            return [ComplaintRegraded(grade=command.grade, previous_grade=state.grade, reason=command.reason)]

        case AcknowledgeComplaint():
            if state.acknowledged:
                raise _fail(RejectionCode.ALREADY_ACKNOWLEDGED, state, command)
            return [ComplaintAcknowledged(via=command.via, message_key=command.message_key)]

        case AssignComplaint():
            _require(state, command, {S.RECEIVED})
            return [ComplaintAssigned(department=command.department, rule=command.rule, note=command.note)]

        case AcceptComplaint():
            _require(state, command, {S.ASSIGNED, S.TRANSFERRED, S.REOPENED}, _NOT_ASSIGNED)
            _require_owner(state, command)
            return [ComplaintAccepted(department=_owner(state), agent=command.agent or command.actor.id)]

        case RecordProgress():
            _require(state, command, {S.ACCEPTED, S.IN_PROGRESS, S.REOPENED}, _NOT_ACCEPTED)
            _require_owner(state, command)
            return [ProgressRecorded(department=_owner(state), note=command.note, kind=command.kind)]

        case ResolveComplaint():
            _require(state, command, {S.ACCEPTED, S.IN_PROGRESS, S.REOPENED}, _NOT_ACCEPTED)
            _require_owner(state, command)
            return [
                ComplaintResolved(
                    department=_owner(state), resolution=command.resolution, root_cause=command.root_cause
                )
            ]

        case TransferComplaint():
            _require(
                state,
                command,
                {S.ASSIGNED, S.ACCEPTED, S.IN_PROGRESS, S.REOPENED, S.TRANSFERRED},
                _NOT_ASSIGNED,
            )
            _require_owner(state, command)
            if command.to_department == state.department:
                raise _fail(RejectionCode.SAME_DEPARTMENT, state, command)
            return [
                ComplaintTransferred(
                    from_department=_owner(state), to_department=command.to_department, reason=command.reason
                )
            ]

        case EscalateComplaint():
            _require_owner(state, command)
            level = command.level if command.level is not None else state.escalation_level + 1
            if level <= state.escalation_level:
                raise _fail(
                    RejectionCode.ALREADY_ESCALATED,
                    state,
                    command,
                    current=state.escalation_level,
                    level=level,
                )
            return [
                ComplaintEscalated(
                    level=level, to_role=command.to_role, reason=command.reason, stage=command.stage
                )
            ]

        case ScheduleRevisit():
            _require(state, command, {S.RESOLVED})
            return [RevisitScheduled(due_at=command.due_at)]

        case GiveFeedback():
            _require(
                state,
                command,
                {S.RESOLVED, S.REVISIT_PENDING},
                dict.fromkeys(Status, RejectionCode.FEEDBACK_ON_OPEN_COMPLAINT),
            )
            if not 1 <= command.score <= 5:
                raise _fail(RejectionCode.INVALID_SCORE, state, command, score=command.score)
            feedback = FeedbackReceived(
                satisfied=command.satisfied,
                score=command.score,
                comment=command.comment,
                acknowledged=command.acknowledged and not command.satisfied,
            )
            if command.satisfied:
                return [feedback, ComplaintClosed(reason=CloseReason.SATISFIED)]
            if command.acknowledged:
                return [feedback, ComplaintClosed(reason=CloseReason.ACKNOWLEDGED)]
            return [
                feedback,
                ComplaintReopened(
                    department=_owner(state),
                    reason=command.comment or f"Complainant not satisfied (score {command.score})",
                    reopen_count=state.reopen_count + 1,
                    trigger=ReopenTrigger.FEEDBACK,
                ),
            ]

        case ReopenComplaint():
            _require(state, command, {S.CLOSED})
            return [
                ComplaintReopened(
                    department=command.department or _owner(state),
                    reason=command.reason,
                    reopen_count=state.reopen_count + 1,
                    trigger=ReopenTrigger.SUPERVISOR,
                )
            ]

        case WithdrawComplaint():
            return [ComplaintWithdrawn(reason=command.reason)]

        case CloseAsNotAComplaint():
            _require(state, command, {S.RECEIVED, S.ASSIGNED, S.ACCEPTED})
            _require_owner(state, command)
            return [ComplaintClosedAsNotAComplaint(reason=command.reason)]

        case RaiseSlaWarning():
            warning = SlaWarningRaised(
                stage=command.stage, deadline=command.deadline, fraction=command.fraction
            )
            if warning in state.sla_warnings:
                raise _fail(
                    RejectionCode.ALREADY_RECORDED, state, command, what="SLA warning", what_zh="时限预警"
                )
            return [warning]

        case RecordSlaBreach():
            breach = SlaBreached(stage=command.stage, deadline=command.deadline, department=state.department)
            if any(b.stage == breach.stage and b.deadline == breach.deadline for b in state.sla_breaches):
                raise _fail(
                    RejectionCode.ALREADY_RECORDED, state, command, what="SLA breach", what_zh="超时记录"
                )
            return [breach]

        case PutComplaintOnHold():
            _require(state, command, {S.ACCEPTED, S.IN_PROGRESS, S.REOPENED}, _NOT_ACCEPTED)
            _require_owner(state, command)
            if state.on_hold:
                raise _fail(RejectionCode.ALREADY_ON_HOLD, state, command)
            return [ComplaintPutOnHold(department=_owner(state), reason=command.reason)]

        case ResumeComplaint():
            _require_owner(state, command)
            if not state.on_hold or state.on_hold_since is None:
                raise _fail(RejectionCode.NOT_ON_HOLD, state, command)
            return [
                ComplaintResumed(
                    department=_owner(state), on_hold_since=state.on_hold_since, note=command.note
                )
            ]

        case RequestSlaExtension():
            return [_request_extension(state, command)]

        case ApproveSlaExtension():
            request = _pending_extension(state, command)
            return [SlaExtensionApproved(stage=command.stage, extension=request.extension, note=command.note)]

        case DeclineSlaExtension():
            _pending_extension(state, command)
            return [SlaExtensionDeclined(stage=command.stage, reason=command.reason)]
        case LinkPossibleDuplicate():
            return [
                ComplaintLinkedAsPossibleDuplicate(
                    of=command.of,
                    rule=command.rule,
                    window_days=command.window_days,
                    similarity=command.similarity,
                )
            ]

        case MergeComplaint():
            # Once answered (resolved, revisit pending), the complaint ends through feedback.
            _require(
                state, command, {S.RECEIVED, S.ASSIGNED, S.ACCEPTED, S.IN_PROGRESS, S.TRANSFERRED, S.REOPENED}
            )
            if command.into == state.complaint_no:
                raise _fail(RejectionCode.MERGE_INTO_SELF, state, command)
            if command.into_status is None or command.into_status is S.AWAITING_CORRECTION:
                raise _fail(RejectionCode.MERGE_TARGET_UNKNOWN, state, command, into=command.into)
            if command.into_status in FINAL_STATUSES:
                raise _fail(
                    RejectionCode.MERGE_TARGET_FINAL,
                    state,
                    command,
                    into=command.into,
                    into_status=label(command.into_status, "en").lower(),
                    into_status_zh=label(command.into_status, "zh-CN"),
                )
            return [ComplaintMerged(into=command.into, reason=command.reason)]

        case ReturnForCorrection():
            return [
                ComplaintReturnedForCorrection(
                    complaint_no=command.complaint_no,
                    channel=command.channel,
                    channel_id=command.channel_id,
                    submission_id=command.submission_id,
                    missing_fields=list(command.missing_fields),
                    due_at=command.due_at,
                )
            ]

        case RecordMergedDuplicate():
            if command.duplicate == state.complaint_no:
                raise _fail(RejectionCode.MERGE_INTO_SELF, state, command)
            if command.duplicate in state.merged_duplicates:
                raise _fail(
                    RejectionCode.ALREADY_RECORDED,
                    state,
                    command,
                    what="merged duplicate",
                    what_zh="合并记录",
                )
            return [DuplicateMergedInto(duplicate=command.duplicate, reason=command.reason)]

        case LapseCorrection():
            _require(state, command, {S.AWAITING_CORRECTION})
            assert state.correction is not None
            return [
                ComplaintCorrectionLapsed(
                    missing_fields=list(state.correction.missing_fields), due_at=state.correction.due_at
                )
            ]

    raise TypeError(f"{type(command).__name__} is not a complaint command")


def _when(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%d %H:%M UTC")


def _request_extension(state: ComplaintState, command: RequestSlaExtension) -> SlaExtensionRequested:
    """At least one working day's notice (the SLA service counts it on its calendar and passes
    ``notice_until``), the complainant's consent given before the request, one pending per stage."""
    _require(
        state,
        command,
        {S.ASSIGNED, S.TRANSFERRED, S.ACCEPTED, S.IN_PROGRESS, S.REOPENED, S.RESOLVED, S.REVISIT_PENDING},
        _NOT_ASSIGNED,
    )
    _require_owner(state, command)
    stage = {"stage": label(command.stage, "en").lower(), "stage_zh": label(command.stage, "zh-CN")}
    if any(request.stage == command.stage for request in state.pending_extensions):
        raise _fail(RejectionCode.EXTENSION_PENDING, state, command, **stage)
    if command.consent_at > command.at:
        raise _fail(
            RejectionCode.CONSENT_IN_FUTURE,
            state,
            command,
            consent_at=_when(command.consent_at),
            at=_when(command.at),
        )
    if command.notice_until > command.deadline:
        raise _fail(
            RejectionCode.EXTENSION_TOO_LATE,
            state,
            command,
            deadline=_when(command.deadline),
            notice_until=_when(command.notice_until),
        )
    return SlaExtensionRequested(
        stage=command.stage,
        department=_owner(state),
        deadline=command.deadline,
        extension=command.extension,
        reason=command.reason,
        consent_via=command.consent_via,
        consent_at=command.consent_at,
        consent_note=command.consent_note,
    )


def _pending_extension(
    state: ComplaintState, command: ApproveSlaExtension | DeclineSlaExtension
) -> SlaExtensionRequested:
    for request in state.pending_extensions:
        if request.stage == command.stage:
            return request
    raise _fail(
        RejectionCode.NO_EXTENSION_PENDING,
        state,
        command,
        stage=label(command.stage, "en").lower(),
        stage_zh=label(command.stage, "zh-CN"),
    )
