"""What the API shows of a row: codes, labels in zh-CN and en, UTC and local times."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from services.analytics.complaints.queries import Counts
from services.analytics.complaints.rows import ProjectedComplaint, complaint_row, step
from services.analytics.complaints.views import complaint_view, stats_view, timeline_entry
from services.analytics.privacy import _reveal
from shared.complaints import ComplaintState, Status, fold_recorded
from shared.events import RecordedEvent, Role
from shared.privacy.reveal import PersonalDataStatus
from tests.builders import (
    COMPLAINT_NO,
    TEST_KEY,
    a_complainant,
    apply,
    as_recorded,
    complainant_id_of,
    escalate,
    path_to,
    supervisor,
    transfer,
)

pytestmark = pytest.mark.unit

SHANGHAI = ZoneInfo("Asia/Shanghai")


def a_recorded_complaint() -> list[RecordedEvent]:
    """Received at T0 (09:00 in Shanghai), in progress with quality, escalated."""
    state = ComplaintState.initial()
    history = []
    for command in [*path_to(Status.IN_PROGRESS), escalate()]:
        state, events = apply(state, command)
        history.append((command, events))
    return as_recorded(COMPLAINT_NO, history)


def project(records: list[RecordedEvent]) -> ProjectedComplaint:
    current = None
    for record in records:
        current, _ = step(current, record)
    assert current is not None
    return current


def test_a_complaint_shows_codes_labels_and_local_times() -> None:
    row = complaint_row(project(a_recorded_complaint()))
    keys = {complainant_id_of(a_complainant()): TEST_KEY}
    view = complaint_view(row, SHANGHAI, _reveal(row, keys, Role.OPERATOR))
    body = view.model_dump(mode="json", by_alias=True)
    assert body["status"] == "in_progress" and body["open"] is True
    assert body["flags"] == ["escalated"]
    assert body["labels"]["status"] == {"zh-CN": "处理中", "en": "In progress"}
    assert body["labels"]["department"] == {"zh-CN": "质量部", "en": "Quality"}
    assert body["labels"]["flags"] == [{"zh-CN": "已升级", "en": "Escalated"}]
    assert body["labels"]["complainant"] == {"zh-CN": "王**", "en": "王**"}
    assert body["complainant"]["masked"] is True and body["complainant"]["phone"] == "138****0000"
    assert body["received_at"] == {"utc": "2026-01-05T01:00:00Z", "local": "2026-01-05T09:00:00+08:00"}
    assert body["resolved_at"] is None and body["feedback"] is None


def test_an_unassigned_anonymous_complaint_is_labelled_so() -> None:
    state = ComplaintState.initial()
    command = path_to(Status.RECEIVED)[0].model_copy(
        update={"anonymous": True, "complainant_id": None, "personal_data": None}
    )
    state, events = apply(state, command)
    view = complaint_view(complaint_row(project(as_recorded(COMPLAINT_NO, [(command, events)]))), SHANGHAI)
    body = view.model_dump(mode="json", by_alias=True)
    assert body["department"] is None and body["complainant_display"] is None
    assert body["labels"]["department"] == {"zh-CN": "未派单", "en": "Unassigned"}
    assert body["labels"]["complainant"] == {"zh-CN": "匿名", "en": "Anonymous"}


def test_a_timeline_entry_has_a_title_the_actor_and_the_summary() -> None:
    records = a_recorded_complaint()
    command = transfer(by=supervisor())
    _, events = apply(fold_recorded(records), command)
    record = as_recorded(COMPLAINT_NO, [(command, events)])[0]
    _, row = step(project(records), record.model_copy(update={"stream_version": len(records) + 1}))
    entry = timeline_entry(row, SHANGHAI).model_dump(mode="json", by_alias=True)
    assert entry["title"] == {"zh-CN": "转派", "en": "Transferred"}
    assert entry["actor"]["role"] == "supervisor" and entry["actor"]["role_label"]["zh-CN"] == "主管"
    assert entry["summary"] == {"from_department": "quality", "to_department": "after_sales"}
    assert entry["occurred_at"]["local"].endswith("+08:00")


def test_stats_list_every_status_and_only_present_departments() -> None:
    counts = [
        Counts(None, None, 3, 2, 4, 1),
        Counts("status", "received", 1, 1, 0, 0),
        Counts("status", "closed", 1, 0, 4, 1),
        Counts("status", "assigned", 1, 1, 0, 0),
        Counts("department", None, 1, 1, 0, 0),
        Counts("department", "quality", 2, 1, 4, 1),
    ]
    stats = stats_view(counts, None).model_dump(mode="json", by_alias=True)
    assert (stats["total"], stats["open_backlog"], stats["sla_breaches"], stats["breached_complaints"]) == (
        3,
        2,
        4,
        1,
    )
    assert [item["code"] for item in stats["by_status"]] == [s.value for s in Status]
    closed = next(item for item in stats["by_status"] if item["code"] == "closed")
    assert closed == {"code": "closed", "label": {"zh-CN": "已结案", "en": "Closed"}, "count": 1, "open": 0}
    assert [(d["code"], d["count"], d["label"]["en"]) for d in stats["by_department"]] == [
        ("quality", 2, "Quality"),
        (None, 1, "Unassigned"),
    ]
    assert all(item["count"] == 0 for item in stats["by_channel"])


def test_who_may_see_the_details_and_what_an_erasure_shows() -> None:
    row = complaint_row(project(a_recorded_complaint()))
    keys = {complainant_id_of(a_complainant()): TEST_KEY}
    for role in (Role.AGENT, Role.SUPERVISOR, Role.ADMIN):
        shown = _reveal(row, keys, role)
        assert shown.masked is False and shown.name == "王女士" and shown.phone == "13800000000"
    for role in (Role.OPERATOR, Role.AUDITOR):
        assert _reveal(row, keys, role).name == "王**"
    erased = complaint_view(row, SHANGHAI, _reveal(row, {}, Role.SUPERVISOR))
    body = erased.model_dump(mode="json", by_alias=True)
    assert body["complainant"]["status"] == PersonalDataStatus.ERASED and body["complainant"]["name"] is None
    assert body["labels"]["complainant"] == {"zh-CN": "已删除", "en": "Erased"}
    assert body["complainant_display"] is None


def test_a_view_without_personal_data_withholds_it() -> None:
    row = complaint_row(project(a_recorded_complaint()))
    body = complaint_view(row, SHANGHAI).model_dump(mode="json")
    assert body["complainant"]["status"] == "withheld" and body["complainant"]["name"] is None
