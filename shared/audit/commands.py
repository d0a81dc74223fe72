"""`tousu audit`: auditors read history straight from the event store.

replay COMPLAINT       the complaint's full history: who, in which role, did what, when
replay --since/--until every event recorded in the period, one JSON object per line
verify [--stream S]    every hash chain; exit 1 naming the first broken event
verify --checkpoint F --public-key K
                       the chains, and the whole store against signed checkpoints; exit 1 naming
                       each event that changed (docs/audit.md)
checkpoint             sign a checkpoint of the store now, write and publish it
public-key             print the signing key's public key, for auditors
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date, datetime, time
from pathlib import Path
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
    if args.checkpoint is None:
        if args.public_key:
            print("--public-key goes with --checkpoint FILE-OR-DIRECTORY", file=sys.stderr)
            return 2
        return asyncio.run(verify(load_settings(), args.stream, sys.stdout))
    from shared.audit.verify_store import verify_against_checkpoints

    if args.stream is not None:
        print("--stream checks one chain; a checkpoint covers the whole store: give one or the other",
              file=sys.stderr)  # fmt: skip
        return 2
    if not args.public_key:
        print("give --public-key FILE: your own copy of the signing key's public key", file=sys.stderr)
        return 2
    return asyncio.run(
        verify_against_checkpoints(
            load_settings(), Path(args.checkpoint), [Path(p) for p in args.public_key], sys.stdout
        )
    )


def cmd_checkpoint(args: argparse.Namespace) -> int:
    from shared.audit.make_command import make_checkpoints

    return asyncio.run(make_checkpoints(load_settings(), sys.stdout, wait=args.wait))


def cmd_public_key(args: argparse.Namespace) -> int:
    from shared.audit.keys import AuditKeyError, load_signing_key, public_pem
    from shared.audit.make_command import NO_KEY

    settings = load_settings()
    try:
        key = load_signing_key(settings)
    except AuditKeyError as error:
        print(error, file=sys.stderr)
        return 2
    if key is None:
        print(NO_KEY, file=sys.stderr)
        return 2
    pem = public_pem(key.public_key())
    if args.output:
        Path(args.output).write_bytes(pem)
        print(f"wrote the public key to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(pem.decode())
    return 0


def cmd_create_key(args: argparse.Namespace) -> int:
    from shared.audit.keys import default_key_file, ensure_key_file, public_path

    settings = load_settings()
    if settings.audit_signing_key is not None:
        print("TOUSU_AUDIT_SIGNING_KEY is set: that key signs; no file is created", file=sys.stderr)
        return 0
    path = settings.audit_signing_key_file or default_key_file(settings.data_dir)
    if ensure_key_file(path):
        print(f"created the checkpoint signing key {path}; give auditors {public_path(path)}")
    else:
        print(f"kept the existing checkpoint signing key {path}")
    return 0
