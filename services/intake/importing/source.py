"""The rows of a history file: CSV (with a header row) or JSON lines (one object per line).

Each record comes with its number in the file (1 = the first record; a CSV's header is not
counted, and a quoted value may span several lines), so refusals can name it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.intake.importing.mapping import ImportMapping

Cell = str | list[Any] | None
"""What a record holds for a column: text (CSV, and JSON scalars as text), a JSON list, or None."""


@dataclass(frozen=True)
class Record:
    number: int
    cells: dict[str, Cell]
    problem: str | None = None
    """Set when the record could not be read at all (a line that is not a JSON object)."""


class SourceError(ValueError):
    """The file cannot be read as the mapping says (no such file, wrong encoding, no header)."""


def file_format(path: Path, mapping: ImportMapping) -> str:
    if mapping.format is not None:
        return mapping.format
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    raise SourceError(f"{path}: cannot tell the format from the extension; set format: csv or jsonl")


def records(path: Path, mapping: ImportMapping) -> Iterator[Record]:
    """Every record of the file, in order."""
    kind = file_format(path, mapping)
    try:
        if kind == "csv":
            yield from _csv(path, mapping)
        else:
            yield from _jsonl(path, mapping)
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except UnicodeDecodeError as error:
        raise SourceError(f"{path}: not {mapping.encoding} text ({error.reason}); set encoding:") from None
    except csv.Error as error:
        raise SourceError(f"{path}: not valid CSV: {error}") from None


def _csv(path: Path, mapping: ImportMapping) -> Iterator[Record]:
    with path.open(encoding=mapping.encoding, newline="") as handle:
        reader = csv.DictReader(handle, delimiter=mapping.delimiter)
        if reader.fieldnames is None:
            raise SourceError(f"{path}: empty file, no header row")
        wanted = {mapping.row_id, *mapping.columns.values()}
        absent = sorted(wanted - set(reader.fieldnames))
        if absent:
            raise SourceError(f"{path}: the header has no column {', '.join(map(repr, absent))}")
        for number, row in enumerate(reader, start=1):
            yield Record(number, {key: value for key, value in row.items() if key is not None})


def _jsonl(path: Path, mapping: ImportMapping) -> Iterator[Record]:
    number = 0
    with path.open(encoding=mapping.encoding) as handle:
        for line in handle:
            if not line.strip():
                continue
            number += 1
            try:
                data = json.loads(line)
            except ValueError as error:
                yield Record(number, {}, f"not valid JSON: {error}")
                continue
            if not isinstance(data, dict):
                yield Record(number, {}, "not a JSON object")
                continue
            yield Record(number, {str(key): _cell(value) for key, value in data.items()})


def _cell(value: Any) -> Cell:
    if value is None or isinstance(value, list):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else str(value)


def count(path: Path, mapping: ImportMapping) -> int:
    """How many records the file holds (read once through, for the progress bar)."""
    return sum(1 for _ in records(path, mapping))
