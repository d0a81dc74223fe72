"""Response bodies of the 8D read model (GET /v1/8d/cases)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from services.analytics.complaints.models import Instant
from shared.complaints.values import Discipline, EightDTrigger, Label, SlaStage


class EightDCaseItem(BaseModel):
    """One 8D case, as a quality engineer's desk lists it."""

    complaint_no: str = Field(description="The complaint's number.")
    case: int = Field(description="The case's number within the complaint, from 1.")
    subject: str = Field(description="The complaint's subject line.")
    status_label: Label = Field(description="The complaint's status, for people.")
    department: str | None = Field(description="Code of the responsible department; null before assignment.")
    department_label: Label = Field(description="The department's name.")
    grade_label: Label = Field(description="The complaint's grade, for people.")
    category_label: Label = Field(description="What the complaint is about, for people.")
    cause: EightDTrigger = Field(description="What opened the case.")
    cause_label: Label = Field(description="What opened the case, for people.")
    state: str = Field(description="open, closed (by D8) or ended (the complaint ended without D8).")
    state_label: Label = Field(description="The case's state, for people.")
    opened_at: Instant = Field(description="When the case opened; its clocks count from here.")
    closed_at: Instant | None = Field(description="When D8 closed it; null while it is not closed.")
    recorded: list[Discipline] = Field(description="The disciplines recorded so far.")
    next_discipline: Discipline | None = Field(description="The first discipline not yet recorded.")
    next_label: Label | None = Field(description="Its name, for people.")
    breached: list[SlaStage] = Field(description="The case's clocks that ran out (eight_d_*).")
    breached_labels: list[Label] = Field(description="Their names, for people.")


class EightDCasePage(BaseModel):
    """8D cases, oldest opened first."""

    items: list[EightDCaseItem] = Field(description="The cases on this page.")
    total: int = Field(description="How many cases match in all.")
