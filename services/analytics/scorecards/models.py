"""Response bodies of the department-scorecard API."""

from __future__ import annotations

from pydantic import BaseModel, Field

from services.analytics.complaints.models import Label


class ChainLink(BaseModel):
    link: str = Field(description="responsible, department_head, direct_superior or next_superior.")
    link_label: Label = Field(description="The link's label.")
    person: str | None = Field(description="Who; null when the chain names nobody (or no agent was known).")
    deducted: float = Field(description="Points deducted from this person.")
    score: float = Field(description="full_marks − deducted.")
    incidents: int = Field(description="Incidents charged to this person.")


class DepartmentScorecard(BaseModel):
    department: str | None = Field(description="Department code; null: not yet dispatched.")
    label: Label = Field(description="The department's label.")
    score: float = Field(description="full_marks − deductions, at least 0.")
    deducted: float = Field(description="Points deducted.")
    rating: str = Field(description="Rating code, e.g. excellent, good, pass, fail.")
    rating_label: Label = Field(description="The rating's name.")
    disqualified: bool = Field(description="A disqualifying condition holds (rating forced to the lowest).")
    disqualified_by: list[str] = Field(description="The conditions met, e.g. 'failed_inspection ≥ 3'.")
    incidents: dict[str, int] = Field(description="Incidents by kind.")
    chain: list[ChainLink] = Field(description="Deductions along the responsibility chain.")


class Scorecards(BaseModel):
    """Department scorecards of a local month."""

    month: str = Field(description="YYYY-MM.")
    full_marks: float = Field(description="Points each department and person starts with.")
    deductions: dict[str, float] = Field(description="Points one incident of each kind costs.")
    thresholds: list[dict[str, object]] = Field(description="The ratings: code, min and labels.")
    departments: list[DepartmentScorecard] = Field(description="Lowest score first.")
