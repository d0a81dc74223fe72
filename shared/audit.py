"""`tousu audit`: auditors read history straight from the event store.

replay COMPLAINT       the complaint's full history: who, in which role, did what, when
replay --since/--until every event recorded in the period, one JSON object per line
verify [--stream S]    every hash chain; exit 1 naming the first broken event
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date, datetime, time
from typing import TextIO
from zoneinfo import ZoneInfo

from shared.db.engine import create_engine
from shared.events import RecordedEvent
from shared.eventstore import PostgresEventStore
from shared.settings import Settings, load_settings


def parse_instant(text: str, zone: ZoneInfo) -> datetime:
    """An ISO date or datetime; a value without a zone is in the organisation's time zone."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = datetime.combine(date.fromisoformat(text), time())
    return value if value.tzinfo else value.replace(tzinfo=zone)


def history_line(event: RecordedEvent, zone: ZoneInfo) -> str:
    local = event.occurred_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z")
    actor = event.actor
    who = f"{actor.role.value}:{actor.id}" + (f"@{actor.department}" if actor.department else "")
    summary = ", ".join(
        f"{k}={v}" for k, v in event.payload.items() if k in SUMMARY_FIELDS and v not in (None, "", [])
    )
    return f"v{event.stream_version:<3} {local}  {event.type:<32} {who:<36} {summary}"


SUMMARY_FIELDS = {
    "channel", "category", "grade", "department", "from_department", "to_department", "agent", "reason",
    "reason_code", "satisfied", "score", "stage", "level", "to_role", "due_at", "deadline", "rule",
    # the weekly quality inspection's stream (inspection-2026-W47): what was drawn and scored
    "week", "seed", "ratio", "population", "complaint_nos", "complaint_no", "total", "passed",
}  # fmt: skip


async def replay_complaint(settings: Settings, complaint: str, out: TextIO) -> int:
    engine = create_engine(
        settings.as_role("audit").database_url, pool_size=2, application_name="tousu-audit"
    )
    try:
        events = await PostgresEventStore(engine).read_stream(complaint)
    finally:
        await engine.dispose()
    if not events:
        print(f"no complaint {complaint!r} in the event store", file=sys.stderr)
        return 2
    zone = ZoneInfo(settings.timezone)
    print(f"complaint {complaint}: {len(events)} events (times in {settings.timezone})", file=out)
    for event in events:
        print(history_line(event, zone), file=out)
    return 0


async def replay_period(
    settings: Settings, since: datetime | None, until: datetime | None, out: TextIO
) -> int:
    engine = create_engine(
        settings.as_role("audit").database_url, pool_size=2, application_name="tousu-audit"
    )
    try:
        async for event in PostgresEventStore(engine).read_period(since, until):
            out.write(event.to_wire().decode() + "\n")
    finally:
        await engine.dispose()
    return 0


async def verify(settings: Settings, stream: str | None, out: TextIO) -> int:
    engine = create_engine(
        settings.as_role("audit").database_url, pool_size=2, application_name="tousu-audit"
    )
    try:
        report = await PostgresEventStore(engine).verify(stream)
    finally:
        await engine.dispose()
    if report.ok:
        print(f"ok: {report.events_checked} events in {report.streams_checked} streams verified", file=out)
        return 0
    print(f"BROKEN: {report.first_broken}", file=out)
    if len(report.broken) > 1:
        print(f"({len(report.broken)} streams have a broken link)", file=out)
    return 1


def cmd_replay(args: argparse.Namespace) -> int:
    settings = load_settings()
    zone = ZoneInfo(settings.timezone)
    if args.complaint:
        return asyncio.run(replay_complaint(settings, args.complaint, sys.stdout))
    since = parse_instant(args.since, zone) if args.since else None
    until = parse_instant(args.until, zone) if args.until else None
    if since is None and until is None:
        print("give a complaint number, or --since and/or --until", file=sys.stderr)
        return 2
    try:
        return asyncio.run(replay_period(settings, since, until, sys.stdout))
    except BrokenPipeError:  # piped into head or less, which stopped reading
        sys.stderr.close()
        return 0


def cmd_verify(args: argparse.Namespace) -> int:
    return asyncio.run(verify(load_settings(), args.stream, sys.stdout))
