"""Events of the weekly quality inspection (质检抽查), one stream per ISO week.

Stream ``inspection-2026-W47``: first the draw (:class:`QualityInspectionSampleDrawn`, exactly
once: it is appended at expected version 0), then one :class:`QualityInspectionScored` per
scoring (a complaint scored again: the later event counts). They live in the event store beside
the complaint streams, so the hash chain covers them and ``tousu audit replay
inspection-2026-W47`` shows auditors what was drawn, with which seed, and how it was scored.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from shared.events import Event, EventRegistry

INSPECTION_EVENTS = EventRegistry()
"""Event types of the inspection streams (not complaint events: complaint consumers skip them)."""

STREAM_PREFIX = "inspection-"
"""Names the stream category ``inspection`` (shared/events/streams.py): complaint consumers pass
over these streams."""

SCORE_ITEMS = ("attitude", "timeliness", "resolution", "accuracy")
"""The four items of the scoring form, each 0–25 points (total 0–100)."""

ITEM_MAX = 25


@INSPECTION_EVENTS.register
class QualityInspectionSampleDrawn(Event):
    """The week's random sample of handled (closed) complaints was drawn for inspection."""

    event_type: ClassVar[str] = "QualityInspectionSampleDrawn"

    week: str = Field(description="ISO week, e.g. 2026-W47 (Monday to Sunday, organisation's time zone).")
    seed: int = Field(ge=0, description="Seed of the draw: the same seed and week give the same sample.")
    ratio: float = Field(gt=0, le=1, description="Share of the population drawn (at least one when any).")
    population: int = Field(ge=0, description="Complaints closed in the week: what was drawn from.")
    population_digest: str = Field(
        description="SHA-256 (hex) of the population's complaint numbers, sorted, one per line: shows "
        "a later re-draw started from the same population."
    )
    complaint_nos: list[str] = Field(description="The complaints drawn, sorted.")


@INSPECTION_EVENTS.register
class QualityInspectionScored(Event):
    """An inspector scored one sampled complaint on the four items of the form."""

    event_type: ClassVar[str] = "QualityInspectionScored"

    week: str = Field(description="ISO week of the sample the complaint was drawn in.")
    complaint_no: str = Field(min_length=1, description="The complaint scored.")
    department: str | None = Field(description="The complaint's responsible department when scored.")
    agent: str | None = Field(description="Who in the department handled it, when known.")
    attitude: int = Field(ge=0, le=ITEM_MAX, description="Service attitude, 0–25.")
    timeliness: int = Field(ge=0, le=ITEM_MAX, description="Timeliness, 0–25.")
    resolution: int = Field(ge=0, le=ITEM_MAX, description="Whether the problem was really solved, 0–25.")
    accuracy: int = Field(ge=0, le=ITEM_MAX, description="Accuracy of the facts and the reply, 0–25.")
    total: int = Field(ge=0, le=4 * ITEM_MAX, description="Sum of the four items, 0–100.")
    passed: bool = Field(description="total reached the pass mark in force when scored.")
    pass_mark: int = Field(ge=0, le=4 * ITEM_MAX, description="The pass mark in force when scored.")
