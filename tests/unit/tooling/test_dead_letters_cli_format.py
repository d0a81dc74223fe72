"""`tousu dead-letters` output: a table that fits the terminal (CJK counted as two columns),
times in the organisation's time zone, one field a line for `show`, and usage errors as exit 2."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shared.messaging.dead_letter_admin import DeadLetterView, LetterStatus
from shared.service.metrics import ServiceMetrics
from tooling.cli import build_parser
from tooling.dead_letters_cli import (
    USAGE,
    cmd_discard,
    cmd_list,
    display_width,
    fit,
    letter_lines,
    letters_table,
    statuses_of,
)

pytestmark = pytest.mark.unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
FAILED = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)


def letter(**changes: Any) -> DeadLetterView:
    values: dict[str, Any] = {
        "id": 17,
        "consumer": "routing",
        "message_id": "0b6c1d2e-0000-4000-8000-000000000017",
        "status": LetterStatus.OPEN,
        "reason": "RuntimeError: planned failure",
        "errors": [],
        "attempts": 5,
        "first_failed_at": FAILED,
        "last_failed_at": FAILED,
        "origin_topic": "tousu.complaint.events",
        "origin_partition": 2,
        "origin_offset": 40,
        "origin_key": "TS-20260105-000001",
        "event_type": "ComplaintReceived",
        "stream_id": "TS-20260105-000001",
        "stream_version": 1,
        "value": "store",
        "retries": 0,
    }
    return DeadLetterView.model_validate({**values, **changes})


def test_width_counts_wide_characters_twice_and_fit_cuts_with_an_ellipsis() -> None:
    assert display_width("abc") == 3
    assert display_width("投诉") == 4
    assert fit("abcdef", 6) == "abcdef"
    assert fit("abcdef", 4) == "abc…"
    assert fit("投诉处理失败", 7) == "投诉处…"
    assert display_width(fit("投诉处理失败", 7)) <= 7


def test_the_table_aligns_columns_shows_local_times_and_fits_the_terminal() -> None:
    message = letter(
        id=3,
        status=LetterStatus.RETRYING,
        consumer="intake-submissions",
        event_type=None,
        stream_id=None,
        stream_version=None,
        origin_topic="tousu.intake.submissions",
        origin_offset=12,
        value="sealed",
        reason="invalid message\nsecond line",
        attempts=1,
    )
    lines = letters_table([letter(), message], SHANGHAI, "Asia/Shanghai")
    assert lines[0].split() == [
        "ID",
        "STATUS",
        "CONSUMER",
        "ATTEMPTS",
        "LAST",
        "FAILED",
        "(Asia/Shanghai)",
        "MESSAGE",
        "REASON",
    ]
    assert lines[1].split()[:6] == ["17", "open", "routing", "5", "2026-01-05", "09:00:00"]
    assert "ComplaintReceived TS-20260105-000001 v1" in lines[1]
    assert "tousu.intake.submissions[2]@12 " in lines[2]
    assert lines[2].endswith("  invalid message second line")  # one line, whatever the reason holds
    # every column starts where its header does
    start = lines[0].index("REASON")
    assert lines[1][start:].startswith("RuntimeError") and lines[2][start:].startswith("invalid")

    narrow = letters_table([letter(reason="原因" * 40)], SHANGHAI, "Asia/Shanghai", width=130)
    assert all(display_width(line) <= 130 for line in narrow)
    assert narrow[1].endswith("…")
    # however narrow the terminal, a reason keeps 20 columns
    tiny = letters_table([letter(reason="x" * 80)], SHANGHAI, "Asia/Shanghai", width=40)
    assert display_width(tiny[1][tiny[0].index("REASON") :]) == 20


def test_show_lists_every_field_an_operator_may_see_never_a_value() -> None:
    shown = letter_lines(
        letter(
            status=LetterStatus.DISCARDED,
            errors=[{"field": "n", "type": "int_parsing", "message": "Input should be a valid integer"}],
            retries=2,
            retry_requested_at=FAILED,
            retry_requested_by="admin:ops",
            discarded_at=datetime(2026, 1, 6, 2, 30, tzinfo=UTC),
            discarded_by="cli:ops",
            discard_reason="OPS-1",
        ),
        SHANGHAI,
    )
    assert shown[0] == "dead letter 17 (discarded)"
    fields = dict(line.strip().split("  ", 1) for line in shown[1:] if line.strip().split("  ", 1)[0])
    fields = {name.strip(): value.strip() for name, value in fields.items()}
    assert fields["event"] == "ComplaintReceived TS-20260105-000001 v1"
    assert fields["origin"] == "tousu.complaint.events, partition 2, offset 40, key TS-20260105-000001"
    assert fields["value"] == "in the event store"
    assert fields["errors"] == "n: int_parsing (Input should be a valid integer)"
    assert fields["first failed"] == "2026-01-05 09:00:00 CST"
    assert fields["retries"] == "2, last asked 2026-01-05 09:00:00 CST by admin:ops"
    assert fields["discarded"] == "2026-01-06 10:30:00 CST by cli:ops"
    assert fields["discard reason"] == "OPS-1"


def test_status_choices_default_to_the_letters_that_need_someone() -> None:
    assert statuses_of(None) == [LetterStatus.OPEN, LetterStatus.RETRYING]
    assert statuses_of(["resolved", "open", "open"]) == [LetterStatus.OPEN, LetterStatus.RESOLVED]
    assert statuses_of(["all"]) == list(LetterStatus)


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    for argv in (
        ["dead-letters", "show", "x"],
        ["dead-letters", "retry", "0"],
        ["dead-letters", "discard", "1"],
    ):
        with pytest.raises(SystemExit) as exit_:
            parser.parse_args(argv)
        assert exit_.value.code == 2
    assert "not a letter id: 'x'" in capsys.readouterr().err
    args = parser.parse_args(["dead-letters", "discard", "1", "--reason", " "])
    assert cmd_discard(args) == USAGE
    assert capsys.readouterr().err == "tousu dead-letters: --reason: a reason is required\n"
    args = parser.parse_args(["dead-letters", "list", "--limit", "0"])
    assert cmd_list(args) == USAGE
    args = parser.parse_args(["dead-letters", "list", "--status", "open", "--status", "all", "--json"])
    assert (args.status, args.json, args.limit) == (["open", "all"], True, 50)


def test_metrics_show_each_consumers_filled_passed_over_and_caught_up() -> None:
    consumer = SimpleNamespace(
        name="routing", processed=7, duplicates=1, dead_lettered=2, filled=3, passed_over=4
    )
    runtime = SimpleNamespace(
        consumers=[consumer], catch_ups=[SimpleNamespace(consumer=consumer, caught_up=5)], relay=None
    )
    families = {family.name: family for family in ServiceMetrics(runtime).process_families()}  # type: ignore[arg-type]
    outcomes = {s.labels["outcome"]: s.value for s in families["tousu_consumer_messages"].samples}
    assert outcomes == {"processed": 7, "duplicate": 1, "dead_lettered": 2, "filled": 3, "passed_over": 4}
    [caught_up] = families["tousu_consumer_caught_up"].samples
    assert (caught_up.name, caught_up.labels, caught_up.value) == (
        "tousu_consumer_caught_up_total",
        {"consumer": "routing"},
        5,
    )
