"""The mapping file of `tousu import` (YAML): which column is which field, value maps, defaults.

See deploy/import/mapping.example.yaml and the README ("Bringing your history"). Validated before
any row is read; every problem is reported as ``file:line``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Self, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.complaints.events import HistoricalOutcome
from shared.complaints.values import Category, Channel, ComplainantKind, Grade
from shared.policyfile import (
    PolicyFileError,
    Problem,
    node_line,
    read_policy_text,
    validated,
)

FieldName = Literal[
    "received_at",
    "channel",
    "complainant_kind",
    "anonymous",
    "category",
    "grade",
    "subject",
    "content",
    "product_refs",
    "order_refs",
    "complainant.name",
    "complainant.phone",
    "complainant.email",
    "complainant.customer_id",
    "complainant.employee_id",
    "complainant.department",
    "complainant.address",
    "outcome",
    "department",
    "resolution",
    "resolved_at",
    "closed_at",
]
"""The fields a column can fill: the submission's (complainant.x for the complainant's) and the
history's (outcome, department, resolution and their dates)."""

MappedValues = Literal["channel", "category", "department", "outcome", "complainant_kind", "grade"]
"""The fields whose values a value map translates into tousu's codes."""

CODES: dict[str, frozenset[str]] = {
    "channel": frozenset(Channel),
    "category": frozenset(Category),
    "outcome": frozenset(HistoricalOutcome),
    "complainant_kind": frozenset(ComplainantKind),
    "grade": frozenset(Grade),
}
"""The codes a value map may translate into (department codes are the organisation's own)."""

DATE_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
]
"""Tried after ISO-8601 when a date column is read (a naive time is in the mapping's timezone)."""

Column = Annotated[str, Field(min_length=1)]


class ImportMapping(BaseModel):
    """The validated mapping file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(
        description="A name for the system the history comes from (e.g. legacy-crm). With the row id "
        "it keys each row's submission: importing the same source again adds nothing.",
        pattern=r"^[A-Za-z0-9_.-]{1,64}$",
    )
    format: Literal["csv", "jsonl"] | None = Field(
        None, description="csv or jsonl; default: from the file's extension (.csv, .jsonl, .ndjson)."
    )
    encoding: str = Field("utf-8-sig", description="The file's text encoding (CSV: utf-8-sig, gb18030 ...).")
    delimiter: str = Field(",", description="CSV field separator.", min_length=1, max_length=1)
    timezone: str | None = Field(
        None, description="Zone of dates written without one; default: the organisation's (TOUSU_TIMEZONE)."
    )
    row_id: Column = Field(description="The column holding each row's unique id in its source.")
    columns: dict[FieldName, Column] = Field(description="Field → the column (JSON key) that fills it.")
    values: dict[MappedValues, dict[str, str]] = Field(
        default_factory=dict,
        description="Per field, the file's values → tousu's codes (a value that already is a code passes).",
    )
    defaults: dict[FieldName, str] = Field(
        default_factory=dict,
        description="The value of a field whose column is missing or empty in a row, e.g. "
        "complainant.name for records without contact details.",
    )
    list_separator: str = Field(
        ";", description="Separates several product_refs / order_refs in one cell.", min_length=1
    )
    date_formats: list[str] = Field(
        default_factory=lambda: list(DATE_FORMATS),
        description="strptime formats tried after ISO-8601, in order.",
        min_length=1,
    )

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str) -> str:
        import codecs

        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding {value!r}") from None
        return value

    @model_validator(mode="after")
    def _complete(self) -> Self:
        for name in ("received_at", "content"):
            if name not in self.columns:
                raise ValueError(f"columns must name the column of {name}")
        for name in ("channel", "category"):
            if name not in self.columns and name not in self.defaults:
                raise ValueError(f"{name} needs a column (columns.{name}) or a default (defaults.{name})")
        return self

    # lookups by plain field name (a row asks for the fields it reads, whatever the file maps)
    def column(self, field: str) -> str | None:
        return cast(dict[str, str], self.columns).get(field)

    def default(self, field: str) -> str | None:
        return cast(dict[str, str], self.defaults).get(field)

    def table(self, field: str) -> dict[str, str]:
        return cast(dict[str, dict[str, str]], self.values).get(field, {})


class MappingFileError(PolicyFileError):
    what = "import mapping"


def load_mapping(path: Path) -> ImportMapping:
    """Read and validate a mapping file; MappingFileError lists every problem with its line."""
    text = read_policy_text(path, MappingFileError)
    return parse_mapping(text, str(path))


def parse_mapping(text: str, source: str = "<mapping>") -> ImportMapping:
    document = validated(ImportMapping, text, source, MappingFileError, expected="source, row_id and columns")
    mapping, root = document.value, document.root
    problems = [
        Problem(
            node_line(root, ("values", field, given)),
            f"values.{field}.{given}",
            f"{code!r} is not a {field} code",
        )
        for field, table in mapping.values.items()
        if field in CODES
        for given, code in table.items()
        if code not in CODES[field]
    ]
    problems += [
        Problem(node_line(root, ("defaults", field)), f"defaults.{field}", f"{value!r} is not a {field} code")
        for field, value in mapping.defaults.items()
        if field in CODES and value not in CODES[field] and value not in mapping.table(field)
    ]
    if problems:
        raise MappingFileError(source, problems)
    return mapping
