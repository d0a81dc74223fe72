"""Request and response bodies of the 8D endpoints (services/routing/eight_d_api.py)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.complaints.stages.eight_d import AttachmentMeta, TeamMember
from shared.complaints.values import Discipline, EightDTrigger, TeamRole


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class OpenEightDRequest(_Body):
    """Open an 8D case by hand for a complaint that is not severe (人工启动 8D)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "同一批次三家客户投诉，需系统分析。"}]}
    )

    reason: str = Field(min_length=1, max_length=2000, description="Why the complaint needs an 8D.")


class DisciplineRequest(_Body):
    """One discipline of the 8D case: what it found or did, D1's team, the attachments' metadata."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "content": "组建 8D 小组：质量部王工（组长）、质量工程师孙工、生产部李工。",
                    "team": [
                        {"name": "王工", "role": "leader"},
                        {"name": "孙工", "role": "quality_engineer", "subject": "qe-sun"},
                    ],
                },
                {
                    "content": "已隔离库存 1,200 件并通知客户暂停使用。",
                    "attachments": [
                        {
                            "file_name": "containment.pdf",
                            "media_type": "application/pdf",
                            "size_bytes": 48213,
                            "sha256": "9f" * 32,
                        }
                    ],
                },
            ]
        }
    )

    content: str = Field(min_length=1, max_length=20_000, description="What the discipline found or did.")
    team: list[TeamMember] = Field(
        default_factory=list,
        description="D1 only (and required there): the team, with at least one quality_engineer.",
        max_length=50,
    )
    attachments: list[AttachmentMeta] = Field(
        default_factory=list,
        description="The attachments' metadata; the files are kept elsewhere.",
        max_length=50,
    )


class TeamMemberView(BaseModel):
    name: str
    role: TeamRole
    role_label: str
    subject: str | None = None


class DisciplineView(BaseModel):
    """The latest record of one discipline, or its place when not yet recorded."""

    discipline: Discipline
    label: str = Field(description="The discipline's name in the requested language.")
    recorded: bool
    content: str | None = None
    team: list[TeamMemberView] = Field(default_factory=list)
    attachments: list[AttachmentMeta] = Field(default_factory=list)
    recorded_at: datetime | None = None
    recorded_by: str | None = Field(None, description="Who recorded it (sign-in subject).")
    times_recorded: int = Field(0, description="How often it was recorded; the latest counts.")


class EightDCaseView(BaseModel):
    """A complaint's latest 8D case, with the latest record of each discipline."""

    complaint_no: str
    case: int
    cause: EightDTrigger
    cause_label: str
    opened_at: datetime
    department: str | None = Field(None, description="The complaint's responsible department now.")
    closed: bool = Field(description="True once D8 is recorded.")
    closed_at: datetime | None = None
    complaint_final: bool = Field(description="True when the complaint has ended (closed, withdrawn, ...).")
    awaiting_d8: bool = Field(
        description="The complainant has confirmed the solution; the complaint closes when D8 is recorded."
    )
    missing: list[Discipline] = Field(description="D1..D7 not yet recorded: D8 waits for them.")
    disciplines: list[DisciplineView]
