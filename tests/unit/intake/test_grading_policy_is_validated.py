"""A bad grading policy stops intake at start-up, naming the file, line and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.intake.policy import GradingPolicyError, load_policy, parse_policy

pytestmark = pytest.mark.unit


def problems(text: str) -> str:
    with pytest.raises(GradingPolicyError) as caught:
        parse_policy(text, "grading.yaml")
    return str(caught.value)


def test_a_grade_of_another_scheme_names_its_line() -> None:
    text = (
        "scheme: levels\ndefault_grade: level_1\n"
        "rules:\n  - name: r\n    match: {keywords: [x]}\n    grade: urgent\n"
    )
    message = problems(text)
    assert "grading.yaml:6: rules[0].grade: grade 'urgent' is not in scheme levels" in message


def test_unknown_keys_categories_and_fields_are_listed_with_lines() -> None:
    text = (
        "scheme: general_complex_urgent\n"
        "default_grade: general\n"
        "rules:\n"
        "  - name: r\n"
        "    match: {category: cars}\n"
        "    grade: urgent\n"
        "    colour: red\n"
        "required_fields:\n"
        "  channels:\n"
        "    hotline: [complainant.shoe_size]\n"
    )
    message = problems(text)
    assert "(3 problems)" in message
    assert "grading.yaml:5: rules[0].match.category[0]" in message
    assert "grading.yaml:7: rules[0].colour: unknown key 'colour'" in message
    assert "grading.yaml:10: required_fields.channels.hotline[0]" in message


def test_an_unknown_scheme_and_invalid_yaml_are_reported() -> None:
    assert "grading.yaml:1: scheme" in problems("scheme: colours\ndefault_grade: general\n")
    assert "grading.yaml:2: not valid YAML" in problems("scheme: levels\n  bad: [\n")


def test_a_rule_without_conditions_and_a_missing_file(tmp_path: Path) -> None:
    text = "scheme: levels\ndefault_grade: level_1\nrules:\n  - name: r\n    match: {}\n    grade: level_2\n"
    assert "a rule needs at least one condition" in problems(text)
    with pytest.raises(GradingPolicyError, match="cannot read the file"):
        load_policy(tmp_path / "missing.yaml")


def test_a_recurrence_grade_outside_the_scheme_names_its_line() -> None:
    text = "scheme: manufacturing\ndefault_grade: general\nrecurrence:\n  count: 3\n  grade: urgent\n"
    assert "grading.yaml:5: recurrence.grade: grade 'urgent' is not in scheme manufacturing" in problems(text)
