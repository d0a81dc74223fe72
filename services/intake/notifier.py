"""Acknowledging a complaint to its complainant, through a pluggable notifier.

The first notifier records the acknowledgement as an event and logs it — without personal
data: only the complaint number, the channel and the message template.
"""

from __future__ import annotations

import logging
from typing import Protocol

log = logging.getLogger(__name__)

ACK_TEMPLATE = "ack.received"
ACK_TEXT = {
    "zh-CN": "您的投诉已受理，编号 {complaint_no}。我们将尽快处理并与您联系。",
    "en": "Your complaint has been received as {complaint_no}. We will handle it and contact you soon.",
}


class Notifier(Protocol):
    name: str

    async def acknowledge(self, complaint_no: str, channel: str) -> str:
        """Tell the complainant their complaint was received; returns the template key sent."""
        ...


class LoggingNotifier:
    name = "log"

    async def acknowledge(self, complaint_no: str, channel: str) -> str:
        log.info(
            "acknowledgement sent",
            extra={"complaint_no": complaint_no, "channel": channel, "template": ACK_TEMPLATE},
        )
        return ACK_TEMPLATE


RISK_TEMPLATE = "risk.flagged"
RISK_TEXT = {
    "zh-CN": "投诉 {complaint_no} 可能引发监管或媒体关注，已标记舆情风险（{rules}）。",
    "en": "Complaint {complaint_no} may reach a regulator or the media: flagged as a risk ({rules}).",
}


class RiskNotifier(Protocol):
    async def notify_pr_owner(self, complaint_no: str, rules: list[str], source: str) -> None:
        """Tell the public-relations owner a complaint was flagged; codes only (the number and the
        rules), never the complaint's text or the complainant. Raising makes the consumer retry."""
        ...


class LoggingRiskNotifier:
    """The default: one log line per flag, codes only."""

    async def notify_pr_owner(self, complaint_no: str, rules: list[str], source: str) -> None:
        log.info(
            "risk flag sent to the PR owner",
            extra={
                "complaint_no": complaint_no,
                "rules": rules,
                "source": source,
                "to_role": "pr_owner",
                "template": RISK_TEMPLATE,
            },
        )
