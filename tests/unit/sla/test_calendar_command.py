"""`tousu calendar due` and `tousu calendar show`, through the CLI's main function: the deadline
and warning of a limit on the configured calendar in local time, a year's special days, and a
one-line error (never a traceback) for what cannot be read or answered.

The expected instants were counted by hand (see test_hour_limits_are_working_hours_across_days)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tooling.cli import main

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def packaged_calendar(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TOUSU_SLA_CALENDAR_FILE", "TOUSU_SLA_POLICY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TOUSU_TIMEZONE", "Asia/Shanghai")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], list[str]]:
    code = main(["calendar", *argv])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


def field(lines: list[str], label: str) -> str:
    """The text after a row's label, e.g. ``deadline 截止``."""
    [line] = [line for line in lines if line.startswith(label)]
    return line[len(label) :].strip()


def test_24_working_hours_over_national_day(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "due", "2026-09-30T17:00", "PT24H")
    assert (code, err) == (0, [])
    # Wed 1 h, Thu 8th 9 h, Fri 9 h, Sat 10th (调休) 5 h.
    assert field(out, "deadline 截止").startswith("2026-10-10 14:00 周六 Sat")
    assert "2026-10-10T06:00:00Z" in field(out, "deadline 截止")
    # 80 % = 19 h 12 min: Wed 1, Thu 9, Fri 9, Sat 0 h 12 min.
    assert field(out, "warning 预警").startswith("2026-10-10 09:12 周六 Sat (80% of the working time")
    assert field(out, "start 开始") == "2026-09-30 17:00 周三 Wed"
    assert field(out, "zone 时区").startswith("Asia/Shanghai")
    assert "24 h of working time" in field(out, "limit 时限")
    assert "24 小时工作时间" in field(out, "limit 时限")
    assert not [line for line in out if line.startswith("counts from")]


def test_one_working_day_is_not_24_working_hours(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "due", "2026-09-30T17:00", "P1D")
    assert code == 0
    assert field(out, "deadline 截止").startswith("2026-10-08 17:00 周四 Thu")
    assert "1 working day on the business calendar" in field(out, "limit 时限")


def test_72_working_hours_over_the_spring_festival(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "due", "2026-02-13 15:00", "PT72H")
    assert code == 0
    # Fri 3, Sat 14th 9, Tue 24th – Fri 27th 36 (48), Sat 28th 9, Mon 9, Tue 3rd 6.
    assert field(out, "deadline 截止").startswith("2026-03-03 15:00 周二 Tue")


def test_24x7_counts_every_hour(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "due", "2026-09-30T17:00", "PT24H", "--counting", "24x7")
    assert code == 0
    assert field(out, "deadline 截止").startswith("2026-10-01 17:00 周四 Thu")
    assert field(out, "warning 预警").startswith("2026-10-01 12:12 周四 Thu (80% of the time")
    assert "24x7" in field(out, "limit 时限")


def test_a_start_with_an_offset_is_shown_in_local_time(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "due", "2026-09-30T09:00:00Z", "PT24H")
    assert code == 0
    assert field(out, "start 开始") == "2026-09-30 17:00 周三 Wed"
    assert field(out, "deadline 截止").startswith("2026-10-10 14:00 周六 Sat")


def test_a_start_outside_working_time_says_when_counting_begins(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "due", "2026-10-03T10:00", "PT8H")
    assert code == 0
    assert field(out, "counts from 起算").startswith("2026-10-08 09:00 周四 Thu")
    assert field(out, "deadline 截止").startswith("2026-10-08 17:00 周四 Thu")


def test_a_deadline_in_an_unknown_year_carries_a_note(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "due", "2026-12-30T10:00", "P5D")
    assert code == 0
    assert "2027" in field(out, "note 注意") and "plain weekdays" in field(out, "note 注意")


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["due", "yesterday", "PT24H"], "START 'yesterday' is not an ISO-8601 date and time"),
        (["due", "2026-13-01T10:00", "PT24H"], "START '2026-13-01T10:00'"),
        (["due", "0001-01-01T00:00", "PT1H"], "START '0001-01-01T00:00' cannot be given in UTC"),
        (["due", "2026-09-30T17:00", "24h"], "DURATION '24h' is not a positive ISO-8601 duration"),
        (["due", "2026-09-30T17:00", "PT0H"], "DURATION 'PT0H'"),
        (["due", "2026-09-30T17:00", "P1M"], "DURATION 'P1M'"),
        (["show", "twenty"], "YEAR 'twenty' is not a year"),
        (["show", "0"], "YEAR '0'"),
    ],
)
def test_what_cannot_be_read_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == []
    assert len(err) == 1 and says in err[0]
    assert err[0].startswith(f"tousu calendar {argv[0]}: ")
    assert "/" in err[0] and "Traceback" not in err[0]  # English / Chinese


def test_a_year_whose_holidays_are_unknown_is_one_line_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", "2031")
    assert code == 1 and out == []
    assert len(err) == 1
    assert "does not know the public holidays of 2031" in err[0] and "2031 年的法定节假日" in err[0]


def test_a_count_past_the_last_date_is_one_line_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "due", "9999-12-31T17:00", "P5D")
    assert code == 1 and out == []
    assert len(err) == 1 and "the calendar cannot count P5D" in err[0]


def test_a_bad_calendar_file_is_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TOUSU_SLA_CALENDAR_FILE", str(tmp_path / "nowhere.yaml"))
    code, out, err = run(capsys, "due", "2026-09-30T17:00", "PT24H")
    assert code == 1 and out == []
    assert len(err) == 1 and "TOUSU_SLA_CALENDAR_FILE" in err[0]


SHOW_2026 = [
    "2026-01-01 周四 Thu  休 off      元旦 / New Year's Day",
    "2026-01-02 周五 Fri  休 off      元旦 / New Year's Day",
    "2026-01-04 周日 Sun  班 working  元旦调休上班 / New Year's Day: adjusted working day",
    "2026-02-14 周六 Sat  班 working  春节调休上班 / Spring Festival: adjusted working day",
    "2026-02-16 周一 Mon  休 off      春节 / Spring Festival",
    "2026-02-17 周二 Tue  休 off      春节 / Spring Festival",
    "2026-02-18 周三 Wed  休 off      春节 / Spring Festival",
    "2026-02-19 周四 Thu  休 off      春节 / Spring Festival",
    "2026-02-20 周五 Fri  休 off      春节 / Spring Festival",
    "2026-02-23 周一 Mon  休 off      春节 / Spring Festival",
    "2026-02-28 周六 Sat  班 working  春节调休上班 / Spring Festival: adjusted working day",
    "2026-04-06 周一 Mon  休 off      清明 / Tomb-sweeping Day",
    "2026-05-01 周五 Fri  休 off      劳动节 / Labour Day",
    "2026-05-04 周一 Mon  休 off      劳动节 / Labour Day",
    "2026-05-05 周二 Tue  休 off      劳动节 / Labour Day",
    "2026-05-09 周六 Sat  班 working  劳动节调休上班 / Labour Day: adjusted working day",
    "2026-06-19 周五 Fri  休 off      端午 / Dragon Boat Festival",
    "2026-09-20 周日 Sun  班 working  国庆节调休上班 / National Day: adjusted working day",
    "2026-09-25 周五 Fri  休 off      中秋 / Mid-autumn Festival",
    "2026-10-01 周四 Thu  休 off      国庆节 / National Day",
    "2026-10-02 周五 Fri  休 off      国庆节 / National Day",
    "2026-10-05 周一 Mon  休 off      国庆节 / National Day",
    "2026-10-06 周二 Tue  休 off      国庆节 / National Day",
    "2026-10-07 周三 Wed  休 off      国庆节 / National Day",
    "2026-10-10 周六 Sat  班 working  国庆节调休上班 / National Day: adjusted working day",
]


def test_show_lists_the_weekday_holidays_and_working_weekends_of_2026(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "show", "2026")
    assert (code, err) == (0, [])
    assert out[0].startswith("2026: days that differ from a plain week (Sat Sun off")
    assert [line for line in out if line.startswith("2026-")] == SHOW_2026
    assert out[-1].startswith("25 days: 19 weekdays off, 6 weekend days working")


def test_show_names_the_organisations_own_days(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text(
        "holidays: [{from: 2026-06-01, to: 2026-06-02, name: 年会 / annual meeting}, {from: 2026-06-03}]\n"
        "workdays: [{from: 2026-06-06, name: 盘点 / stocktaking Saturday}]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("TOUSU_SLA_CALENDAR_FILE", str(path))
    code, out, _ = run(capsys, "show", "2026")
    assert code == 0
    june = [line for line in out if line.startswith("2026-06")]
    assert june == [
        "2026-06-01 周一 Mon  休 off      年会 / annual meeting",
        "2026-06-02 周二 Tue  休 off      年会 / annual meeting",
        "2026-06-03 周三 Wed  休 off      单位休息日 / organisation holiday/closure",
        "2026-06-06 周六 Sat  班 working  盘点 / stocktaking Saturday",
        "2026-06-19 周五 Fri  休 off      端午 / Dragon Boat Festival",
    ]
    assert str(path) in out[1]
    # the organisation's closures count: 24 working hours from Friday 29 May 10:00 are
    # Fri 8, Mon 1st – Wed 3rd closed, Thu 4th 9, Fri 5th 7
    code, out, _ = run(capsys, "due", "2026-05-29T10:00", "PT24H")
    assert field(out, "deadline 截止").startswith("2026-06-05 16:00 周五 Fri")
