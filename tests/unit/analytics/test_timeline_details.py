"""The timeline tells each event's summary for people: every field it keeps is either named and
labelled in both languages or deliberately left out; no code reaches the page."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from services.analytics.complaints.timeline_details import (
    COMMANDS,
    FIELD_NAMES,
    NOT_SHOWN,
    REJECTIONS,
    details,
)
from services.analytics.privacy import SUMMARY_FIELDS
from shared.complaints.errors import RejectionCode
from shared.complaints.kernel import DECISIONS

pytestmark = pytest.mark.unit

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shown(summary: dict[str, object]) -> dict[str, tuple[str, str]]:
    return {d.key: (d.value.zh_cn, d.value.en) for d in details(summary, SHANGHAI)}


def test_every_kept_field_is_named_or_deliberately_left_out() -> None:
    kept = set().union(*SUMMARY_FIELDS.values())
    assert kept - set(FIELD_NAMES) == NOT_SHOWN


def test_every_command_and_refusal_has_a_label() -> None:
    assert set(COMMANDS) >= {command.name() for command in DECISIONS}
    assert "ResolveComplaint" in COMMANDS
    assert set(REJECTIONS) == set(RejectionCode)


def test_a_refusal_names_the_action_and_the_reason() -> None:
    assert shown({"command": "ResolveComplaint", "reason_code": "not_owner"}) == {
        "command": ("答复处理结果", "resolve"),
        "reason_code": ("不是责任部门", "not the responsible department"),
    }


def test_a_breach_shows_the_stage_department_and_the_local_deadline() -> None:
    assert shown({"stage": "resolution", "deadline": "2026-01-08T01:00:00Z", "department": "quality"}) == {
        "stage": ("处理完成", "Resolution"),
        "deadline": ("2026-01-08 09:00", "2026-01-08 09:00"),
        "department": ("质量部", "Quality"),
    }


def test_escalation_feedback_and_yes_no() -> None:
    assert shown({"level": 2, "to_role": "supervisor"}) == {
        "level": ("第 2 级", "level 2"),
        "to_role": ("主管", "Supervisor"),
    }
    assert shown({"satisfied": False, "score": 2}) == {
        "satisfied": ("否", "no"),
        "score": ("2 分（满分 5 分）", "2 of 5"),
    }


def test_fields_left_out_never_show() -> None:
    assert shown({"via": "sms", "message_key": "ack", "complainant_id": "x"}) == {}
