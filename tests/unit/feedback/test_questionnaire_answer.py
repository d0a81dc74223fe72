"""How a questionnaire answer maps to the revisit's feedback, and the page in both languages."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.feedback.questionnaire_page import TEXTS, render
from services.feedback.schemas import FeedbackRequest, QuestionnaireAnswer

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("solved", "score", "satisfied"),
    [(True, 5, True), (True, 3, True), (True, 2, False), (False, 5, False), (False, 1, False)],
)
def test_satisfied_means_solved_and_at_least_neutral(solved: bool, score: int, satisfied: bool) -> None:
    assert QuestionnaireAnswer(solved=solved, score=score).satisfied is satisfied


def test_an_upgraded_complaint_only_when_not_solved() -> None:
    assert QuestionnaireAnswer(solved=False, score=1, upgrade=True).upgrade
    with pytest.raises(ValidationError):
        QuestionnaireAnswer(solved=True, score=4, upgrade=True)


@pytest.mark.parametrize("score", [0, 6])
def test_the_score_is_one_to_five(score: int) -> None:
    with pytest.raises(ValidationError):
        QuestionnaireAnswer(solved=True, score=score)


def test_staff_do_not_record_questionnaire_answers() -> None:
    assert FeedbackRequest(satisfied=True, score=5, channel="sms").channel == "sms"
    with pytest.raises(ValidationError):
        FeedbackRequest(satisfied=True, score=5, channel="questionnaire")


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_page_speaks_the_chosen_language_and_labels_every_control(lang: str) -> None:
    page = render("form", lang, "t" * 43, "TS-20260105-0001")  # type: ignore[arg-type]

    assert f'<html lang="{lang}">' in page
    for key in ("solved", "score", "comment", "upgrade", "submit", "score_1", "score_5"):
        assert TEXTS[key][lang] in page  # type: ignore[index]
    assert page.count("<legend>") == 2 and 'for="comment"' in page
    assert "TS-20260105-0001" in page
    assert "<script" not in page


@pytest.mark.parametrize("screen", ["used", "expired", "unknown", "closed"])
def test_a_link_that_cannot_be_answered_says_why_in_both_languages(screen: str) -> None:
    for lang in ("zh-CN", "en"):
        page = render(screen, lang, "t" * 43)  # type: ignore[arg-type]
        assert 'role="alert"' in page and "<form" not in page
        assert TEXTS[screen]["zh-CN"] in page and TEXTS[screen]["en"] in page
