"""One model of a text in both languages: a Label is shown as {"zh-CN", "en"}; a Name, written in a
policy file, needs both languages and nothing else."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.complaints.values import Label, Name, bilingual

pytestmark = pytest.mark.unit


def test_a_label_reads_and_shows_zh_cn() -> None:
    label = Label.model_validate({"zh-CN": "质量部", "en": "Quality"})
    assert label == Label(zh_cn="质量部", en="Quality")
    assert label.model_dump() == {"zh-CN": "质量部", "en": "Quality"}
    assert label.texts() == bilingual("质量部", "Quality") == {"zh-CN": "质量部", "en": "Quality"}


@pytest.mark.parametrize(
    "written",
    [
        {"zh-CN": "", "en": "Quality"},
        {"zh-CN": "质量部", "en": ""},
        {"zh-CN": "质量部", "en": "Quality", "fr": "Qualité"},
    ],
)
def test_a_name_needs_both_languages_and_nothing_else(written: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        Name.model_validate(written)
