"""Whom to call for a revisit: the complainant's contact, opened at read time.

The revisits table keeps no personal data. The list reads each complaint's sealed personal data
from its ComplaintReceived in the event store and opens it through the key table while it
answers, so an erasure shows at once. Customer-service agents and supervisors (who make the
revisit calls) and admins see the details in full; operators see them masked.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.complaints.events import COMPLAINT_EVENTS, ComplaintReceived
from shared.events import Role
from shared.privacy.keys import keys_for
from shared.privacy.reveal import PersonalDataView, reveal

CALLERS = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})
"""Who sees the contact details in full (operators see them masked)."""

_RECEIVED = text(
    "SELECT stream_id, schema_version, payload FROM events "
    "WHERE stream_id = ANY(:numbers) AND stream_version = 1 AND type = 'ComplaintReceived'"
)


async def contacts(conn: AsyncConnection, numbers: Sequence[str], role: Role) -> dict[str, PersonalDataView]:
    """Each complaint's personal data as ``role`` may see it, by complaint number."""
    if not numbers:
        return {}
    received: dict[str, ComplaintReceived] = {}
    for number, version, payload in await conn.execute(_RECEIVED, {"numbers": list(numbers)}):
        upcast = COMPLAINT_EVENTS.upcast("ComplaintReceived", version, payload)
        received[number] = ComplaintReceived.model_validate(upcast)
    keys = await keys_for(conn, (r.complainant_id for r in received.values() if r.complainant_id))
    return {
        number: reveal(
            number,
            anonymous=event.anonymous,
            complainant_id=event.complainant_id,
            sealed=event.personal_data,
            keys=keys,
            unmasked=role in CALLERS,
        )
        for number, event in received.items()
    }


async def original(
    conn: AsyncConnection, complaint_no: str
) -> tuple[ComplaintReceived, PersonalDataView] | None:
    """A complaint's receipt and its complainant in full (for the upgraded complaint they start)."""
    rows = (await conn.execute(_RECEIVED, {"numbers": [complaint_no]})).all()
    if not rows:
        return None
    _, version, payload = rows[0]
    event = ComplaintReceived.model_validate(COMPLAINT_EVENTS.upcast("ComplaintReceived", version, payload))
    person = (await contacts(conn, [complaint_no], Role.ADMIN))[complaint_no]
    return event, person
