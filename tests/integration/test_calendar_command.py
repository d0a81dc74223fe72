"""`tousu calendar` as an operator runs it: a process of its own, no database, no service."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def tousu(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOUSU_SLA_")}
    env["TOUSU_TIMEZONE"] = "Asia/Shanghai"
    return subprocess.run(
        [sys.executable, "-m", "tooling.cli", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_limit_over_the_national_day_holiday() -> None:
    # 24 working hours from Wednesday 30 September 17:00: Wed 1, Thu 8th 9, Fri 9, Sat 10th 5.
    done = tousu("calendar", "due", "2026-09-30T17:00", "PT24H")
    assert done.returncode == 0, done.stderr
    [deadline] = [line for line in done.stdout.splitlines() if line.startswith("deadline 截止")]
    assert "2026-10-10 14:00 周六 Sat" in deadline
    [warning] = [line for line in done.stdout.splitlines() if line.startswith("warning 预警")]
    assert "2026-10-10 09:12 周六 Sat" in warning


def test_show_and_a_bad_argument() -> None:
    shown = tousu("calendar", "show", "2026")
    assert shown.returncode == 0, shown.stderr
    national_day = "2026-10-10 周六 Sat  班 working  国庆节调休上班 / National Day: adjusted working day"
    assert national_day in shown.stdout
    bad = tousu("calendar", "due", "soon", "PT24H")
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("tousu calendar due: START 'soon'")
