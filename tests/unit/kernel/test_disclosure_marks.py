"""A summary shows a payload field only when its mark says so, or when it can hold no text."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import pytest
from pydantic import BaseModel, Field

from shared.events.disclosure import FREE_TEXT, PERSONAL, SHOWN, WITHHELD, Code, FreeText, shown_fields
from shared.events.envelope import Event

pytestmark = pytest.mark.unit


class Nested(BaseModel):
    text: str


class Sample(Event):
    code: Code
    optional_code: Code | None = None
    codes: list[Code] = Field(default_factory=list)
    note: FreeText
    optional_note: FreeText | None = None
    who: Annotated[str, PERSONAL]
    plumbing: Annotated[str | None, WITHHELD] = None
    unmarked_text: str
    unmarked_texts: list[str] = Field(default_factory=list)
    unmarked_model: Nested | None = None
    count: int
    when: datetime
    hidden_count: Annotated[int, WITHHELD] = 0
    shown_model: Annotated[Nested | None, SHOWN] = None


def test_marked_and_textless_fields_are_shown_the_rest_withheld() -> None:
    assert shown_fields(Sample) == {"code", "optional_code", "codes", "count", "when", "shown_model"}


def test_an_event_type_is_its_class_name_unless_the_class_says() -> None:
    class Named(Event):
        event_type = "Other"

    assert Sample.event_type == "Sample"
    assert Named.event_type == "Other"


def test_two_marks_on_one_field_are_an_error() -> None:
    class Confused(Event):
        text: Annotated[Code, FREE_TEXT]

    with pytest.raises(TypeError, match="more than one"):
        shown_fields(Confused)
