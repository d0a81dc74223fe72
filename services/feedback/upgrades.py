"""The upgraded complaint (升级投诉) a complainant starts from the questionnaire: published on the
intake topic as an online submission (the complainant answered online; the after-sales revisit
channel would require order numbers a complaint may not have), with ``upgrade_of`` naming the
first complaint; intake receives it like any other and links it (ComplaintUpgradedFrom).

The submission carries what the first complaint's receipt knew: the complainant (opened from
their sealed data; anonymous when they were, or once their data was erased), kind, category,
products and orders, the subject marked as an upgrade, and the complainant's comment as its content. Its
``submission_id`` is derived from the link, so a repeated publish creates one complaint.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from services.feedback.contacts import original
from shared.privacy.reveal import PersonalDataStatus

CHANNEL_ID = "feedback-questionnaire"
CHANNEL = "online"
PERSON_FIELDS = ("name", "phone", "email", "customer_id", "employee_id", "department", "address", "id_number")

Publish = Callable[[bytes, bytes], Awaitable[None]]
"""Sends (key, value) on the intake topic and waits for the broker's acknowledgement."""


async def submission(
    conn: AsyncConnection, complaint_no: str, token: str, comment: str | None
) -> dict[str, Any] | None:
    """The intake message of the upgraded complaint, or None when the first one is unknown."""
    found = await original(conn, complaint_no)
    if found is None:
        return None
    received, person = found
    message: dict[str, Any] = {
        "submission_id": "upgrade-" + hashlib.sha256(token.encode("ascii")).hexdigest()[:32],
        "channel_id": CHANNEL_ID,
        "channel": CHANNEL,
        "complainant_kind": received.complainant_kind.value,
        "category": received.category.value,
        "subject": f"升级投诉 Escalated: {received.subject}"[:200],
        "content": comment
        or f"投诉人不认可投诉 {complaint_no} 的处理结果。"
        f"The complainant rejected the answer to {complaint_no}.",
        "product_refs": list(received.product_refs),
        "order_refs": list(received.order_refs),
        "upgrade_of": complaint_no,
    }
    if person.status is PersonalDataStatus.AVAILABLE and person.name:
        message["complainant"] = {f: getattr(person, f) for f in PERSON_FIELDS if getattr(person, f)}
    else:
        message["anonymous"] = True
    return message


async def start(
    publish: Publish, conn: AsyncConnection, complaint_no: str, token: str, comment: str | None
) -> bool:
    """Publish the upgraded complaint; False when the first complaint's receipt is not found."""
    message = await submission(conn, complaint_no, token, comment)
    if message is None:
        return False
    await publish(complaint_no.encode(), json.dumps(message, ensure_ascii=False).encode())
    return True
