"""Stream categories: what kind of stream an event belongs to, told from its stream id alone.

The event store keeps streams of several kinds side by side, and the relay publishes all of them
on the one events topic, each with a ``stream_category`` header (:func:`stream_category`). A
consumer names the categories it handles (``subscribe_events(..., categories=...)``) and passes
over the others from the headers, undecoded and without reading the store, as it passes over
event types it does not handle: routing, SLA, feedback and intake handle complaints only, and
an inspection's events are none of their business.

* ``complaint``: a complaint's stream, named by its number (``TS-20261123-000001``);
* ``inspection``: a week's quality inspection (``inspection-2026-W48``), written by analytics.

Every other kind of stream names its category by a prefix of its id (``<category>-``, listed in
:data:`CATEGORY_PREFIXES`); a complaint's number is whatever intake or an import gives it, so a
stream of no other category is a complaint's. A new kind of stream adds its prefix here.
"""

from __future__ import annotations

from typing import Final

COMPLAINT: Final = "complaint"
INSPECTION: Final = "inspection"

CATEGORY_PREFIXES: Final[dict[str, str]] = {"inspection-": INSPECTION}
"""Stream id prefix → the category of the streams named so."""

CATEGORIES: Final[frozenset[str]] = frozenset({COMPLAINT, *CATEGORY_PREFIXES.values()})

HEADER: Final = "stream_category"
"""The Kafka header carrying an event's stream category."""


def stream_category(stream_id: str) -> str:
    """The category of the stream ``stream_id`` (see the module docstring)."""
    for prefix, category in CATEGORY_PREFIXES.items():
        if stream_id.startswith(prefix):
            return category
    return COMPLAINT
