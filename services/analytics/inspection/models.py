"""Request and response bodies of the quality-inspection API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from services.analytics.complaints.models import Instant, Label


class DrawRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed: int | None = Field(
        None,
        ge=0,
        le=2**53 - 1,
        description="Seed of the draw, 0 to 2^53 − 1; default: a random one (stored in the event).",
    )
    ratio: float | None = Field(
        None, gt=0, le=1, description="Share drawn; default TOUSU_ANALYTICS_INSPECTION_RATIO."
    )


class ScoreRequest(BaseModel):
    """The scoring form: four items, 0–25 points each."""

    model_config = ConfigDict(extra="forbid")

    complaint_no: str = Field(min_length=1, max_length=200, description="A complaint of the week's sample.")
    attitude: int = Field(ge=0, le=25, description="Service attitude, 0–25.")
    timeliness: int = Field(ge=0, le=25, description="Timeliness, 0–25.")
    resolution: int = Field(ge=0, le=25, description="Whether the problem was really solved, 0–25.")
    accuracy: int = Field(ge=0, le=25, description="Accuracy of facts and reply, 0–25.")


class InspectionScore(BaseModel):
    attitude: int = Field(description="0–25.")
    timeliness: int = Field(description="0–25.")
    resolution: int = Field(description="0–25.")
    accuracy: int = Field(description="0–25.")
    total: int = Field(description="0–100.")
    passed: bool = Field(description="total ≥ pass_mark.")
    pass_mark: int = Field(description="The pass mark in force when scored.")
    scored_at: Instant = Field(description="When it was (last) scored.")


class SampledComplaint(BaseModel):
    complaint_no: str = Field(description="The complaint drawn.")
    department: str | None = Field(description="Its department.")
    department_label: Label = Field(description="The department's label.")
    subject: str | None = Field(description="Its subject line.")
    score: InspectionScore | None = Field(description="The latest score; null until scored.")


class WeekSample(BaseModel):
    """A week's inspection sample: what was drawn, with which seed, and the scores so far."""

    week: str = Field(description="ISO week, e.g. 2026-W47.")
    stream_id: str = Field(description="The event-store stream holding the draw and the scores.")
    drawn: bool = Field(description="False when the week's sample has not been drawn yet.")
    seed: int | None = Field(description="The draw's seed.")
    ratio: float | None = Field(description="The share drawn.")
    population: int | None = Field(description="Complaints closed in the week.")
    population_digest: str | None = Field(description="SHA-256 of the population's numbers, sorted.")
    drawn_at: Instant | None = Field(description="When it was drawn.")
    drawn_by: str | None = Field(description="Who drew it.")
    items: list[SampledComplaint] = Field(description="The complaints drawn, sorted by number.")


class DepartmentInspection(BaseModel):
    department: str | None = Field(description="Department code.")
    label: Label = Field(description="The department's label.")
    scored: int = Field(description="Inspections scored.")
    failed: int = Field(description="Of these, below the pass mark.")
    average_total: float = Field(description="Average total, 0–100.")
    average_items: dict[str, float] = Field(description="Average of each item, 0–25.")


class InspectionScores(BaseModel):
    """Inspection scores per department over the ISO weeks of a month (weeks whose Thursday is in it)."""

    month: str = Field(description="YYYY-MM.")
    weeks: list[str] = Field(description="The ISO weeks counted.")
    departments: list[DepartmentInspection] = Field(description="Lowest average first.")
