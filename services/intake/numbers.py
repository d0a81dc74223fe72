"""Complaint numbers: TS-<local date>-<sequence>, unique across every intake process."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

NEXT = text("SELECT nextval('intake_complaint_no_seq')")


def format_number(sequence: int, received_at: datetime, zone: ZoneInfo) -> str:
    return f"TS-{received_at.astimezone(zone):%Y%m%d}-{sequence:06d}"


async def next_number(conn: AsyncConnection, received_at: datetime, zone: ZoneInfo) -> str:
    sequence: int = (await conn.execute(NEXT)).scalar_one()
    return format_number(sequence, received_at, zone)
