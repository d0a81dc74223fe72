"""What an event's payload field may show outside the event store, marked on the field itself.

A read model's summary of an event (a timeline line, a list) keeps only what is safe to show
anybody who reads it: codes, numbers, instants, names of system things. Text people typed may
name or describe the complainant, and personal data is sealed for a reason, so such a field is
marked where it is declared and every summary is derived from the marks:

    note: FreeText | None = Field(None, description="...")
    department: Code = Field(description="...")
    complaint_no: Annotated[str, WITHHELD] = Field(description="...")

A field that can hold text (a ``str``, or a model, which has text inside) and carries no mark is
withheld: a new text field is shown only once somebody has marked it :data:`SHOWN`. Fields of
other types (enums, numbers, instants, flags) are shown unless marked otherwise.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo


class Disclosure(Enum):
    SHOWN = "shown"
    """A code, number, instant or name of a system thing: safe in any summary."""
    FREE_TEXT = "free_text"
    """Typed by people (a note, a reason, a comment): may name or describe the complainant."""
    PERSONAL = "personal"
    """Identifies the complainant (sealed data, a pseudonym, order numbers)."""
    WITHHELD = "withheld"
    """Neither personal nor free text, and still not summarised: ids the row already has, system
    messages, nested records."""


SHOWN = Disclosure.SHOWN
FREE_TEXT = Disclosure.FREE_TEXT
PERSONAL = Disclosure.PERSONAL
WITHHELD = Disclosure.WITHHELD

Code = Annotated[str, SHOWN]
"""A code or a system thing's name, shown in summaries (a department, a rule, a channel id)."""
FreeText = Annotated[str, FREE_TEXT]
"""Text typed by people, never shown in summaries."""


def _marks(annotation: Any) -> set[Disclosure]:
    found: set[Disclosure] = set()
    if get_origin(annotation) is Annotated:
        found |= {mark for mark in annotation.__metadata__ if isinstance(mark, Disclosure)}
    for arg in get_args(annotation):
        found |= _marks(arg)
    return found


def _holds_text(annotation: Any) -> bool:
    if annotation is str:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    origin = get_origin(annotation)
    if origin is Annotated:
        return _holds_text(get_args(annotation)[0])
    if origin is not None:
        return any(_holds_text(arg) for arg in get_args(annotation))
    return False


def disclosure(field: FieldInfo) -> Disclosure | None:
    """The field's mark, or None when it has none. Two different marks on one field are an error."""
    marks = {mark for mark in field.metadata if isinstance(mark, Disclosure)} | _marks(field.annotation)
    if len(marks) > 1:
        raise TypeError(f"a field has more than one disclosure mark: {sorted(m.value for m in marks)}")
    return next(iter(marks), None)


def holds_text(field: FieldInfo) -> bool:
    """Whether the field can hold text (``str`` anywhere in its type, or a model): such a field
    needs a mark."""
    return _holds_text(field.annotation)


def shown_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields of ``model`` a summary may show (see the module docstring)."""
    shown = set()
    for name, field in model.model_fields.items():
        mark = disclosure(field)
        if mark is SHOWN or (mark is None and not holds_text(field)):
            shown.add(name)
    return frozenset(shown)
