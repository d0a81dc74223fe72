"""Development tokens written by `tousu up`."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import yaml

from services.analytics.scorecards.rules import load_scorecard
from tooling.stack.dev_tokens import DEPARTMENTS, HEADS, ensure_dev_tokens

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
    for role in ("supervisor", "operator", "auditor", "admin", "director", "pr_owner"):
        assert by_subject[role]["role"] == role
    chains = load_scorecard().chains
    for dept, head in HEADS.items():  # the heads the packaged scorecard file names, as agents
        assert (by_subject[head]["role"], by_subject[head]["department"]) == ("agent", dept)
        assert chains[dept].department_head == head
    for dept in DEPARTMENTS:
        assert (by_subject[f"head-{dept}"]["role"], by_subject[f"head-{dept}"]["department"]) == (
            "department_head",
            dept,
        )
    assert len(tokens) == 2 + 2 * len(DEPARTMENTS) + len(HEADS) + 6
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
