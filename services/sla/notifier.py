"""Telling people about SLA events: warnings, progress reminders, escalations, auto-acknowledgements.

The events on the complaint's stream are the record; a :class:`Notifier` is how the people on the
escalation chain (agent → supervisor → operations manager → general manager) hear about them —
SMS, e-mail, IM in a deployment. The default :class:`LoggingNotifier` writes one log line per
notification with codes only (complaint number, stage, role, level, department, deadline): never
the complainant's name, contact or the complaint's text, so logs hold no personal data.

The fire loop sends the notifications of a batch after the batch's transaction commits, so a
rolled-back firing notifies nobody; a crash between commit and send loses that notification
(at-most-once; the events stay on the stream and the dashboard).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from shared.complaints import SlaStage

log = logging.getLogger(__name__)


class NotificationKind(StrEnum):
    WARNING = "warning"
    """A time limit is about to run out: to the responsible department's agent."""
    PROGRESS_REMINDER = "progress_reminder"
    """A progress update is due (level 3: every 24 h until resolved): to the department's agent."""
    ESCALATION = "escalation"
    """A time limit ran out: to the role on the escalation chain."""
    AUTO_ACKNOWLEDGEMENT = "auto_acknowledgement"
    """Received out of hours: the complainant is told it will be handled in working hours."""


@dataclass(frozen=True)
class Notification:
    """What to tell whom; codes only, no personal data."""

    kind: NotificationKind
    complaint_no: str
    stage: SlaStage
    to_role: str
    """agent (the responsible department), supervisor, operations_manager, general_manager, complainant."""
    department: str | None
    deadline: datetime
    level: int | None = None
    """The escalation level, for escalations."""


class Notifier(Protocol):
    async def notify(self, notification: Notification) -> None:
        """Deliver one notification; raising is logged by the caller and does not undo the firing."""
        ...


class LoggingNotifier:
    """The default: one structured log line per notification, without personal data."""

    async def notify(self, notification: Notification) -> None:
        log.info(
            "sla notification",
            extra={
                "kind": notification.kind.value,
                "complaint_no": notification.complaint_no,
                "stage": notification.stage.value,
                "to_role": notification.to_role,
                "department": notification.department,
                "level": notification.level,
                "deadline": notification.deadline.isoformat(),
            },
        )


class RecordingNotifier:
    """Keeps what it was asked to send (tests, and a seam for an outbox of notifications)."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []

    async def notify(self, notification: Notification) -> None:
        self.sent.append(notification)
