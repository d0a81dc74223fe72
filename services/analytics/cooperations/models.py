"""Response bodies of the co-operations read model."""

from __future__ import annotations

from pydantic import BaseModel, Field

from services.analytics.complaints.models import Instant
from shared.complaints.values import Label


class OpenCooperation(BaseModel):
    """One co-operating department's open part in a complaint."""

    complaint_no: str = Field(description="The complaint's number.")
    subject: str = Field(description="Its subject line.")
    department: str = Field(description="Code of the co-operating department.")
    department_label: Label = Field(description="Its name.")
    lead_department: str | None = Field(description="Code of the lead (responsible) department.")
    lead_department_label: Label = Field(description="Its name.")
    status: str = Field(description="requested (not signed for yet) or accepted (contribution awaited).")
    status_label: Label = Field(description="The status, for people.")
    requested_at: Instant = Field(description="When the department was asked.")


class OpenCooperations(BaseModel):
    """The open co-operations, oldest request first."""

    items: list[OpenCooperation] = Field(description="Open co-operations, oldest first.")
