"""A bad rule file stops the routing service with every problem named by line, rule and value."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.routing.main import create_app
from services.routing.rules import RuleTableError, load_rules, parse_rules
from shared.settings import Settings
from tests.support import auth

pytestmark = pytest.mark.unit


def problems(text: str) -> list[str]:
    with pytest.raises(RuleTableError) as raised:
        parse_rules(text, "rules.yaml")
    return [problem.render("rules.yaml") for problem in raised.value.problems]


def test_an_unknown_category_names_its_line_rule_and_value() -> None:
    found = problems(
        """default_department: customer_service
rules:
  - name: pay
    match: {category: [pay_benefits, payy]}
    department: hr
"""
    )

    assert len(found) == 1
    assert found[0].startswith("rules.yaml:4: rule 1 (pay).match.category[1]: Input should be")
    assert "(got 'payy')" in found[0]


def test_an_unknown_department() -> None:
    found = problems(
        """default_department: customer_service
rules:
  - name: product
    match: {category: product_quality}
    department: quality
  - name: money
    match: {category: billing}
    department: accounting
"""
    )

    assert found == [
        "rules.yaml:8: rule 2 (money).department: unknown department 'accounting' "
        "(known: administration, after_sales, customer_service, finance, hr, logistics, quality)"
    ]


def test_every_problem_at_once_in_line_order() -> None:
    found = problems(
        """departments:
  quality:
  growth:
default_department: sales
rules:
  - name: a
    match: {grade: critical}
    department: quality
  - name: a
    match: {colour: red}
    department: quality
  - name: b
    match: {}
    department: quality
  - name: c
    match: {channel: hotline}
"""
    )

    assert found == [
        "rules.yaml:3: departments.growth: 'growth' is not a usual department code, so it needs labels: "
        "{zh-CN: ..., en: ...}",
        "rules.yaml:4: default_department: unknown department 'sales' (known: growth, quality)",
        "rules.yaml:7: rule 1 (a).match.grade[0]: Input should be 'general', 'complex', 'urgent', "
        "'level_1', 'level_2', 'level_3', 'batch' or 'severe' (got 'critical')",
        "rules.yaml:9: rule 2 (a).name: duplicate rule name 'a', already used by rule 1",
        "rules.yaml:10: rule 2 (a).match.colour: unknown key 'colour'",
        "rules.yaml:13: rule 3 (b).match: a rule needs at least one condition (category, complainant_kind, "
        "channel or grade); complaints no rule matches go to default_department",
        "rules.yaml:15: rule 4 (c).department: Field required",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rules: [\n", "rules.yaml:2: not valid YAML"),
        ("- just a list\n", "rules.yaml:1: expected a mapping"),
        ("rules: []\n", "rules.yaml:1: default_department: Field required"),
        ("default_department: Customer Service\n", "rules.yaml:1: default_department: String should match"),
    ],
)
def test_malformed_files(text: str, expected: str) -> None:
    found = problems(text)

    assert len(found) == 1 and found[0].startswith(expected), found


def test_the_error_message_lists_the_problems() -> None:
    with pytest.raises(RuleTableError) as raised:
        parse_rules("default_department: qa\n", "/etc/tousu/rules.yaml")

    assert str(raised.value) == (
        "invalid routing rules in /etc/tousu/rules.yaml (1 problem):\n"
        "  /etc/tousu/rules.yaml:1: default_department: unknown department 'qa' "
        "(known: administration, after_sales, customer_service, finance, hr, logistics, quality)"
    )


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RuleTableError, match="cannot read the file"):
        load_rules(tmp_path / "nope.yaml")


def test_the_service_refuses_to_start_on_a_bad_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "default_department: customer_service\nrules:\n  - {name: x, match: {category: x}, department: hr}\n"
    )
    monkeypatch.setenv("TOUSU_ROUTING_RULES_FILE", str(rules))

    with pytest.raises(RuleTableError, match=r"rules.yaml:3: rule 1 \(x\)\.match\.category\[0\]"):
        create_app(Settings())


def test_the_service_reads_the_file_the_environment_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("default_department: finance\n")
    monkeypatch.setenv("TOUSU_ROUTING_RULES_FILE", str(rules))

    app = create_app(Settings(), tokens=auth.test_tokens())

    assert app.title == "tousu routing"
