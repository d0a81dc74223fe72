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
