"""Read-model rows → response bodies: codes kept, labels and local times added.

A complaint's view is built from its row through the domain's ComplaintState (status, flags,
openness come from the state's own properties), so the API says what the aggregate would.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from services.analytics.complaints.cooperations import CooperationRecord
from services.analytics.complaints.models import (
    ComplaintLabels,
    ComplaintView,
    CooperationEntry,
    CountItem,
    Feedback,
    Instant,
    Label,
    Stats,
    TimelineActor,
    TimelineEntry,
)
from services.analytics.complaints.queries import Counts
from services.analytics.complaints.rows import complaint_from_row
from services.analytics.complaints.timeline_details import details
from services.analytics.labels import ANONYMOUS, UNASSIGNED, event_title
from shared.complaints import Category, Channel, Grade, Lang, Status, label
from shared.events import Role
from shared.privacy.masking import mask_name
from shared.privacy.reveal import STATUS_LABELS, PersonalDataStatus, PersonalDataView, withheld


def both(labels: Mapping[Lang, str]) -> Label:
    return Label(zh_cn=labels["zh-CN"], en=labels["en"])


def labelled(value: StrEnum | str) -> Label:
    """The domain's label of an enum value or a department code."""
    return Label(zh_cn=label(value, "zh-CN"), en=label(value, "en"))


def department_label(department: str | None) -> Label:
    return labelled(department) if department is not None else both(UNASSIGNED)


def instant(value: datetime, zone: ZoneInfo) -> Instant:
    return Instant(utc=value.astimezone(UTC), local=value.astimezone(zone).isoformat())


def maybe_instant(value: datetime | None, zone: ZoneInfo) -> Instant | None:
    return instant(value, zone) if value is not None else None


def complaint_view(
    row: Mapping[str, Any], zone: ZoneInfo, personal: PersonalDataView | None = None
) -> ComplaintView:
    """``personal``: the complainant's data as the caller may see it (see privacy.personal_data);
    default: withheld, for views that show none of it."""
    projected = complaint_from_row(row)
    s = projected.state
    assert s.status and s.channel and s.category and s.grade and s.complainant_kind and s.received_at
    if personal is None:
        personal = withheld(s.anonymous, projected.complainant_id)
    display = mask_name(personal.name) if personal.status is PersonalDataStatus.AVAILABLE else None
    return ComplaintView(
        complaint_no=projected.complaint_no,
        version=s.version,
        status=s.status.value,
        open=s.is_open,
        flags=[flag.value for flag in s.flags],
        upgraded_from=s.upgraded_from,
        department=s.department,
        agent=s.agent,
        channel=s.channel.value,
        category=s.category.value,
        grade=s.grade.value,
        complainant_kind=s.complainant_kind.value,
        anonymous=s.anonymous,
        complainant_display=display,
        complainant=personal,
        subject=projected.subject,
        acknowledged=s.acknowledged,
        escalation_level=s.escalation_level,
        escalated_to=s.escalated_to,
        reopen_count=s.reopen_count,
        received_at=instant(s.received_at, zone),
        updated_at=instant(projected.updated_at, zone),
        resolved_at=maybe_instant(s.resolved_at, zone),
        closed_at=maybe_instant(s.closed_at, zone),
        close_reason=s.close_reason.value if s.close_reason else None,
        revisit_due_at=maybe_instant(s.revisit_due_at, zone),
        feedback=(
            Feedback(
                satisfied=s.feedback.satisfied, score=s.feedback.score, acknowledged=s.feedback.acknowledged
            )
            if s.feedback
            else None
        ),
        sla_warnings=len(s.sla_warnings),
        sla_breaches=len(s.sla_breaches),
        labels=ComplaintLabels(
            status=labelled(s.status),
            channel=labelled(s.channel),
            category=labelled(s.category),
            grade=labelled(s.grade),
            complainant_kind=labelled(s.complainant_kind),
            department=department_label(s.department),
            complainant=_complainant_label(display, personal),
            close_reason=labelled(s.close_reason) if s.close_reason else None,
            flags=[labelled(flag) for flag in s.flags],
        ),
    )


def _complainant_label(display: str | None, personal: PersonalDataView) -> Label:
    if display:
        return Label(zh_cn=display, en=display)
    if personal.status is PersonalDataStatus.ANONYMOUS:
        return both(ANONYMOUS)
    return both(STATUS_LABELS[personal.status])  # type: ignore[arg-type]


def cooperation_entry(record: CooperationRecord, zone: ZoneInfo) -> CooperationEntry:
    return CooperationEntry(
        department=record.department,
        department_label=labelled(record.department),
        status=record.status.value,
        status_label=labelled(record.status),
        requested_at=instant(record.requested_at, zone),
        accepted_at=maybe_instant(record.accepted_at, zone),
        contributed_at=maybe_instant(record.contributed_at, zone),
        agent=record.agent,
    )


def timeline_entry(row: Mapping[str, Any], zone: ZoneInfo) -> TimelineEntry:
    summary = row["summary"]
    summary = json.loads(summary) if isinstance(summary, str | bytes) else summary
    role = Role(row["actor_role"])
    happened = row["occurred_at"]
    if row["type"] == "ComplaintReceived" and summary.get("received_at"):
        happened = datetime.fromisoformat(str(summary["received_at"]).replace("Z", "+00:00"))
    return TimelineEntry(
        stream_version=row["stream_version"],
        event_id=row["event_id"],
        type=row["type"],
        title=both(event_title(row["type"])),
        occurred_at=instant(row["occurred_at"], zone),
        recorded_at=instant(row["recorded_at"], zone),
        actor=TimelineActor(
            role=role.value, role_label=labelled(role), id=row["actor_id"], department=row["actor_department"]
        ),
        summary=summary,
        details=details(summary, zone),
        happened_at=instant(happened, zone),
    )


def _item(code: str | None, item_label: Label, hit: Counts | None) -> CountItem:
    return CountItem(code=code, label=item_label, count=hit.count if hit else 0, open=hit.open if hit else 0)


def enum_items(counts: Sequence[Counts], dimension: str, kind: type[StrEnum]) -> list[CountItem]:
    """Every value of the enum, in its order (zeros included), then any code it does not know."""
    found = {c.code: c for c in counts if c.dimension == dimension and c.code is not None}
    known = {member.value for member in kind}
    return [_item(member.value, labelled(member), found.get(member.value)) for member in kind] + [
        _item(code, Label(zh_cn=code, en=code), found[code]) for code in sorted(found) if code not in known
    ]


def department_items(counts: Sequence[Counts]) -> list[CountItem]:
    """The departments that have complaints, most complaints first; then null: not yet dispatched."""
    found = sorted(
        (c for c in counts if c.dimension == "department"),
        key=lambda c: (c.code is None, -c.count, c.code or ""),
    )
    return [_item(c.code, department_label(c.code), c) for c in found]


def stats_view(counts: Sequence[Counts], scope_department: str | None) -> Stats:
    overall = next((c for c in counts if c.dimension is None), None)
    return Stats(
        department_scope=scope_department,
        total=overall.count if overall else 0,
        open_backlog=overall.open if overall else 0,
        sla_breaches=overall.breaches if overall else 0,
        breached_complaints=overall.breached if overall else 0,
        by_status=enum_items(counts, "status", Status),
        by_channel=enum_items(counts, "channel", Channel),
        by_category=enum_items(counts, "category", Category),
        by_grade=enum_items(counts, "grade", Grade),
        by_department=department_items(counts),
    )
