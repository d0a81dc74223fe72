"""Development tokens written by `tousu up`."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import yaml

from services.analytics.scorecards.rules import load_scorecard
from tooling.stack.dev_tokens import DEPARTMENTS, ensure_dev_tokens, head_subject

pytestmark = pytest.mark.integration


def test_creates_one_token_per_role_and_department_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "tokens.yaml"
    assert ensure_dev_tokens(path) is True
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    tokens = yaml.safe_load(path.read_text())["tokens"]
    by_subject = {t["subject"]: t for t in tokens}
    assert by_subject["web-form"]["role"] == "channel"
    assert by_subject["hotline"]["role"] == "channel"
    for dept in DEPARTMENTS:
        assert by_subject[f"agent-{dept}"] == {
            "token": by_subject[f"agent-{dept}"]["token"],
            "subject": f"agent-{dept}",
            "role": "agent",
            "department": dept,
        }
    for role in ("supervisor", "operator", "auditor", "admin", "director", "pr_owner", "quality_engineer"):
        assert by_subject[role]["role"] == role
    for dept in DEPARTMENTS:  # one head per department, a department_head token, and no other
        heads = [t for t in tokens if t["role"] == "department_head" and t["department"] == dept]
        assert [t["subject"] for t in heads] == [head_subject(dept)]
    for dept, chain in load_scorecard().chains.items():  # the heads the packaged scorecards charge
        assert chain.department_head == head_subject(dept)
    assert not {t["subject"] for t in tokens if t["role"] == "agent"} & {head_subject(d) for d in DEPARTMENTS}
    assert len(tokens) == 2 + 2 * len(DEPARTMENTS) + 7
    values = [t["token"] for t in tokens]
    assert len(set(values)) == len(values)
    assert all(isinstance(v, str) and len(v) >= 32 for v in values)
    assert not list(path.parent.glob(".*.tmp"))


def test_existing_file_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "tokens.yaml"
    assert ensure_dev_tokens(path) is True
    before = path.read_text()
    assert ensure_dev_tokens(path) is False
    assert path.read_text() == before
