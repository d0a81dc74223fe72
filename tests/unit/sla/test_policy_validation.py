"""The SLA policy file is validated at start-up; a bad one is refused with the bad key named."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from services.sla.config import SlaConfig
from services.sla.policy import Counting, PolicyError, load_policy, parse_duration, parse_policy
from shared.complaints import Grade, SlaStage
from shared.durations import IsoDuration

pytestmark = pytest.mark.unit

GOOD = """
warn_fraction: 0.75
grades:
  general: {first_response: PT12H, resolution: P3D}
  complex: {first_response: PT12H, resolution: PT72H, warn_fraction: 0.5}
  urgent: {first_response: PT4H, resolution: PT24H}
escalation_chain: [supervisor, operations_manager, general_manager]
"""


def test_the_packaged_policy_loads_with_the_documented_defaults() -> None:
    policy = load_policy()
    working, always = Counting.WORKING, Counting.ALWAYS
    assert policy.warn_fraction == 0.8
    expected = {
        (Grade.GENERAL, SlaStage.FIRST_RESPONSE): (IsoDuration.hours(12), always),
        (Grade.GENERAL, SlaStage.RESOLUTION): (IsoDuration(days=3), working),
        (Grade.COMPLEX, SlaStage.FIRST_RESPONSE): (IsoDuration.hours(12), always),
        (Grade.COMPLEX, SlaStage.RESOLUTION): (IsoDuration.hours(72), always),
        (Grade.URGENT, SlaStage.FIRST_RESPONSE): (IsoDuration.hours(4), always),
        (Grade.URGENT, SlaStage.RESOLUTION): (IsoDuration(days=5), working),
    }
    for (grade, stage), (limit, counting) in expected.items():
        target = policy.target(grade, stage)
        assert (target.limit, target.counting) == (limit, counting), (grade, stage)
    assert policy.escalation_chain == ["supervisor", "operations_manager", "general_manager"]


def test_a_policy_file_overrides_the_default(tmp_path: Path) -> None:
    path = tmp_path / "sla.yaml"
    path.write_text(GOOD, encoding="utf-8")
    policy = load_policy(path)
    assert policy.limit(Grade.GENERAL, SlaStage.RESOLUTION) == IsoDuration(days=3)
    assert policy.warn_fraction_for(Grade.GENERAL) == 0.75
    assert policy.warn_fraction_for(Grade.COMPLEX) == 0.5


def test_the_policy_file_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TOUSU_SLA_POLICY_FILE", str(tmp_path / "mine.yaml"))
    monkeypatch.setenv("TOUSU_SLA_TICK_SECONDS", "0.5")
    config = SlaConfig()
    assert config.policy_file == tmp_path / "mine.yaml"
    assert config.tick_seconds == 0.5


def test_escalation_follows_the_chain_and_stays_at_its_top() -> None:
    policy = parse_policy(GOOD)
    assert [policy.escalation_role(level) for level in (1, 2, 3, 4, 9)] == [
        "supervisor",
        "operations_manager",
        "general_manager",
        "general_manager",
        "general_manager",
    ]
    with pytest.raises(ValueError):
        policy.escalation_role(0)


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("PT12H", IsoDuration.hours(12)),
        ("P3D", IsoDuration(days=3)),
        ("P1DT12H", IsoDuration(1, timedelta(hours=12))),
        ("PT90M", IsoDuration(0, timedelta(minutes=90))),
        ("PT30S", IsoDuration(0, timedelta(seconds=30))),
        ("P1W", IsoDuration(days=7)),
        ("pt4h", IsoDuration.hours(4)),
        ("PT24H", IsoDuration.hours(24)),  # 24 hours, not one day
        ("PT72H", IsoDuration.hours(72)),
    ],
)
def test_iso_8601_durations(text: str, duration: IsoDuration) -> None:
    assert parse_duration(text) == duration


@pytest.mark.parametrize("text", ["12h", "P", "PT", "P1M", "P1Y", "PT-4H", "4", "PT0H", "P1DT", "12:00:00"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (("  urgent: {first_response: PT4H, resolution: PT24H}\n", ""), "grades.urgent: missing"),
        (("resolution: PT24H}", "resolution: 24 hours}"), "grades.urgent.resolution"),
        (("first_response: PT4H,", "first_respons: PT4H,"), "grades.urgent.first_respons: unknown key"),
        (("warn_fraction: 0.75", "warn_fraction: 1.5"), "warn_fraction"),
        (("warn_fraction: 0.5}", "warn_fraction: 0}"), "grades.complex.warn_fraction"),
        (("[supervisor, operations_manager, general_manager]", "[]"), "escalation_chain"),
        (("resolution: P3D}", "resolution: PT0S}"), "grades.general.resolution"),
        (("warn_fraction: 0.75", "warn_fraction: 0.75\ntimezone: UTC"), "timezone: unknown key"),
    ],
)
def test_a_bad_policy_is_refused_naming_the_key(change: tuple[str, str], named: str) -> None:
    old, new = change
    assert old in GOOD
    with pytest.raises(PolicyError) as refused:
        parse_policy(GOOD.replace(old, new), "SLA policy file sla.yaml")
    assert named in str(refused.value)
    assert "SLA policy file sla.yaml is invalid" in str(refused.value)


def test_a_missing_file_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="TOUSU_SLA_POLICY_FILE"):
        load_policy(tmp_path / "nowhere.yaml")


@pytest.mark.parametrize("text", ["grades: [", "- just\n- a list\n", ""])
def test_a_file_that_is_not_a_policy_mapping_is_refused(text: str) -> None:
    with pytest.raises(PolicyError):
        parse_policy(text)
