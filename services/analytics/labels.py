"""Labels the read models show beside codes, in Simplified Chinese and English.

Enum values and departments are labelled by the domain (:func:`shared.complaints.label`); this
module adds what only the read models show: the event titles for the timeline (each complaint
event declares its own), "unassigned" and "anonymous".
"""

from __future__ import annotations

from shared.complaints import Lang, complaint_events
from shared.complaints.values import bilingual

_l = bilingual  # the table below is long enough without the full name


EVENT_TITLES: dict[str, dict[Lang, str]] = {
    event.event_type: event.title.texts() for event in complaint_events()
}
"""Timeline titles by event type, as each event declares its own (``title``)."""

UNASSIGNED = _l("未派单", "Unassigned")
"""The department label of a complaint not yet dispatched."""

ANONYMOUS = _l("匿名", "Anonymous")
"""How an anonymous complainant is shown."""


def event_title(event_type: str) -> dict[Lang, str]:
    """The timeline title of an event type; an unknown type is shown as itself."""
    return EVENT_TITLES.get(event_type, _l(event_type, event_type))
