"""Read models keep no contact data and no free text: masked names, whitelisted summaries."""

from __future__ import annotations

import pytest

from services.analytics.complaints.rows import timeline_row
from services.analytics.labels import EVENT_TITLES
from services.analytics.privacy import SUMMARY_FIELDS, mask_name, summarize
from shared.complaints import COMPLAINT_EVENTS, ComplaintEvent, ComplaintState, Status, complaint_events
from shared.events import Role
from shared.events.disclosure import Disclosure, disclosure, holds_text
from tests.builders import (
    COMPLAINT_NO,
    a_complaint_in,
    apply,
    as_recorded,
    complainant,
    feedback,
    receive,
    received,
    withdraw,
)

pytestmark = pytest.mark.unit

FREE_TEXT = {"content", "note", "resolution", "root_cause", "comment", "complainant", "order_refs"}
"""Payload fields typed by people or identifying someone: never in a summary."""


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("John", "J***"),
        ("王女士", "王**"),
        ("欧阳娜娜", "欧***"),
        ("Z", "*"),
        ("  李四 ", "李*"),
    ],
)
def test_names_are_masked_to_their_first_character(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_no_name_masks_to_nothing() -> None:
    assert mask_name(None) is None
    assert mask_name("   ") is None


def test_every_event_type_has_a_decided_summary_and_a_title() -> None:
    assert set(SUMMARY_FIELDS) == set(COMPLAINT_EVENTS.types())
    assert set(EVENT_TITLES) == set(COMPLAINT_EVENTS.types())


@pytest.mark.parametrize("event", complaint_events(), ids=lambda e: e.event_type)
def test_every_event_is_titled_in_both_languages(event: type[ComplaintEvent]) -> None:
    title = event.title
    assert title.en.strip() and title.en.isascii() and title.en != event.event_type
    assert title.zh_cn.strip() and any("\u4e00" <= char <= "\u9fff" for char in title.zh_cn)


@pytest.mark.parametrize("event", complaint_events(), ids=lambda e: e.event_type)
def test_every_text_field_is_marked_free_text_personal_withheld_or_shown(event: type[ComplaintEvent]) -> None:
    unmarked = [name for name, f in event.model_fields.items() if holds_text(f) and disclosure(f) is None]
    assert not unmarked, f"{event.event_type}: mark {unmarked} (shared/events/disclosure.py)"


def test_only_fields_marked_shown_or_holding_no_text_are_summarised() -> None:
    for event in complaint_events():
        for name in SUMMARY_FIELDS[event.event_type]:
            field = event.model_fields[name]
            assert disclosure(field) is Disclosure.SHOWN or not holds_text(field), (event.event_type, name)


def test_summaries_never_carry_free_text_or_contact_data() -> None:
    for event_type, fields in SUMMARY_FIELDS.items():
        assert not fields & FREE_TEXT, event_type
        assert not fields - set(COMPLAINT_EVENTS.model_for(event_type).model_fields), event_type
        assert "reason" not in fields or event_type == "ComplaintClosed", event_type  # a code there only


def test_the_received_summary_keeps_the_subject_but_not_the_complainant() -> None:
    summary = summarize(received())
    assert summary["subject"] == "洗衣机漏水"
    assert "complainant" not in summary and "content" not in summary
    assert "13800000000" not in str(summary)


def test_a_complainants_id_is_not_kept_in_the_timeline() -> None:
    first = receive()
    state, received_events = apply(ComplaintState.initial(), first)
    command = withdraw(by=complainant("13700000000"))
    _, events = apply(state, command)
    records = as_recorded(COMPLAINT_NO, [(first, received_events), (command, events)])
    row = timeline_row(records[-1], COMPLAINT_EVENTS.decode(records[-1]))
    assert row["actor_role"] == Role.COMPLAINANT.value and row["actor_id"] is None
    assert row["summary"] == {}  # the withdrawal's reason is free text


def test_feedback_summary_has_the_score_and_not_the_comment() -> None:
    _, events = apply(a_complaint_in(Status.RESOLVED), feedback(False, 1, comment="打我电话 13600000000"))
    assert summarize(events[0]) == {
        "acknowledged": False,
        "satisfied": False,
        "score": 1,
        "channel": "phone",
    }
