"""Response bodies of the department-scorecard API."""

from __future__ import annotations

from pydantic import BaseModel, Field

from services.analytics.complaints.models import Instant, Label


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


class StaffCharge(BaseModel):
    """One deduction from a person and the complaint behind it."""

    complaint_no: str = Field(description="The complaint the incident happened on.")
    incident: str = Field(description="breach, reopen, dissatisfied or failed_inspection.")
    incident_label: Label = Field(description="The incident's name.")
    link: str = Field(description="The link the person stood in: responsible, department_head, …")
    link_label: Label = Field(description="The link's name.")
    department: str | None = Field(description="The department responsible at the time.")
    department_label: Label = Field(description="Its name.")
    points: float = Field(description="Points deducted from the person for it.")
    at: Instant | None = Field(description="When it happened; null for a failed inspection (its week).")


class StaffScorecard(BaseModel):
    """One person's scorecard of the month."""

    person: str = Field(description="The person's user id (their token's subject).")
    name: str | None = Field(description="Their display name from the tokens file, when it has one.")
    departments: list[Label] = Field(description="The departments they were charged in, by name.")
    score: float = Field(description="full_marks − deductions, at least 0.")
    deducted: float = Field(description="Points deducted, over every link they stood in.")
    rating: str = Field(description="Rating code, e.g. excellent, good, pass, fail.")
    rating_label: Label = Field(description="The rating's name.")
    disqualified: bool = Field(description="A disqualifying condition holds (rating forced to the lowest).")
    disqualified_by: list[Label] = Field(description="The conditions met, e.g. '质检不合格 ≥ 2'.")
    handled: dict[str, int] = Field(description="Incidents by kind on complaints they handled.")
    charges: int = Field(description="Deductions in the month (an incident may charge one person twice).")


class StaffScorecardDetail(StaffScorecard):
    incidents: list[StaffCharge] = Field(description="Every deduction, oldest first.")


class StaffScorecards(BaseModel):
    """The staff scorecards of a local month the caller may see."""

    month: str = Field(description="YYYY-MM.")
    full_marks: float = Field(description="Points each person starts the month with.")
    deductions: dict[str, float] = Field(description="Points one incident costs its handler.")
    shares: dict[str, float] = Field(description="Share of those points each link bears.")
    thresholds: list[dict[str, object]] = Field(description="The ratings: code, min and labels.")
    people: list[StaffScorecard] = Field(description="Lowest score first.")
