"""GET /v1/extension-requests: the extensions (延期申请) waiting for a supervisor's decision.

A request is pending from its SlaExtensionRequested until an SlaExtensionApproved or
SlaExtensionDeclined of the same stage follows it (as the domain's fold keeps
``pending_extensions``); only open complaints are listed. The stage, the extension, the deadline
and the consent come from the timeline read model. Why the department asks, and what the
complainant agreed to, are typed by people and never enter a read model: they are read from the
stored event at request time, for the roles that decide or ask (supervisors, the department's
agents, admins), and withheld from the others.

(No ``from __future__ import annotations``: FastAPI evaluates the routes' annotations.)
"""

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.analytics.complaints.models import Instant
from services.analytics.complaints.queries import FINAL, Filters
from services.analytics.complaints.stored import stored_events
from services.analytics.complaints.views import department_label, instant, labelled
from services.analytics.dependencies import Complaints, Zone
from services.analytics.filters import ERRORS, Reader, ReaderFilters
from shared.complaints import SlaExtensionRequested, SlaStage, Status
from shared.complaints.values import Label
from shared.events import Role

DECIDERS = frozenset({Role.SUPERVISOR, Role.AGENT, Role.ADMIN})
"""Who sees the request's reason and consent note (an agent only their own department's)."""

CONSENT_VIA: dict[str, Label] = {
    "phone": Label(zh_cn="电话", en="Phone"),
    "sms": Label(zh_cn="短信", en="SMS"),
    "email": Label(zh_cn="电子邮件", en="Email"),
    "in_person": Label(zh_cn="当面", en="In person"),
    "letter": Label(zh_cn="信函", en="Letter"),
    "online": Label(zh_cn="网上", en="Online"),
}

PENDING = text(
    """
    SELECT t.complaint_no, t.stream_version, t.occurred_at, t.actor_id, t.summary,
           c.subject, c.department, c.status
    FROM analytics_timeline t JOIN analytics_complaints c ON c.complaint_no = t.complaint_no
    WHERE t.type = 'SlaExtensionRequested'
      AND c.status <> ALL(:final)
      AND t.complaint_no IN (SELECT complaint_no FROM analytics_complaints WHERE {where})
      AND NOT EXISTS (
          SELECT 1 FROM analytics_timeline d
          WHERE d.complaint_no = t.complaint_no AND d.stream_version > t.stream_version
            AND d.type IN ('SlaExtensionRequested', 'SlaExtensionApproved', 'SlaExtensionDeclined')
            AND d.summary ->> 'stage' = t.summary ->> 'stage')
    ORDER BY t.occurred_at, t.complaint_no
    LIMIT :limit
    """
)


class ExtensionRequestView(BaseModel):
    """One extension waiting for a decision."""

    complaint_no: str = Field(description="The complaint's number.")
    subject: str = Field(description="Its subject line.")
    status_label: Label = Field(description="The complaint's status, for people.")
    department: str | None = Field(description="Code of the department that asks.")
    department_label: Label = Field(description="The department's name.")
    stage: SlaStage = Field(
        description="Which time limit (POST .../extensions/{stage}/approve on the SLA service)."
    )
    stage_label: Label = Field(description="The time limit's name.")
    extension: str = Field(
        description="Extra time asked for, ISO-8601 (P2D: two working days on a working-time limit)."
    )
    extension_label: Label = Field(description="The extra time, for people.")
    deadline: Instant = Field(description="The deadline when asked.")
    consent_via: str = Field(description="How the complainant agreed (phone, sms, email, in_person, ...).")
    consent_via_label: Label = Field(description="How the complainant agreed, for people.")
    consent_at: Instant = Field(description="When the complainant agreed.")
    requested_at: Instant = Field(description="When the department asked.")
    requested_by: str | None = Field(description="Login name of the agent who asked.")
    reason: str | None = Field(
        description="Why the deadline cannot be met; null for roles that do not decide."
    )
    consent_note: str | None = Field(
        description="What the complainant agreed to; null when none, or withheld."
    )


class ExtensionRequests(BaseModel):
    """The pending extension requests, oldest first."""

    items: list[ExtensionRequestView] = Field(description="Pending requests, oldest first.")


def _extension_label(iso: str) -> Label:
    days = iso[1:].split("T")[0].rstrip("D") if "D" in iso else ""
    hours = iso.split("T")[1].rstrip("H") if "T" in iso and iso.endswith("H") else ""
    zh = " ".join(p for p in (f"{days} 天" if days else "", f"{hours} 小时" if hours else "") if p)
    en = " ".join(p for p in (f"{days} days" if days else "", f"{hours} hours" if hours else "") if p)
    return Label(zh_cn=zh or iso, en=en or iso)


def _view(
    row: Mapping[str, Any], typed: SlaExtensionRequested | None, zone: ZoneInfo
) -> ExtensionRequestView:
    summary = row["summary"]
    summary = json.loads(summary) if isinstance(summary, str | bytes) else summary
    stage = SlaStage(summary["stage"])
    via = str(summary["consent_via"])
    return ExtensionRequestView(
        complaint_no=row["complaint_no"],
        subject=row["subject"],
        status_label=labelled(Status(row["status"])),
        department=row["department"],
        department_label=department_label(row["department"]),
        stage=stage,
        stage_label=labelled(stage),
        extension=str(summary["extension"]),
        extension_label=_extension_label(str(summary["extension"])),
        deadline=instant(_utc(summary["deadline"]), zone),
        consent_via=via,
        consent_via_label=CONSENT_VIA.get(via, Label(zh_cn=via, en=via)),
        consent_at=instant(_utc(summary["consent_at"]), zone),
        requested_at=instant(row["occurred_at"], zone),
        requested_by=row["actor_id"],
        reason=typed.reason if typed else None,
        consent_note=typed.consent_note if typed else None,
    )


def _utc(value: Any) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


router = APIRouter(prefix="/v1", tags=["KPIs and dashboard"])


@router.get(
    "/extension-requests",
    summary="Extensions (延期申请) waiting for a supervisor's decision, oldest first",
    response_model=ExtensionRequests,
    responses=ERRORS,
    description="Open complaints only; agents see their own department's. The reason and the "
    "consent note are shown to supervisors, agents and admins (null for operators and auditors). "
    "Supervisors decide on the SLA service: POST /v1/complaints/{no}/extensions/{stage}/approve "
    "or /decline.",
)
async def extension_requests(
    principal: Reader,
    filters: ReaderFilters,
    read_model: Complaints,
    zone: Zone,
    limit: Annotated[int, Query(ge=1, le=500, description="Most requests returned.")] = 100,
) -> ExtensionRequests:
    rows = await _pending(read_model.engine, filters, limit)
    typed = (
        await stored_events(read_model.engine, rows, SlaExtensionRequested)
        if principal.role in DECIDERS
        else {}
    )
    return ExtensionRequests(
        items=[_view(row, typed.get((row["complaint_no"], row["stream_version"])), zone) for row in rows]
    )


async def _pending(engine: AsyncEngine, filters: Filters, limit: int) -> list[Mapping[str, Any]]:
    where, params = filters.where()
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="REPEATABLE READ")
        result = await conn.execute(
            text(PENDING.text.replace("{where}", where)), {**params, "final": FINAL, "limit": limit}
        )
        return [dict(row) for row in result.mappings()]
