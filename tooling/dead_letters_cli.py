"""`tousu dead-letters`: the operators' view of the letters every consumer keeps, straight from
the database (TOUSU_DATABASE_URL), like `tousu audit`.

list [--status S]… [--consumer C]… [--limit N] [--json]   newest failure first; default open + retrying
show ID [--json]                                         one letter: reason, errors, origin, history
retry ID [--wait SECONDS]                                its consumer handles it again (a running service)
discard ID --reason TEXT                                 give up on it; a sealed value becomes unreadable

Exit codes: 0 done; 1 no such letter, its status does not allow it, the database cannot be
read, or (retry --wait) it failed again; 2 usage; 3 (retry --wait) still retrying when the wait
ended. Times are shown in the organisation's time zone (TOUSU_TIMEZONE), ``--json`` in UTC.
Never a message's value: see :mod:`shared.messaging.dead_letter_admin`.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import shutil
import sys
import time
import unicodedata
from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.clock import Clock, SystemClock
from shared.db.engine import create_engine
from shared.messaging.dead_letter_admin import (
    ACTIVE,
    MAX_LIMIT,
    DeadLetterView,
    LetterNotFound,
    LetterRefused,
    LetterStatus,
    discard_letter,
    get_letter,
    list_letters,
    request_retry,
    valid_discard_reason,
)
from shared.messaging.failures import failure_reason, is_infrastructure_failure
from shared.settings import Settings, load_settings

OK, FAILED, USAGE, STILL_RETRYING = 0, 1, 2, 3
POLL_SECONDS = 0.5

# ---- formatting (pure) ----------------------------------------------------------------------


def display_width(text: str) -> int:
    """Terminal columns: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns, with an ellipsis when cut."""
    if display_width(text) <= width:
        return text
    kept, used = [], 0
    for ch in text:
        used += display_width(ch)
        if used > width - 1:
            break
        kept.append(ch)
    return "".join(kept) + "…"


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def local_time(value: datetime | None, zone: ZoneInfo, *, with_zone: bool = False) -> str:
    if value is None:
        return "-"
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S" + (" %Z" if with_zone else ""))


def one_line(text: str) -> str:
    return " ".join(text.split())


def what(letter: DeadLetterView) -> str:
    """The message in a few words: a stored event by type, stream and version; another by origin."""
    if letter.stream_id is not None:
        return f"{letter.event_type or '?'} {letter.stream_id} v{letter.stream_version}"
    if letter.origin_topic is None:
        return letter.message_id
    return f"{letter.origin_topic}[{letter.origin_partition}]@{letter.origin_offset}"


VALUE_WHERE = {
    "store": "in the event store",
    "sealed": "sealed (kept encrypted for a retry)",
    "erased": "erased (its key was deleted: unreadable)",
    "none": "none kept",
}


def letters_table(
    letters: Sequence[DeadLetterView], zone: ZoneInfo, zone_name: str, width: int | None = None
) -> list[str]:
    """A table, one letter a line; the reason is cut to ``width`` columns (None: never cut)."""
    headers = ["ID", "STATUS", "CONSUMER", "ATTEMPTS", f"LAST FAILED ({zone_name})", "MESSAGE", "REASON"]
    rows = [
        [
            str(letter.id),
            letter.status.value,
            letter.consumer,
            str(letter.attempts),
            local_time(letter.last_failed_at, zone),
            what(letter),
            one_line(letter.reason),
        ]
        for letter in letters
    ]
    widths = [max(display_width(row[i]) for row in [headers, *rows]) for i in range(len(headers) - 1)]
    lines = []
    for row in [headers, *rows]:
        cells = [
            (cell.rjust(widths[i]) if i in (0, 3) and row is not headers else pad(cell, widths[i]))
            for i, cell in enumerate(row[:-1])
        ]
        line = "  ".join([*cells, ""])
        reason = row[-1] if width is None else fit(row[-1], max(20, width - display_width(line)))
        lines.append((line + reason).rstrip())
    return lines


def letter_lines(letter: DeadLetterView, zone: ZoneInfo) -> list[str]:
    """Everything an operator may see of one letter, one field a line."""
    fields: list[tuple[str, str]] = [
        ("consumer", letter.consumer),
        ("message id", letter.message_id),
    ]
    if letter.stream_id is not None:
        fields.append(("event", what(letter)))
    origin = (
        f"{letter.origin_topic}, partition {letter.origin_partition}, offset {letter.origin_offset}"
        if letter.origin_partition is not None
        else str(letter.origin_topic or "-")
    )
    fields.append(("origin", origin + (f", key {letter.origin_key}" if letter.origin_key else "")))
    fields += [
        ("value", VALUE_WHERE[letter.value]),
        ("reason", one_line(letter.reason)),
    ]
    for i, error in enumerate(letter.errors):
        described = f"{error.get('field', '')}: {error.get('type', '')} ({error.get('message', '')})"
        fields.append(("errors" if i == 0 else "", one_line(described)))
    fields += [
        ("attempts", str(letter.attempts)),
        ("first failed", local_time(letter.first_failed_at, zone, with_zone=True)),
        ("last failed", local_time(letter.last_failed_at, zone, with_zone=True)),
    ]
    if letter.retries:
        asked = local_time(letter.retry_requested_at, zone, with_zone=True)
        fields.append(("retries", f"{letter.retries}, last asked {asked} by {letter.retry_requested_by}"))
    if letter.resolved_at is not None:
        fields.append(("resolved", local_time(letter.resolved_at, zone, with_zone=True)))
    if letter.discarded_at is not None:
        discarded = local_time(letter.discarded_at, zone, with_zone=True)
        fields.append(("discarded", f"{discarded} by {letter.discarded_by}"))
        fields.append(("discard reason", one_line(letter.discard_reason or "")))
    label = max(len(name) for name, _ in fields)
    return [f"dead letter {letter.id} ({letter.status.value})"] + [
        f"  {name.ljust(label)}  {value}" for name, value in fields
    ]


def as_json(model: BaseModel) -> str:
    return json.dumps(model.model_dump(mode="json"), ensure_ascii=False, indent=2)


def statuses_of(chosen: Sequence[str] | None) -> list[LetterStatus]:
    """``--status`` values (repeatable; ``all``); none given: open and retrying."""
    if not chosen:
        return list(ACTIVE)
    if "all" in chosen:
        return list(LetterStatus)
    return sorted({LetterStatus(s) for s in chosen}, key=list(LetterStatus).index)


# ---- commands -------------------------------------------------------------------------------


def _engine(settings: Settings) -> AsyncEngine:
    return create_engine(
        settings.as_role("dead_letters").database_url, pool_size=1, application_name="tousu-dead-letters"
    )


async def list_command(
    settings: Settings,
    out: TextIO,
    *,
    statuses: Sequence[LetterStatus],
    consumers: Sequence[str] | None = None,
    limit: int = 50,
    json_output: bool = False,
    width: int | None = None,
) -> int:
    engine = _engine(settings)
    try:
        async with engine.connect() as conn:
            page = await list_letters(conn, statuses=statuses, consumers=consumers or None, limit=limit)
    finally:
        await engine.dispose()
    if json_output:
        print(as_json(page), file=out)
        return OK
    which = ", ".join(s.value for s in statuses) + (f"; consumer {', '.join(consumers)}" if consumers else "")
    if not page.letters:
        print(f"no dead letters ({which})", file=out)
        return OK
    zone = ZoneInfo(settings.timezone)
    for line in letters_table(page.letters, zone, settings.timezone, width):
        print(line, file=out)
    print(f"{len(page.letters)} of {page.total} letters ({which}), newest first", file=out)
    return OK


async def show_command(settings: Settings, letter_id: int, out: TextIO, *, json_output: bool = False) -> int:
    engine = _engine(settings)
    try:
        async with engine.connect() as conn:
            letter = await get_letter(conn, letter_id)
    finally:
        await engine.dispose()
    if json_output:
        print(as_json(letter), file=out)
    else:
        for line in letter_lines(letter, ZoneInfo(settings.timezone)):
            print(line, file=out)
        print(f"(times in {settings.timezone})", file=out)
    return OK


async def retry_command(
    settings: Settings,
    letter_id: int,
    out: TextIO,
    *,
    actor: str,
    clock: Clock,
    wait: float | None = None,
    poll_seconds: float = POLL_SECONDS,
) -> int:
    engine = _engine(settings)
    try:
        async with engine.begin() as conn:
            request = await request_retry(conn, letter_id, actor=actor, clock=clock)
        letter = request.letter
        if request.requested:
            print(
                f"dead letter {letter_id} marked for retry: consumer {letter.consumer} handles it again "
                f"within about {settings.catch_up_interval_seconds:g} s",
                file=out,
            )
        else:
            print(f"dead letter {letter_id} is waiting for its retry already", file=out)
        if wait is None:
            return OK
        return await _await_retry(engine, letter, out, wait, poll_seconds)
    finally:
        await engine.dispose()


async def _await_retry(
    engine: AsyncEngine, asked: DeadLetterView, out: TextIO, wait: float, poll_seconds: float
) -> int:
    deadline = time.monotonic() + wait
    while True:
        async with engine.connect() as conn:
            letter = await get_letter(conn, asked.id)
        if letter.status == LetterStatus.RESOLVED:
            print(f"dead letter {letter.id} resolved: consumer {letter.consumer} handled it", file=out)
            return OK
        if letter.status == LetterStatus.DISCARDED:
            print(f"dead letter {letter.id} was discarded meanwhile by {letter.discarded_by}", file=out)
            return FAILED
        if letter.status == LetterStatus.OPEN or letter.last_failed_at != asked.last_failed_at:
            print(
                f"dead letter {letter.id} failed again: {one_line(letter.reason)} "
                f"(attempts {letter.attempts}); it is {letter.status.value}",
                file=out,
            )
            return FAILED
        if time.monotonic() >= deadline:
            print(
                f"dead letter {letter.id} still retrying after {wait:g} s: is a service running "
                f"consumer {letter.consumer}?",
                file=out,
            )
            return STILL_RETRYING
        await asyncio.sleep(poll_seconds)


async def discard_command(
    settings: Settings, letter_id: int, reason: str, out: TextIO, *, actor: str, clock: Clock
) -> int:
    engine = _engine(settings)
    try:
        async with engine.begin() as conn:
            letter = await discard_letter(conn, letter_id, actor=actor, reason=reason, clock=clock)
    finally:
        await engine.dispose()
    kept = " (its value is unreadable now)" if letter.value == "erased" else ""
    print(f"dead letter {letter_id} discarded{kept}", file=out)
    return OK


# ---- entry points ---------------------------------------------------------------------------


def cli_actor() -> str:
    """Who runs the command: the operating-system user (the database has no other idea)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return "cli:unknown"


def run(command: Callable[[], Coroutine[Any, Any, int]], err: TextIO | None = None) -> int:
    """Run a command; a letter it cannot find or change, or a database it cannot read, is a
    one-line message and exit 1 (never a traceback, never the database URL)."""
    err = err or sys.stderr
    try:
        return asyncio.run(command())
    except LetterNotFound as error:
        print(f"tousu dead-letters: {error}", file=err)
    except LetterRefused as error:
        print(f"tousu dead-letters: {error.message}", file=err)
    except Exception as error:
        if is_infrastructure_failure(error):
            print(f"tousu dead-letters: cannot reach the database ({type(error).__name__})", file=err)
        else:
            print(f"tousu dead-letters: {failure_reason(error)}", file=err)
    return FAILED


def _usage(message: str) -> int:
    print(f"tousu dead-letters: {message}", file=sys.stderr)
    return USAGE


def cmd_list(args: argparse.Namespace) -> int:
    if not 1 <= args.limit <= MAX_LIMIT:
        return _usage(f"--limit must be 1..{MAX_LIMIT}")
    settings = load_settings()
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
    return run(
        lambda: list_command(
            settings,
            sys.stdout,
            statuses=statuses_of(args.status),
            consumers=args.consumer,
            limit=args.limit,
            json_output=args.json,
            width=width,
        )
    )


def cmd_show(args: argparse.Namespace) -> int:
    settings = load_settings()
    return run(lambda: show_command(settings, args.id, sys.stdout, json_output=args.json))


def cmd_retry(args: argparse.Namespace) -> int:
    if args.wait is not None and args.wait < 0:
        return _usage("--wait must not be negative")
    settings = load_settings()
    return run(
        lambda: retry_command(
            settings, args.id, sys.stdout, actor=cli_actor(), clock=SystemClock(), wait=args.wait
        )
    )


def cmd_discard(args: argparse.Namespace) -> int:
    try:
        reason = valid_discard_reason(args.reason)
    except ValueError as error:
        return _usage(f"--reason: {error}")
    settings = load_settings()
    return run(
        lambda: discard_command(settings, args.id, reason, sys.stdout, actor=cli_actor(), clock=SystemClock())
    )
