"""Which complaint events start, stop or move the SLA clocks: pure, one event at a time.

`transitions` is the one statement of these rules: the table in services/sla/README.md is
rendered from it (tests/unit/sla/test_clock_rules_are_documented.py fails when they differ).

Why they are as they are: every start of a clock is preceded by a stop of the same stage, so at
most one clock per stage runs (the co-operation stages excepted: one per co-operating department,
协同, each charged to that department, its Start and Stop naming it; the domain never asks a
department twice while its request is open); the clocks of the work follow the owner department
(all but acknowledgement and first_response, which belong to the front desk and to the department
being asked to accept), so a breach is charged to the department responsible at the time. An
imported complaint (``ComplaintReceived.imported``, ``tousu import``) is history: its still-open
clocks start at the import (the envelope's ``occurred_at``), not at its old ``received_at``, and
nobody is written to about it (no acknowledgement clock), so nothing that ran out before the
import is ever fired as a breach, a warning or an escalation. Whether a stage runs at all for a
grade is the policy's business (a Start for a stage the policy sets no limit for starts nothing).

The consumer applies these changes to the ``sla_deadlines`` table; the fire loop replays them
over the stream to check that a timer it is about to fire has not been stopped or moved by an
event the consumer has not seen yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from shared.complaints import (
    COMPLAINT_EVENTS,
    ComplaintAccepted,
    ComplaintAssigned,
    ComplaintClosed,
    ComplaintClosedAsNotAComplaint,
    ComplaintMerged,
    ComplaintReceived,
    ComplaintReopened,
    ComplaintResolved,
    ComplaintTransferred,
    ComplaintWithdrawn,
    Lang,
    SlaStage,
)
from shared.complaints.events import (
    ComplaintAcknowledged,
    ComplaintPutOnHold,
    ComplaintRegraded,
    ComplaintResumed,
    FeedbackReceived,
    HistoricalOutcome,
    ProgressRecorded,
    SlaExtensionApproved,
)
from shared.complaints.stages.beyond_authority import (
    ComplaintReportedBeyondAuthority,
    DirectorInstructionRecorded,
)
from shared.complaints.stages.cooperation import (
    ContributionRecorded,
    ContributionsWaived,
    CooperationAccepted,
    CooperationRequested,
    CooperationWithdrawn,
)
from shared.complaints.stages.eight_d import EightDCaseClosed, EightDCaseOpened, EightDDisciplineRecorded
from shared.complaints.values import Discipline, Grade, ProgressKind
from shared.durations import IsoDuration
from shared.events import Event, RecordedEvent

FIRST = SlaStage.FIRST_RESPONSE
RESOLUTION = SlaStage.RESOLUTION
ACK = SlaStage.ACKNOWLEDGEMENT
PLAN = SlaStage.INITIAL_PLAN
PROGRESS = SlaStage.PROGRESS_UPDATE
REVISIT = SlaStage.REVISIT
DIRECTOR = SlaStage.DIRECTOR_REPORT
CO_ACCEPT = SlaStage.COOPERATION_ACCEPTANCE
CO_CONTRIBUTE = SlaStage.COOPERATION_CONTRIBUTION
COOPERATION_STAGES: tuple[SlaStage, ...] = (CO_ACCEPT, CO_CONTRIBUTE)
"""The clocks kept per co-operating department (the ``department`` is part of their key)."""
CONTAINMENT = SlaStage.EIGHT_D_CONTAINMENT
COUNTERMEASURE = SlaStage.EIGHT_D_COUNTERMEASURE
EIGHT_D_CLOSURE = SlaStage.EIGHT_D_CLOSURE

EIGHT_D: tuple[SlaStage, ...] = (CONTAINMENT, COUNTERMEASURE, EIGHT_D_CLOSURE)
"""The clocks of an 8D case, from its opening; they end with D3, D5 and D8, or with the complaint."""
EIGHT_D_STOPS: dict[Discipline, SlaStage] = {
    Discipline.D3: CONTAINMENT,
    Discipline.D5: COUNTERMEASURE,
}

WORK_STAGES: tuple[SlaStage, ...] = (ACK, FIRST, PLAN, PROGRESS, RESOLUTION, *COOPERATION_STAGES)
"""The clocks of the work on a complaint, stopped by anything that ends it."""
PAUSABLE: frozenset[SlaStage] = frozenset({RESOLUTION, PROGRESS})
"""The clocks that stop counting while the department waits on the complainant."""
FOLLOWS_OWNER: frozenset[SlaStage] = frozenset({PLAN, PROGRESS, RESOLUTION, REVISIT, *EIGHT_D})
"""The clocks charged to whichever department is responsible now."""


class StopReason(StrEnum):
    """Why a clock stopped; stored in ``sla_deadlines.stop_reason``."""

    ACCEPTED = "accepted"
    RESOLVED = "resolved"
    TRANSFERRED = "transferred"
    REOPENED = "reopened"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    CLOSED_NOT_COMPLAINT = "closed_not_complaint"
    ACKNOWLEDGED = "acknowledged"
    AUTO_ACKNOWLEDGED = "auto_acknowledged"
    """Received outside working hours and not acknowledged: the SLA service acknowledged it."""
    PLAN_RECORDED = "plan_recorded"
    PROGRESS_RECORDED = "progress_recorded"
    FEEDBACK = "feedback"
    INTERVAL_MISSED = "interval_missed"
    """A progress interval ran out without an update (breached); the next interval started."""
    NOT_IN_POLICY = "not_in_policy"
    """After a regrade or policy change the policy sets no limit for this stage any more."""
    MERGED = "merged"
    REJECTED = "rejected"
    """The complaint refused the SLA command (stop_detail holds the reason code)."""
    COMPLAINT_MISSING = "complaint_missing"
    """The deadline names a complaint that is not in the event store."""
    DIRECTOR_INSTRUCTED = "director_instructed"
    REPORTED_AGAIN = "reported_again"
    COOPERATION_ACCEPTED = "cooperation_accepted"
    CONTRIBUTED = "contributed"
    COOPERATION_WITHDRAWN = "cooperation_withdrawn"
    CONTRIBUTIONS_WAIVED = "contributions_waived"
    CONTAINED = "contained"
    """D3 (containment) of the 8D case was recorded."""
    COUNTERMEASURE_RECORDED = "countermeasure_recorded"
    """D5 (the permanent corrective action) of the 8D case was recorded."""
    EIGHT_D_CLOSED = "eight_d_closed"
    """D8 closed the 8D case."""


STOP_REASON_LABELS: dict[StopReason, dict[Lang, str]] = {
    StopReason.ACCEPTED: {"zh-CN": "责任部门已签收", "en": "Accepted by the department"},
    StopReason.RESOLVED: {"zh-CN": "已答复", "en": "Resolved"},
    StopReason.TRANSFERRED: {"zh-CN": "已转派其他部门", "en": "Transferred to another department"},
    StopReason.REOPENED: {"zh-CN": "重新打开，重新计时", "en": "Reopened; a new clock started"},
    StopReason.CLOSED: {"zh-CN": "已结案", "en": "Closed"},
    StopReason.WITHDRAWN: {"zh-CN": "投诉人已撤回", "en": "Withdrawn"},
    StopReason.CLOSED_NOT_COMPLAINT: {"zh-CN": "非投诉已致谢结案", "en": "Closed as not a complaint"},
    StopReason.ACKNOWLEDGED: {"zh-CN": "已确认收到", "en": "Acknowledged"},
    StopReason.AUTO_ACKNOWLEDGED: {
        "zh-CN": "非工作时间自动确认收到",
        "en": "Acknowledged automatically (received out of hours)",
    },
    StopReason.PLAN_RECORDED: {"zh-CN": "已登记初步方案", "en": "Initial plan recorded"},
    StopReason.PROGRESS_RECORDED: {"zh-CN": "已反馈进展", "en": "Progress recorded"},
    StopReason.FEEDBACK: {"zh-CN": "已回访", "en": "Revisit feedback received"},
    StopReason.INTERVAL_MISSED: {
        "zh-CN": "本周期未反馈进展（已超时），下一周期已开始",
        "en": "No progress update in the interval (breached); the next interval started",
    },
    StopReason.NOT_IN_POLICY: {
        "zh-CN": "新级别或新策略不再设置该时限",
        "en": "The new grade or policy sets no such limit",
    },
    StopReason.MERGED: {"zh-CN": "已合并到其他投诉", "en": "Merged into another complaint"},
    StopReason.REJECTED: {"zh-CN": "投诉拒绝了时限指令", "en": "The complaint refused the SLA command"},
    StopReason.DIRECTOR_INSTRUCTED: {"zh-CN": "总监已批示", "en": "The director gave an instruction"},
    StopReason.REPORTED_AGAIN: {
        "zh-CN": "再次上报总监，重新计时",
        "en": "Reported again; a new clock started",
    },
    StopReason.COOPERATION_ACCEPTED: {
        "zh-CN": "协同部门已签收",
        "en": "Signed for by the co-operating department",
    },
    StopReason.CONTRIBUTED: {"zh-CN": "协同部门已提交意见", "en": "The co-operating department contributed"},
    StopReason.COOPERATION_WITHDRAWN: {"zh-CN": "协同已撤销", "en": "The co-operation was withdrawn"},
    StopReason.CONTRIBUTIONS_WAIVED: {
        "zh-CN": "主管已免除协同意见",
        "en": "A supervisor waived the contribution",
    },
    StopReason.CONTAINED: {"zh-CN": "已登记 D3 临时围堵措施", "en": "D3 containment recorded"},
    StopReason.COUNTERMEASURE_RECORDED: {
        "zh-CN": "已登记 D5 永久纠正措施",
        "en": "D5 permanent corrective action recorded",
    },
    StopReason.EIGHT_D_CLOSED: {"zh-CN": "8D 已结案（D8）", "en": "8D case closed (D8)"},
    StopReason.COMPLAINT_MISSING: {
        "zh-CN": "事件库中没有该投诉",
        "en": "The complaint is not in the event store",
    },
}


@dataclass(frozen=True)
class Start:
    """A new clock of ``stage`` starts at ``started_at``, owned by ``department``."""

    stage: SlaStage
    started_at: datetime
    department: str | None


@dataclass(frozen=True)
class Stop:
    """The running clock of ``stage`` stops (a co-operation stage's: the named department's, or
    every department's when none is named)."""

    stage: SlaStage
    reason: StopReason
    department: str | None = None

    def stops(self, stage: SlaStage, department: str | None) -> bool:
        """Whether this stops the clock of ``stage`` charged to ``department``."""
        return stage is self.stage and (self.department is None or self.department == department)


@dataclass(frozen=True)
class Reassign:
    """The running resolution clock is now the responsibility of ``department``."""

    department: str


@dataclass(frozen=True)
class Pause:
    """The running clocks of ``stages`` stop counting (waiting on the complainant)."""

    stages: frozenset[SlaStage]


@dataclass(frozen=True)
class Resume:
    """The paused clocks of ``stages`` count again; the pause is added to their deadlines."""

    stages: frozenset[SlaStage]


@dataclass(frozen=True)
class Extend:
    """The running clock of ``stage`` gets ``extension`` more time."""

    stage: SlaStage
    extension: IsoDuration


@dataclass(frozen=True)
class Regrade:
    """Every running clock is re-planned for ``grade``."""

    grade: Grade


Change = Start | Stop | Reassign | Pause | Resume | Extend | Regrade
MOVES = (Pause, Resume, Extend, Regrade)
"""The changes that move a running clock's deadline without stopping it."""

CLOCK_EVENTS: frozenset[str] = frozenset(
    model.event_type
    for model in (
        ComplaintReceived,
        ComplaintAssigned,
        ComplaintAccepted,
        ComplaintTransferred,
        ComplaintResolved,
        ComplaintClosed,
        ComplaintWithdrawn,
        ComplaintClosedAsNotAComplaint,
        ComplaintReopened,
        ComplaintAcknowledged,
        ProgressRecorded,
        FeedbackReceived,
        ComplaintPutOnHold,
        ComplaintResumed,
        SlaExtensionApproved,
        ComplaintRegraded,
        ComplaintMerged,
        ComplaintReportedBeyondAuthority,
        DirectorInstructionRecorded,
        CooperationRequested,
        CooperationAccepted,
        ContributionRecorded,
        CooperationWithdrawn,
        ContributionsWaived,
        EightDCaseOpened,
        EightDDisciplineRecorded,
        EightDCaseClosed,
    )
)
"""The event types that change a clock; the consumer subscribes to these only."""


def _end_of_work(reason: StopReason) -> list[Change]:
    return [Stop(stage, reason) for stage in WORK_STAGES]


def _end_of_everything(reason: StopReason) -> list[Change]:
    return [*_end_of_work(reason), Stop(REVISIT, reason)]


def _final(reason: StopReason) -> list[Change]:
    # A complaint that ends needs no instruction any more; a resolved or reopened one still does.
    # Its 8D case ends with it (closed as unresolvable, withdrawn...: docs/8d.md).
    return [*_end_of_everything(reason), Stop(DIRECTOR, reason), *(Stop(s, reason) for s in EIGHT_D)]


# long: the rules table, one case per event; split up, no single place would say what moves a clock
def transitions(event: Event, occurred_at: datetime) -> list[Change]:
    """The clock changes ``event`` causes, in the order to apply them."""
    match event:
        case ComplaintReceived() if event.imported is not None:
            # history (tousu import): what ran out before the import is history, never fired
            if event.imported.outcome is not HistoricalOutcome.OPEN:
                return []
            return [Start(PLAN, occurred_at, None), Start(RESOLUTION, occurred_at, None)]
        case ComplaintReceived():
            return [
                Start(ACK, event.received_at, None),
                Start(PLAN, event.received_at, None),
                Start(RESOLUTION, event.received_at, None),
            ]
        case ComplaintAcknowledged():
            return [Stop(ACK, StopReason.ACKNOWLEDGED)]
        case ComplaintAssigned():
            return [Reassign(event.department), Start(FIRST, occurred_at, event.department)]
        case ComplaintTransferred():
            # The new department is not waiting on anyone yet: a pause ends with the transfer.
            return [
                Reassign(event.to_department),
                Resume(PAUSABLE),
                Stop(FIRST, StopReason.TRANSFERRED),
                Stop(PROGRESS, StopReason.TRANSFERRED),
                Start(FIRST, occurred_at, event.to_department),
            ]
        case ComplaintAccepted():
            return [
                Stop(FIRST, StopReason.ACCEPTED),
                Stop(PROGRESS, StopReason.ACCEPTED),
                Start(PROGRESS, occurred_at, event.department),
            ]
        case ProgressRecorded():
            plan = [Stop(PLAN, StopReason.PLAN_RECORDED)] if event.kind is ProgressKind.PLAN else []
            return [
                *plan,
                Stop(PROGRESS, StopReason.PROGRESS_RECORDED),
                Start(PROGRESS, occurred_at, event.department),
            ]
        case ComplaintResolved():
            # A reply with the result is a response too (a reopened complaint may be resolved
            # without being accepted again).
            return [*_end_of_work(StopReason.RESOLVED), Start(REVISIT, occurred_at, event.department)]
        case FeedbackReceived():
            return [Stop(REVISIT, StopReason.FEEDBACK)]
        case ComplaintClosed():
            return _final(StopReason.CLOSED)
        case ComplaintWithdrawn():
            return _final(StopReason.WITHDRAWN)
        case ComplaintClosedAsNotAComplaint():
            return _final(StopReason.CLOSED_NOT_COMPLAINT)
        case ComplaintMerged():
            return _final(StopReason.MERGED)
        case ComplaintReopened():
            return [
                *_end_of_everything(StopReason.REOPENED),
                Start(FIRST, occurred_at, event.department),
                Start(RESOLUTION, occurred_at, event.department),
            ]
        case ComplaintPutOnHold():
            return [Pause(PAUSABLE)]
        case ComplaintResumed():
            return [Resume(PAUSABLE)]
        case SlaExtensionApproved():
            return [Extend(event.stage, event.extension)]
        case ComplaintRegraded():
            return [Regrade(event.grade)]
        case ComplaintReportedBeyondAuthority():
            # the director's clock: from the report, whoever handles the complaint meanwhile
            return [Stop(DIRECTOR, StopReason.REPORTED_AGAIN), Start(DIRECTOR, occurred_at, event.department)]
        case DirectorInstructionRecorded():
            return [Stop(DIRECTOR, StopReason.DIRECTOR_INSTRUCTED)]
    return _cooperation(event, occurred_at)


def _cooperation(event: Event, occurred_at: datetime) -> list[Change]:
    """The co-operating departments' clocks (协同): each department's sign-for, then contribution."""
    match event:
        case CooperationRequested():
            return [Start(CO_ACCEPT, occurred_at, event.department)]
        case CooperationAccepted():
            return [
                Stop(CO_ACCEPT, StopReason.COOPERATION_ACCEPTED, event.department),
                Start(CO_CONTRIBUTE, occurred_at, event.department),
            ]
        case ContributionRecorded():
            return [Stop(CO_CONTRIBUTE, StopReason.CONTRIBUTED, event.department)]
        case CooperationWithdrawn():
            reason = StopReason.COOPERATION_WITHDRAWN
            return [Stop(stage, reason, event.department) for stage in COOPERATION_STAGES]
        case ContributionsWaived():
            reason = StopReason.CONTRIBUTIONS_WAIVED
            return [Stop(s, reason, d) for d in event.departments for s in COOPERATION_STAGES]
        case EightDCaseOpened():
            # no stop first: a second case opens only once D8 closed the first and its clocks
            return [Start(stage, occurred_at, event.department) for stage in EIGHT_D]
        case EightDDisciplineRecorded() if event.discipline in EIGHT_D_STOPS:
            stage = EIGHT_D_STOPS[event.discipline]
            reason = StopReason.CONTAINED if stage is CONTAINMENT else StopReason.COUNTERMEASURE_RECORDED
            return [Stop(stage, reason)]
        case EightDCaseClosed():
            return [Stop(stage, StopReason.EIGHT_D_CLOSED) for stage in EIGHT_D]
    return []


@dataclass(frozen=True)
class StoppedBy:
    """The event that ended a clock, as found on the stream."""

    at: datetime
    reason: StopReason
    event_id: UUID


def stopped_after(
    records: Iterable[RecordedEvent], stage: SlaStage, started_version: int, department: str | None = None
) -> StoppedBy | None:
    """The first event after ``started_version`` that ends the clock of ``stage`` (charged to
    ``department``, which matters for the co-operation stages), if any."""
    for record in records:
        if record.stream_version <= started_version or record.type not in CLOCK_EVENTS:
            continue
        for change in transitions(COMPLAINT_EVENTS.decode(record), record.occurred_at):
            if isinstance(change, Stop) and change.stops(stage, department):
                return StoppedBy(record.occurred_at, change.reason, record.event_id)
    return None


def moved_after(records: Iterable[RecordedEvent], stage: SlaStage, applied_version: int) -> bool:
    """True when an event after ``applied_version`` moves the clock of ``stage`` (pause, resume,
    extension, regrade) and the table does not show it yet: fire nothing until it does."""
    for record in records:
        if record.stream_version <= applied_version or record.type not in CLOCK_EVENTS:
            continue
        for change in transitions(COMPLAINT_EVENTS.decode(record), record.occurred_at):
            if isinstance(change, Regrade):
                return True
            if isinstance(change, Pause | Resume) and stage in change.stages:
                return True
            if isinstance(change, Extend) and change.stage is stage:
                return True
    return False


@dataclass(frozen=True)
class WouldRun:
    """A clock the stream's events would have running now if the policy had set its stage all
    along: when it started, whose it is, and its time on hold (as the table would keep it)."""

    stage: SlaStage
    started_at: datetime
    department: str | None
    pauses: tuple[tuple[datetime, datetime], ...] = ()
    """Finished pauses since the start."""
    paused_at: datetime | None = None
    """On hold since; None while it would count."""


def would_run(records: Iterable[RecordedEvent], before_version: int) -> dict[SlaStage, WouldRun]:
    """The clocks the events before ``before_version`` would have running, whatever the grade.

    The same transitions the consumer applies, replayed without a policy: a regrade to a grade
    whose policy has a stage the old one had not starts that clock from the instant it would have
    started (so its deadline is not unfairly late), charged to the same department, with the
    same time on hold."""
    clocks: dict[SlaStage, WouldRun] = {}
    for record in records:
        if record.stream_version >= before_version or record.type not in CLOCK_EVENTS:
            continue
        at = record.occurred_at
        for change in transitions(COMPLAINT_EVENTS.decode(record), at):
            match change:
                case Start() if change.stage in COOPERATION_STAGES:
                    pass  # one per department, never started late by a regrade: every grade has them
                case Start():
                    clocks[change.stage] = WouldRun(change.stage, change.started_at, change.department)
                case Stop():
                    clocks.pop(change.stage, None)
                case Reassign():
                    for stage in FOLLOWS_OWNER & clocks.keys():
                        clocks[stage] = replace(clocks[stage], department=change.department)
                case Pause():
                    for stage in change.stages & clocks.keys():
                        clocks[stage] = replace(clocks[stage], paused_at=clocks[stage].paused_at or at)
                case Resume():
                    for stage in change.stages & clocks.keys():
                        held = clocks[stage]
                        if held.paused_at is not None:
                            pauses = (*held.pauses, (held.paused_at, at))
                            clocks[stage] = replace(held, pauses=pauses, paused_at=None)
    return clocks
