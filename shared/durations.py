"""ISO-8601 durations that keep their days apart from their hours.

A time limit of ``P1D`` and one of ``PT24H`` are the same length on a wall clock but not on a
business calendar: one working day versus 24 working hours (almost three working days of
09:00–18:00). :class:`timedelta` folds 24 hours into a day, so a limit parsed into one forgets
which it was; :class:`IsoDuration` keeps the two parts as written.

Only weeks, days, hours, minutes and seconds: years and months have no fixed length. A week is
seven days (``P1W`` = ``P7D``). In JSON an IsoDuration is its ISO-8601 text, the same form
pydantic writes for a timedelta, so events stored before this type read as they were counted
(pydantic wrote ``timedelta(hours=36)`` as ``P1DT12H``: one day and twelve hours).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

_ISO = re.compile(
    r"P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:[.,]\d{1,6})?)S)?)?"
)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


class DurationError(ValueError):
    """Not an ISO-8601 duration of weeks, days, hours, minutes and seconds."""


@dataclass(frozen=True, slots=True)
class IsoDuration:
    """``days`` whole days and ``time`` hours/minutes/seconds, never folded into each other."""

    days: int = 0
    time: timedelta = timedelta(0)
    """The hours, minutes and seconds: ``PT72H`` keeps all 72 here (``timedelta`` shows them as
    ``3 days``, which is only how Python prints a length)."""

    def __post_init__(self) -> None:
        if self.days < 0 or self.time < timedelta(0):
            raise DurationError("a duration cannot be negative")

    @classmethod
    def parse(cls, text: str) -> IsoDuration:
        """``PT4H``, ``P3D``, ``P1DT12H``, ``PT90M``, ``P1W`` (lower case and spaces around allowed)."""
        written = text.strip().upper()
        match = _ISO.fullmatch(written)
        if match is None or written in ("P", "PT"):
            raise DurationError(
                f"{text!r} is not an ISO-8601 duration of weeks, days, hours, minutes or seconds "
                "(e.g. PT12H, P3D, P1DT12H)"
            )
        parts = match.groupdict()
        days = 7 * int(parts["weeks"] or 0) + int(parts["days"] or 0)
        try:
            seconds = Decimal((parts["seconds"] or "0").replace(",", "."))
        except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
            raise DurationError(f"{text!r}: bad seconds") from None
        time = timedelta(
            hours=int(parts["hours"] or 0),
            minutes=int(parts["minutes"] or 0),
            microseconds=int(seconds * 1_000_000),
        )
        return cls(days, time)

    @classmethod
    def of(cls, value: object) -> IsoDuration:
        """An IsoDuration, its ISO text, or a ``timedelta`` — whose whole days are taken as days,
        which is how every duration was counted before this type existed."""
        if isinstance(value, IsoDuration):
            return value
        if isinstance(value, str):
            return cls.parse(value)
        if isinstance(value, timedelta):
            return cls(value.days, value - timedelta(days=value.days))
        raise DurationError(f"expected an ISO-8601 duration such as PT12H or P3D, got {value!r}")

    @classmethod
    def hours(cls, hours: float) -> IsoDuration:
        return cls(0, timedelta(hours=hours))

    def total(self) -> timedelta:
        """The length on a wall clock: a day is 24 hours."""
        return self.days * DAY + self.time

    def isoformat(self) -> str:
        """``P3D``, ``PT72H``, ``P1DT12H``, ``PT1H30M``, ``PT0S`` — the hours never become days."""
        total_us = self.time // timedelta(microseconds=1)
        hours, rest_us = divmod(total_us, 3_600_000_000)
        minutes, rest_us = divmod(rest_us, 60_000_000)
        seconds, micros = divmod(rest_us, 1_000_000)
        clock = ""
        if hours:
            clock += f"{hours}H"
        if minutes:
            clock += f"{minutes}M"
        if seconds or micros:
            clock += f"{seconds}.{micros:06d}".rstrip("0").rstrip(".") + "S"
        text = "P" + (f"{self.days}D" if self.days else "") + (f"T{clock}" if clock else "")
        return text if text != "P" else "PT0S"

    def __str__(self) -> str:
        return self.isoformat()

    def __repr__(self) -> str:
        return f"IsoDuration({self.isoformat()!r})"

    def __bool__(self) -> bool:
        return bool(self.days or self.time)

    def __add__(self, other: IsoDuration) -> IsoDuration:
        if not isinstance(other, IsoDuration):
            return NotImplemented
        return IsoDuration(self.days + other.days, self.time + other.time)

    def __mul__(self, factor: int) -> IsoDuration:
        if not isinstance(factor, int):
            return NotImplemented
        return IsoDuration(self.days * factor, self.time * factor)

    __rmul__ = __mul__

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                IsoDuration.isoformat, when_used="json-unless-none"
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # what pydantic gives a timedelta, so the published schemas stay as they were
        return {"type": "string", "format": "duration"}


def _validate(value: object) -> IsoDuration:
    try:
        return IsoDuration.of(value)
    except DurationError as error:
        raise ValueError(str(error)) from None


def _positive(value: IsoDuration) -> IsoDuration:
    if not value:
        raise ValueError("a duration must be longer than zero")
    return value


PositiveDuration = Annotated[IsoDuration, AfterValidator(_positive)]
"""An IsoDuration longer than zero: a time limit or an extension."""
