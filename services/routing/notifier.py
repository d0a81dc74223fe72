"""Telling people of an urgent complaint at once (绿色通道): the head of the department it is
assigned to and the supervisors, through a pluggable notifier (SMS, e-mail, IM in a deployment).

Who holds those roles comes from the tokens file: a token of role ``department_head`` with the
department's code, and tokens of role ``supervisor``. ``GreenChannelOpened`` on the complaint's
stream is the record; the notifications follow it once the consumer's transaction has committed
(``HandlerContext.after_commit``), so a rolled-back or redelivered event tells nobody twice
(at-most-once, as the SLA service's notifications: the event stays on the stream and the feed).
The default :class:`LoggingNotifier` logs codes only: never the complainant or the complaint's text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from shared.events import Role
from shared.service.auth import TokenRegistry

log = logging.getLogger(__name__)

GREEN_CHANNEL_ROLES: tuple[Role, ...] = (Role.DEPARTMENT_HEAD, Role.SUPERVISOR)
"""Who the green channel tells, in this order."""


@dataclass(frozen=True)
class Recipient:
    role: Role
    subject: str
    """The person's login name (token subject)."""
    department: str | None = None


@dataclass(frozen=True)
class UrgentNotification:
    """What to tell whom; codes only, no personal data."""

    complaint_no: str
    grade: str
    department: str
    """The department the complaint is assigned to."""
    to: Recipient


class Notifier(Protocol):
    async def notify(self, notification: UrgentNotification) -> None:
        """Deliver one notification; raising is logged and does not undo what was recorded."""
        ...


class LoggingNotifier:
    """The default: one structured log line per notification, without personal data."""

    async def notify(self, notification: UrgentNotification) -> None:
        log.info(
            "green channel notification",
            extra={
                "complaint_no": notification.complaint_no,
                "grade": notification.grade,
                "department": notification.department,
                "to_role": notification.to.role.value,
                "to": notification.to.subject,
            },
        )


class RecordingNotifier:
    """Keeps what it was asked to send (tests)."""

    def __init__(self) -> None:
        self.sent: list[UrgentNotification] = []

    async def notify(self, notification: UrgentNotification) -> None:
        self.sent.append(notification)


class Directory(Protocol):
    def recipients(self, department: str) -> list[Recipient]:
        """The head of ``department`` and the supervisors."""
        ...


class TokenDirectory:
    """The recipients as the tokens file names them."""

    def __init__(self, tokens: TokenRegistry) -> None:
        self.tokens = tokens

    def recipients(self, department: str) -> list[Recipient]:
        heads = self.tokens.holders(Role.DEPARTMENT_HEAD, department)
        supervisors = self.tokens.holders(Role.SUPERVISOR)
        return [
            *(Recipient(Role.DEPARTMENT_HEAD, p.subject, department) for p in heads),
            *(Recipient(Role.SUPERVISOR, p.subject, p.department) for p in supervisors),
        ]


class FixedDirectory:
    """A given list of recipients, whatever the department (tests)."""

    def __init__(self, recipients: list[Recipient]) -> None:
        self._recipients = recipients

    def recipients(self, department: str) -> list[Recipient]:
        return [
            r for r in self._recipients if r.role is not Role.DEPARTMENT_HEAD or r.department == department
        ]
