"""The duplicate rule's subject comparison; who may submit, as policy. (The same complainant is the
same pseudonymous complainant_id: tests/unit/privacy.)"""

from __future__ import annotations

import pytest

from services.intake.duplicates import similarity, subject_key
from services.intake.policy import GradingPolicyError, load_policy, parse_policy
from services.intake.submitters import may_submit
from shared.complaints.values import Channel
from shared.events import Role

pytestmark = pytest.mark.unit


def test_subjects_are_compared_without_case_spaces_and_punctuation() -> None:
    assert subject_key("Parcel  LATE!!") == subject_key("parcel late") == "parcellate"
    assert subject_key("洗衣机 漏水！") == subject_key("洗衣机漏水")
    assert similarity(subject_key("洗衣机漏水"), subject_key("洗衣机漏水")) == 1.0
    assert similarity(subject_key("洗衣机漏水严重"), subject_key("洗衣机漏水")) >= 0.8
    assert similarity(subject_key("洗衣机漏水"), subject_key("快递员态度恶劣")) < 0.5


def test_the_packaged_policy_says_who_may_submit_on_every_channel() -> None:
    policy = load_policy()
    assert policy.submitters is not None and set(policy.submitters) == set(Channel)
    allowed = policy.submitters
    assert may_submit(allowed, Channel.EMPLOYEE_MAILBOX, Role.CHANNEL, "employee-platform")
    assert not may_submit(allowed, Channel.EMPLOYEE_MAILBOX, Role.CHANNEL, "web-form")
    assert not may_submit(allowed, Channel.EMPLOYEE_PLATFORM, Role.AGENT, "agent-hr")
    assert may_submit(allowed, Channel.HOTLINE, Role.AGENT, "agent-customer_service")
    assert may_submit(allowed, Channel.SUGGESTION_BOX, Role.AGENT, "agent-administration")
    assert not may_submit(allowed, Channel.LETTER, Role.CHANNEL, "hotline")
    assert may_submit(None, Channel.LETTER, Role.CHANNEL, "anyone")  # no submitters section: open


def test_a_bad_submitters_section_names_its_line() -> None:
    text = (
        "scheme: general_complex_urgent\n"
        "default_grade: general\n"
        "submitters:\n"
        "  hotline: {roles: [agent, janitor]}\n"
        "  pigeon: {roles: [agent]}\n"
    )
    with pytest.raises(GradingPolicyError) as caught:
        parse_policy(text, "grading.yaml")
    message = str(caught.value)
    assert "grading.yaml:4" in message and "janitor" in message
    assert "grading.yaml:5" in message and "pigeon" in message


def test_every_channel_needs_a_submitters_entry() -> None:
    text = (
        "scheme: general_complex_urgent\ndefault_grade: general\nsubmitters:\n  hotline: {roles: [agent]}\n"
    )
    with pytest.raises(GradingPolicyError) as caught:
        parse_policy(text, "grading.yaml")
    assert "grading.yaml:3: submitters: every channel needs an entry; missing: online" in str(caught.value)


def test_the_duplicate_rule_is_validated() -> None:
    text = "scheme: general_complex_urgent\ndefault_grade: general\nduplicates:\n  window_days: 0\n"
    with pytest.raises(GradingPolicyError) as caught:
        parse_policy(text, "grading.yaml")
    assert "grading.yaml:4" in str(caught.value)
    off = parse_policy("scheme: general_complex_urgent\ndefault_grade: general\nduplicates: null\n")
    assert off.duplicates is None
