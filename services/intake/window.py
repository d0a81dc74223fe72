"""How far from now a complaint's ``received_at`` may be.

``received_at`` drives every deadline and statistic of the complaint: its SLA clocks start
there, the recurrence and duplicate windows reach back from it, its number carries its day.
Received in the future, a complaint's deadlines lie beyond anything that fires (one received
"in 2099" would never breach); received long ago, it breaches and escalates the moment it is
registered. So a live channel may only say "received a while ago" (a letter opened days later, a
hotline ticket typed in after the call) and allow for a few minutes of clock skew.

Older complaints come in as history through the import path (``tousu import``,
services/intake/importing/submit.py), which passes a wider window (:data:`IMPORT_WINDOW`) to the one
submission handler, :meth:`services.intake.submit.Submissions.submit`; HTTP, Kafka and email get
the configured one (``TOUSU_INTAKE_RECEIVED_MAX_AGE_DAYS`` / ``_MAX_SKEW_SECONDS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_MAX_AGE = timedelta(days=30)
"""How long ago a live channel may say a complaint was received (TOUSU_INTAKE_RECEIVED_MAX_AGE_DAYS)."""

DEFAULT_MAX_SKEW = timedelta(minutes=5)
"""How far ahead of intake's clock a channel's clock may be (TOUSU_INTAKE_RECEIVED_MAX_SKEW_SECONDS)."""


@dataclass(frozen=True)
class ReceivedWindow:
    """``received_at`` must lie within [now - max_age, now + max_skew]; ``max_age=None``: any
    past instant the submission schema accepts (from 2000-01-01)."""

    max_age: timedelta | None = DEFAULT_MAX_AGE
    max_skew: timedelta = DEFAULT_MAX_SKEW

    def refusal(self, received_at: datetime, now: datetime) -> tuple[str, str, str] | None:
        """(code, message, message_zh) when ``received_at`` is outside the window, else None."""
        if received_at > now + self.max_skew:
            return (
                "received_at_in_future",
                f"received_at is later than now (allowing {_span(self.max_skew)} of clock skew)",
                f"受理时间 received_at 晚于当前时间（允许 {_span_zh(self.max_skew)} 的时钟误差）",
            )
        if self.max_age is not None and received_at < now - self.max_age:
            return (
                "received_at_too_old",
                f"received_at is more than {_span(self.max_age)} ago; older complaints are "
                "imported as history (tousu import)",
                f"受理时间 received_at 早于 {_span_zh(self.max_age)} 之前；"
                "更早的投诉请作为历史记录导入（tousu import）",
            )
        return None


LIVE_WINDOW = ReceivedWindow()
"""The documented defaults, for callers without configuration."""

IMPORT_WINDOW = ReceivedWindow(max_age=None)
"""For history from another system (``tousu import``): any past instant; the future is still refused."""


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds % 86400 == 0:
        return f"{seconds // 86400} days"
    if seconds % 60 == 0:
        return f"{seconds // 60} minutes"
    return f"{seconds} seconds"


def _span_zh(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds % 86400 == 0:
        return f"{seconds // 86400} 天"
    if seconds % 60 == 0:
        return f"{seconds // 60} 分钟"
    return f"{seconds} 秒"
