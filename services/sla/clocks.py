"""Which complaint events start, stop or move the SLA clocks: pure, one event at a time.

* first_response starts at ComplaintAssigned, and again for the new owner at
  ComplaintTransferred and ComplaintReopened; it stops at ComplaintAccepted (and at anything
  that ends the work: resolved, closed, withdrawn, not a complaint).
* resolution starts at ComplaintReceived (from ``received_at``) and again at ComplaintReopened;
  it stops at ComplaintResolved, ComplaintClosed, ComplaintWithdrawn,
  ComplaintClosedAsNotAComplaint and ComplaintMerged.
* Every start of a clock is preceded by a stop of the same stage (a transfer ends the old
  owner's first-response clock), so at most one clock per stage runs. The running
  resolution clock follows the owner department.

The consumer applies these changes to the ``sla_deadlines`` table; the fire loop replays them
over the stream to check that a timer it is about to fire has not been stopped by an event the
consumer has not seen yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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
from shared.events import Event, RecordedEvent

FIRST = SlaStage.FIRST_RESPONSE
RESOLUTION = SlaStage.RESOLUTION


class StopReason(StrEnum):
    """Why a clock stopped; stored in ``sla_deadlines.stop_reason``."""

    ACCEPTED = "accepted"
    RESOLVED = "resolved"
    TRANSFERRED = "transferred"
    REOPENED = "reopened"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    CLOSED_NOT_COMPLAINT = "closed_not_complaint"
    MERGED = "merged"
    REJECTED = "rejected"
    """The complaint refused the SLA command (stop_detail holds the reason code)."""
    COMPLAINT_MISSING = "complaint_missing"
    """The deadline names a complaint that is not in the event store."""


STOP_REASON_LABELS: dict[StopReason, dict[Lang, str]] = {
    StopReason.ACCEPTED: {"zh-CN": "责任部门已签收", "en": "Accepted by the department"},
    StopReason.RESOLVED: {"zh-CN": "已答复", "en": "Resolved"},
    StopReason.TRANSFERRED: {"zh-CN": "已转派其他部门", "en": "Transferred to another department"},
    StopReason.REOPENED: {"zh-CN": "重新打开，重新计时", "en": "Reopened; a new clock started"},
    StopReason.CLOSED: {"zh-CN": "已结案", "en": "Closed"},
    StopReason.WITHDRAWN: {"zh-CN": "投诉人已撤回", "en": "Withdrawn"},
    StopReason.CLOSED_NOT_COMPLAINT: {"zh-CN": "非投诉已致谢结案", "en": "Closed as not a complaint"},
    StopReason.MERGED: {"zh-CN": "已合并到其他投诉", "en": "Merged into another complaint"},
    StopReason.REJECTED: {"zh-CN": "投诉拒绝了时限指令", "en": "The complaint refused the SLA command"},
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
    """The running clock of ``stage`` stops."""

    stage: SlaStage
    reason: StopReason


@dataclass(frozen=True)
class Reassign:
    """The running resolution clock is now the responsibility of ``department``."""

    department: str


Change = Start | Stop | Reassign

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
        ComplaintMerged,
    )
)
"""The event types that change a clock; the consumer subscribes to these only."""


def _end_of_work(reason: StopReason) -> list[Change]:
    return [Stop(FIRST, reason), Stop(RESOLUTION, reason)]


def transitions(event: Event, occurred_at: datetime) -> list[Change]:
    """The clock changes ``event`` causes, in the order to apply them."""
    match event:
        case ComplaintReceived():
            return [Start(RESOLUTION, event.received_at, None)]
        case ComplaintAssigned():
            return [Reassign(event.department), Start(FIRST, occurred_at, event.department)]
        case ComplaintTransferred():
            return [
                Reassign(event.to_department),
                Stop(FIRST, StopReason.TRANSFERRED),
                Start(FIRST, occurred_at, event.to_department),
            ]
        case ComplaintAccepted():
            return [Stop(FIRST, StopReason.ACCEPTED)]
        case ComplaintResolved():
            # A reply with the result is a response too (a reopened complaint may be resolved
            # without being accepted again).
            return _end_of_work(StopReason.RESOLVED)
        case ComplaintClosed():
            return _end_of_work(StopReason.CLOSED)
        case ComplaintWithdrawn():
            return _end_of_work(StopReason.WITHDRAWN)
        case ComplaintClosedAsNotAComplaint():
            return _end_of_work(StopReason.CLOSED_NOT_COMPLAINT)
        case ComplaintMerged():
            return _end_of_work(StopReason.MERGED)
        case ComplaintReopened():
            return [
                *_end_of_work(StopReason.REOPENED),
                Start(FIRST, occurred_at, event.department),
                Start(RESOLUTION, occurred_at, event.department),
            ]
    return []


@dataclass(frozen=True)
class StoppedBy:
    """The event that ended a clock, as found on the stream."""

    at: datetime
    reason: StopReason
    event_id: UUID


def stopped_after(
    records: Iterable[RecordedEvent], stage: SlaStage, started_version: int
) -> StoppedBy | None:
    """The first event after ``started_version`` that ends the clock of ``stage``, if any."""
    for record in records:
        if record.stream_version <= started_version or record.type not in CLOCK_EVENTS:
            continue
        for change in transitions(COMPLAINT_EVENTS.decode(record), record.occurred_at):
            if isinstance(change, Stop) and change.stage is stage:
                return StoppedBy(record.occurred_at, change.reason, record.event_id)
    return None
