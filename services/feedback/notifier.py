"""Sending a questionnaire link to the complainant, through a pluggable notifier.

The first notifier logs that the link went out — without the link (it is a credential until
used) and without personal data: only the complaint number, the medium and the template.
"""

from __future__ import annotations

import logging
from typing import Protocol

from services.feedback.links import SentVia

log = logging.getLogger(__name__)

LINK_TEMPLATE = "revisit.questionnaire"
LINK_TEXT = {
    "zh-CN": "您好，您的投诉 {complaint_no} 已处理完毕。请点击链接告诉我们处理结果"
    "（{days} 天内有效，仅可提交一次）：{url}",
    "en": "Your complaint {complaint_no} has been handled. Please tell us how it went (valid for "
    "{days} days, one answer): {url}",
}


class LinkNotifier(Protocol):
    name: str

    async def send_link(self, complaint_no: str, via: SentVia, url: str) -> str:
        """Send ``url`` to the complainant by ``via`` (sms or email); returns the template key."""
        ...


class LoggingLinkNotifier:
    name = "log"

    async def send_link(self, complaint_no: str, via: SentVia, url: str) -> str:
        log.info(
            "questionnaire link sent",
            extra={"complaint_no": complaint_no, "via": via.value, "template": LINK_TEMPLATE},
        )
        return LINK_TEMPLATE
