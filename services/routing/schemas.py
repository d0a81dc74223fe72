"""Request and response bodies of the routing service's department API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from services.routing.rules import DEPARTMENT_CODE
from shared.complaints.values import (
    Category,
    Channel,
    ComplainantKind,
    CooperationStatus,
    Grade,
    ProgressKind,
    Status,
)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class AcceptRequest(_Body):
    """Sign for the complaint (签收): the calling agent will handle it. The body is empty ({})."""


class ProgressRequest(_Body):
    """Record progress (处理进展)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"note": "已联系客户，约定明天上门检测。"}]})

    note: str = Field(min_length=1, max_length=2000, description="What was done or found.")
    kind: ProgressKind = Field(
        ProgressKind.UPDATE,
        description="update: a progress update (restarts the progress clock); "
        "plan: the initial plan / handling opinion (stops the initial-plan clock).",
    )


class ResolveRequest(_Body):
    """Reply with the result and its reasons (答复)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"resolution": "已更换进水管并补偿 200 元。", "root_cause": "进水管接头松动"}]
        }
    )

    resolution: str = Field(
        min_length=1, max_length=4000, description="The result and the reasons, as told to the complainant."
    )
    root_cause: str | None = Field(
        None, min_length=1, max_length=2000, description="The root cause found, if any."
    )
    override_reason: str | None = Field(
        None,
        min_length=1,
        max_length=2000,
        description="Supervisors only: answer although co-operating departments (协同部门) have not all "
        "contributed; their missing contributions are waived with this reason (ContributionsWaived).",
    )


class TransferRequest(_Body):
    """Hand the complaint to another department (转派)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"to_department": "after_sales", "reason": "属售后范围"}]}
    )

    to_department: str = Field(
        pattern=DEPARTMENT_CODE,
        description="Code of the department to take it over; one of the rule table's.",
    )
    reason: str = Field(min_length=1, max_length=1000, description="Why it is transferred.")


class CooperationRequest(_Body):
    """Ask other departments to co-operate (发起协同): each gets its own assignment on its feed."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"departments": ["logistics"], "note": "请核实配送记录。"}]}
    )

    departments: list[str] = Field(
        min_length=1,
        max_length=10,
        description="Codes of the co-operating departments; each one of the rule table's, not the lead.",
    )
    note: str | None = Field(None, min_length=1, max_length=2000, description="What the lead asks of them.")


class CooperationAcceptRequest(_Body):
    """Sign for a co-operation request (协同签收). An agent signs for its own department ({})."""

    department: str | None = Field(
        None,
        pattern=DEPARTMENT_CODE,
        description="Supervisors: the co-operating department they sign for; agents: their own (default).",
    )


class ContributionRequest(_Body):
    """Record the co-operating department's contribution (提交协同意见) for the lead."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"contribution": "配送记录显示已签收，但包装破损。"}]}
    )

    contribution: str = Field(min_length=1, max_length=4000, description="What the department found or did.")
    department: str | None = Field(
        None,
        pattern=DEPARTMENT_CODE,
        description="Supervisors: the co-operating department; agents: their own (default).",
    )


class CooperationWithdrawalRequest(_Body):
    """Withdraw a co-operation request (撤销协同): the lead's agents or a supervisor."""

    department: str = Field(pattern=DEPARTMENT_CODE, description="The co-operating department's code.")
    reason: str = Field(min_length=1, max_length=1000, description="Why it is withdrawn.")


class CooperationItem(BaseModel):
    """One co-operating department's part in a complaint."""

    department: str = Field(description="The co-operating department's code.")
    department_label: str = Field(description="Its name in the requested language.")
    status: CooperationStatus = Field(
        description="requested, accepted (signed for), contributed, waived or withdrawn."
    )
    status_label: str = Field(description="The status in the requested language.")
    requested_at: datetime | None = Field(description="When it was asked (UTC).")
    agent: str | None = Field(description="Who in it signed for the request; null until then.")
    accepted_at: datetime | None = Field(description="When it signed for the request (UTC).")
    contributed_at: datetime | None = Field(description="When it recorded its contribution (UTC).")
    contribution: str | None = Field(
        None,
        description="Its contribution: shown to the lead department, supervisors and the department "
        "itself, never to another co-operating department (null in the feed).",
    )


class CooperationView(BaseModel):
    """A complaint's lead and co-operating departments, as the caller may see them."""

    complaint_no: str = Field(description="The complaint's number.")
    lead_department: str | None = Field(description="The lead (responsible) department's code.")
    lead_department_label: str | None = Field(description="Its name in the requested language.")
    role: str = Field(description="The caller's part: lead, cooperating or staff (supervisors and the like).")
    cooperations: list[CooperationItem] = Field(
        description="Every co-operation for the lead and staff; only its own for a co-operating department."
    )


class Assignment(BaseModel):
    """One complaint in a department's work list."""

    complaint_no: str = Field(description="The complaint's number.")
    status: Status = Field(description="Status code, e.g. assigned, accepted, reopened.")
    status_label: str = Field(description="The status in the requested language.")
    category: Category = Field(description="Category code.")
    category_label: str = Field(description="The category in the requested language.")
    grade: Grade = Field(description="Grade code: general, complex, urgent.")
    grade_label: str = Field(description="The grade in the requested language.")
    channel: Channel = Field(description="Channel code.")
    channel_label: str = Field(description="The channel in the requested language.")
    complainant_kind: ComplainantKind = Field(description="customer or employee.")
    subject: str = Field(description="The complaint's subject line.")
    agent: str | None = Field(description="Who in the department accepted it; null until accepted.")
    assigned_at: datetime | None = Field(
        description="When this department got it (assignment, transfer or reopen), UTC."
    )
    escalated: bool = Field(description="True when the complaint has been escalated (升级).")
    escalation_level: int = Field(description="Escalation level, 0 when not escalated.")
    reopened: bool = Field(description="True when the complaint was ever reopened (重新打开).")
    reopen_count: int = Field(description="How many times it was reopened.")
    stream_version: int = Field(description="The complaint's stream version this row reflects.")
    role: str = Field(
        "lead",
        description="The department's part: lead (responsible, 牵头) or cooperating (协同: it owes a "
        "contribution, the lead answers).",
    )
    lead_department: str | None = Field(None, description="The lead department's code.")
    cooperations: list[CooperationItem] = Field(
        default_factory=list,
        description="For the lead: every co-operating department's state; for a co-operating "
        "department: its own only (no contributions in the feed).",
    )


class AssignmentPage(BaseModel):
    """One page of a department's assignments, newest first."""

    department: str = Field(description="The department's code.")
    department_label: str = Field(description="The department's name in the requested language.")
    statuses: list[Status] = Field(description="The statuses listed (default: every open status).")
    page: int = Field(description="This page's number, from 1.")
    page_size: int = Field(description="Items per page.")
    total: int = Field(description="How many complaints match, over all pages.")
    items: list[Assignment] = Field(description="The complaints on this page.")


class BeyondAuthorityRequest(_Body):
    """Report a matter beyond the handler's authority to the director (超出权限上报)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "客户要求全额退款并赔偿，超出部门审批权限。"}]}
    )

    reason: str = Field(
        min_length=1, max_length=2000, description="What the department may not decide, and why."
    )


class DirectorInstructionRequest(_Body):
    """The director's decision or instruction on a reported matter (总监批示)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"instruction": "同意全额退款，由售后部执行。"}]}
    )

    instruction: str = Field(
        min_length=1, max_length=2000, description="The director's decision or instruction."
    )


class ObjectionRequest(_Body):
    """Object to the assignment (派单异议), by the end of the working day it was made."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "投诉涉及物流配送，不属于质量部职责。"}]}
    )

    reason: str = Field(
        min_length=1, max_length=2000, description="Why the complaint is not the department's."
    )


class ObjectionDecisionRequest(_Body):
    """A supervisor's decision on a department's objection (异议裁定)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"uphold": True, "reason": "属物流问题，改派售后部。", "to_department": "after_sales"},
                {"uphold": False, "reason": "产品质量问题，仍由质量部处理。"},
            ]
        }
    )

    uphold: bool = Field(description="true: the complaint goes to another department; false: it stays.")
    reason: str = Field(min_length=1, max_length=2000, description="The supervisor's reason.")
    to_department: str | None = Field(
        None,
        pattern=DEPARTMENT_CODE,
        description="Upheld: the department to take it over; omitted: the routing rules choose one "
        "other than the objecting department. Ignored when rejected.",
    )
