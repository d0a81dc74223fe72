"""`tousu import` shows a bar redrawn in place on a terminal, and plain lines otherwise (every tenth
of the file), then the summary by reason."""

from __future__ import annotations

import io

import pytest

from services.intake.importing.progress import Progress
from services.intake.importing.rows import Refusal
from services.intake.importing.tally import Tally

pytestmark = pytest.mark.unit


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 0.5
        return self.now


def run(progress: Progress, rows: int) -> Tally:
    tally = Tally(total=rows)
    progress.start(rows)
    for _ in range(rows):
        tally.read += 1
        tally.imported += 1
        progress.update(tally)
    progress.finish(tally)
    return tally


def test_plain_lines_when_not_on_a_terminal() -> None:
    out = io.StringIO()
    run(Progress(out, tty=False, every_seconds=3600, clock=Ticks()), 100)
    lines = out.getvalue().splitlines()
    assert lines[0] == "import: 100 rows to read"
    assert lines[1] == "import: 10 of 100 rows (10%): imported 10, already there 0, refused 0"
    assert lines[-1] == "import: 100 of 100 rows (100%): imported 100, already there 0, refused 0"
    assert len(lines) == 1 + 10  # every tenth (the end is the tenth tenth: not printed twice)
    assert "\r" not in out.getvalue()


def test_a_bar_redrawn_in_place_on_a_terminal() -> None:
    out = io.StringIO()
    run(Progress(out, tty=True, clock=Ticks()), 40)
    text = out.getvalue()
    assert text.startswith("\r[") and text.endswith("\n")
    assert text.count("\n") == 1
    assert "[" + "#" * 30 + "] 40 of 40 rows (100%)" in text


def test_the_summary_counts_refused_rows_by_reason() -> None:
    tally = Tally(total=3, read=3, imported=1)
    tally.refuse(
        [
            Refusal(2, "R-2", "channel", "unknown_value", "m", "中"),
            Refusal(2, "R-2", "category", "unknown_value", "m", "中"),
        ]
    )
    tally.refuse([Refusal(3, "R-3", "closed_at", "missing", "m", "中")])
    assert tally.summary().splitlines() == [
        "rows read 已读取: 3 of 3",
        "imported 已导入: 1",
        "already there 已存在: 0",
        "refused 拒绝导入: 2",
        "  missing: 1",
        "  unknown_value: 1",
    ]
    assert tally.as_dict()["by_reason"] == {"missing": 1, "unknown_value": 1}
