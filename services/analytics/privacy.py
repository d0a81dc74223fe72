"""What of a complaint may enter the read models: no contact data, no free text.

The complainant appears only as a pseudonymous id and sealed ciphertext (opened and masked at
read time, see shared/privacy/reveal.py), an anonymous one not at all.
An event's timeline summary keeps only the fields listed in :data:`SUMMARY_FIELDS` for its type:
codes, departments, numbers and instants; never notes, resolutions, reasons or comments typed by
people (they may name or describe the complainant). Each event class marks its fields so where it
declares them (:mod:`shared.events.disclosure`), and the table is derived from the marks. The
subject line is kept (it is what lists show): a subject names the problem, not the person, and
the intake form asks for it so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine

from shared.complaints import complaint_events
from shared.events import Event, Role
from shared.events.disclosure import shown_fields
from shared.privacy.keys import keys_for
from shared.privacy.masking import mask_name
from shared.privacy.reveal import PersonalDataView, reveal

__all__ = ["SUMMARY_FIELDS", "UNMASKED_ROLES", "mask_name", "personal_data", "summarize"]

UNMASKED_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})
"""Who sees the complainant's details in full: the responsible department's agents (an agent
only ever sees their own department's complaints) and supervisors, who call the complainant
back; admins. Operators and auditors see them masked (张*, 138****5678)."""

SUMMARY_FIELDS: dict[str, frozenset[str]] = {
    event.event_type: shown_fields(event) for event in complaint_events()
}
"""The payload fields an event's timeline summary may carry, by event type: those its class marks
shown (see :mod:`shared.events.disclosure`)."""


def summarize(payload: Event) -> dict[str, Any]:
    """The event's summary for the timeline: whitelisted fields only, nulls left out.

    An event type without an entry in SUMMARY_FIELDS gets an empty summary, and a text field
    nobody has marked shown is left out: a new field is shown only once somebody has decided
    that it carries no personal data.
    """
    fields = SUMMARY_FIELDS.get(payload.event_type, frozenset())
    if not fields:
        return {}
    data = payload.model_dump(mode="json", include=set(fields))
    return {key: value for key, value in sorted(data.items()) if value is not None}


async def personal_data(
    engine: AsyncEngine, rows: Sequence[Mapping[str, Any]], role: Role
) -> dict[str, PersonalDataView]:
    """Each row's personal data as this role may see it, opened now through the key table (so an
    erasure shows at once), by complaint number."""
    async with engine.connect() as conn:
        keys = await keys_for(conn, (row["complainant_id"] for row in rows if row["complainant_id"]))
    return {row["complaint_no"]: _reveal(row, keys, role) for row in rows}


def _reveal(row: Mapping[str, Any], keys: Mapping[UUID, bytes], role: Role) -> PersonalDataView:
    sealed = row["personal_data"]
    if isinstance(sealed, str | bytes):
        import json

        sealed = json.loads(sealed)
    return reveal(
        row["complaint_no"],
        anonymous=row["anonymous"],
        complainant_id=row["complainant_id"],
        sealed=sealed,
        keys=keys,
        unmasked=role in UNMASKED_ROLES,
    )
