"""Complaint numbers: TS-<local date>-<sequence>, unique across every intake process."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

NEXT = text("SELECT nextval('intake_complaint_no_seq')")

SEQUENCE_SQL = "lpad(CAST({seq} AS text), greatest(6, length(CAST({seq} AS text))), '0')"
"""The sequence part in SQL, as :func:`format_number` writes it (``{:06d}``: zero-padded to six
digits, never cut), for statements that allocate the number and use it at once."""


def number_prefix(received_at: datetime, zone: ZoneInfo) -> str:
    """``TS-<local date>-``: the number without its sequence part."""
    return f"TS-{received_at.astimezone(zone):%Y%m%d}-"


def format_number(sequence: int, received_at: datetime, zone: ZoneInfo) -> str:
    return f"{number_prefix(received_at, zone)}{sequence:06d}"


async def next_number(conn: AsyncConnection, received_at: datetime, zone: ZoneInfo) -> str:
    sequence: int = (await conn.execute(NEXT)).scalar_one()
    return format_number(sequence, received_at, zone)
