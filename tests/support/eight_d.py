"""Builders of the 8D commands (stages/eight_d.py) for every tier's tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from shared.complaints.stages.eight_d import (
    AttachmentMeta,
    OpenEightDCase,
    RecordEightDDiscipline,
    TeamMember,
)
from shared.complaints.values import Discipline, TeamRole
from shared.events.envelope import Actor, Role
from tests.builders import T0, agent

TEAM = (
    TeamMember(name="王工", role=TeamRole.LEADER, subject="agent-1"),
    TeamMember(name="孙质量", role=TeamRole.QUALITY_ENGINEER, subject="qe-sun"),
)
"""A D1 team with its quality engineer."""


def quality_engineer(id: str = "qe-sun") -> Actor:
    return Actor(role=Role.QUALITY_ENGINEER, id=id)


def an_attachment(name: str = "inspection.pdf", size: int = 2048) -> AttachmentMeta:
    return AttachmentMeta(
        file_name=name, media_type="application/pdf", size_bytes=size, sha256="ab" * 32, location=None
    )


def content_of(discipline: Discipline) -> str:
    return f"{discipline.value}：已完成（记录）"


def record(
    discipline: Discipline | str,
    *,
    by: Actor | None = None,
    when: datetime | None = None,
    content: str | None = None,
    team: Sequence[TeamMember] | None = None,
    attachments: Sequence[AttachmentMeta] = (),
) -> RecordEightDDiscipline:
    """Record ``discipline``: by the department's agent at T0; D1 with :data:`TEAM` unless told."""
    d = Discipline(discipline)
    members = list(team if team is not None else (TEAM if d is Discipline.D1 else ()))
    return RecordEightDDiscipline(
        actor=by or agent(),
        at=when or T0,
        discipline=d,
        content=content or content_of(d),
        team=members,
        attachments=list(attachments),
    )


def through(
    last: str, *, by: Actor | None = None, when: datetime | None = None
) -> list[RecordEightDDiscipline]:
    """D1 up to ``last`` in order, e.g. through("D7")."""
    end = list(Discipline).index(Discipline(last))
    return [record(d, by=by, when=when) for d in list(Discipline)[: end + 1]]


def open_case(
    reason: str = "同一批次多次投诉", *, by: Actor | None = None, when: datetime | None = None
) -> OpenEightDCase:
    return OpenEightDCase(actor=by or quality_engineer(), at=when or T0, reason=reason)
