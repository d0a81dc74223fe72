"""What must hold for every complaint after any fault: checked straight in PostgreSQL, on the
effects (events, SLA clocks, read models), never on the consumers' bookkeeping.

For every complaint examined (every one that got a 202, and every one stored without its
submitter getting an answer, found by its subject):

- exactly one ComplaintReceived, exactly one ComplaintAssigned, exactly one ComplaintAcknowledged;
- SLA clocks: exactly one first_response clock, generation 1, started by its ComplaintAssigned;
  exactly one resolution clock, generation 1, started by its ComplaintReceived (every grade of
  the shipped policy runs both); no stage started twice by the same event;
- its analytics_complaints row at the store's current stream version, and one analytics_timeline
  row per event of the complaint, none twice, none foreign;
- its routing_assignments row, with a department, at the store's current stream version.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass, field

import asyncpg

SHOWN = 8
"""Complaint numbers named per problem in a failure message."""

PROBLEMS = [
    "are not in the event store at all (no ComplaintReceived): LOST",
    "have more than one ComplaintReceived",
    "were never assigned (no ComplaintAssigned)",
    "were assigned more than once",
    "were never acknowledged (no ComplaintAcknowledged)",
    "were acknowledged more than once",
    "have no SLA clock at all",
    "have no first-response SLA clock started by their ComplaintAssigned",
    "have more than one first-response SLA clock",
    "have no resolution SLA clock started by their ComplaintReceived",
    "have more than one resolution SLA clock",
    "have an SLA stage started twice by the same event",
    "have no analytics_complaints row",
    "have an analytics_complaints row behind the event store",
    "miss events in analytics_timeline",
    "have an event twice in analytics_timeline",
    "have analytics_timeline rows of events that are not theirs",
    "have no routing_assignments row",
    "have a routing_assignments row without a department",
    "have a routing_assignments row behind the event store",
]
"""Everything :func:`check` can find wrong, in the order it is reported."""


@dataclass
class Findings:
    accepted: list[str]
    """Complaint numbers that got a 202."""
    unanswered: list[str]
    """Complaints stored although their submitter got no 202 (reset, 503, timeout)."""
    problems: dict[str, list[str]] = field(default_factory=dict)
    """What is wrong → the complaint numbers it is wrong for."""
    events: int = 0
    timeline_rows: int = 0
    clocks: int = 0

    @property
    def ok(self) -> bool:
        return not any(self.problems.values())

    def progress(self) -> tuple[object, ...]:
        """Changes whenever the pipeline did anything for these complaints."""
        counts = tuple(sorted((what, len(numbers)) for what, numbers in self.problems.items()))
        return (self.events, self.timeline_rows, self.clocks, len(self.unanswered), counts)

    def summary(self) -> str:
        if self.ok:
            return (
                f"all {len(self.accepted)} accepted complaints (and {len(self.unanswered)} stored "
                "without a 202) are complete"
            )
        accepted = set(self.accepted)
        lines = []
        for what, numbers in sorted(self.problems.items(), key=lambda item: _rank(item[0])):
            if not numbers:
                continue
            mine = sorted(n for n in numbers if n in accepted)
            others = sorted(n for n in numbers if n not in accepted)
            if mine:
                shown = ", ".join(mine[:SHOWN]) + (", …" if len(mine) > SHOWN else "")
                lines.append(f"{len(mine)} of {len(self.accepted)} accepted complaints {what}: {shown}")
            if others:
                shown = ", ".join(others[:SHOWN]) + (", …" if len(others) > SHOWN else "")
                lines.append(
                    f"{len(others)} of {len(self.unanswered)} complaints stored without a 202 {what}: {shown}"
                )
        return "\n".join(lines)


def _rank(what: str) -> int:
    """Problems are reported in the order they are checked: the store, SLA, analytics, routing."""
    return PROBLEMS.index(what) if what in PROBLEMS else len(PROBLEMS)


def _add(problems: dict[str, list[str]], what: str, number: str) -> None:
    problems.setdefault(what, []).append(number)


async def stored_with_subject(conn: asyncpg.Connection, tag: str) -> list[str]:
    """Complaints whose subject carries ``tag`` (see fault_stack.submission)."""
    rows = await conn.fetch(
        "SELECT DISTINCT stream_id FROM events WHERE type = 'ComplaintReceived' "
        "AND payload->>'subject' LIKE $1",
        f"{tag} #%",
    )
    return sorted(row["stream_id"] for row in rows)


async def check(conn: asyncpg.Connection, accepted: list[str], tag: str) -> Findings:
    """Check every complaint of one burst, in one snapshot of the database."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        stored = await stored_with_subject(conn, tag)
        unanswered = sorted(set(stored) - set(accepted))
        numbers = sorted(set(accepted) | set(stored))
        findings = Findings(accepted=accepted, unanswered=unanswered)
        problems = findings.problems

        streams = {
            row["stream_id"]: row
            for row in await conn.fetch(
                """
                SELECT stream_id, count(*) AS events, max(stream_version) AS version,
                       count(*) FILTER (WHERE type = 'ComplaintReceived') AS received,
                       count(*) FILTER (WHERE type = 'ComplaintAssigned') AS assigned,
                       count(*) FILTER (WHERE type = 'ComplaintAcknowledged') AS acknowledged,
                       (array_agg(event_id) FILTER (WHERE type = 'ComplaintReceived'))[1] AS received_by,
                       (array_agg(event_id) FILTER (WHERE type = 'ComplaintAssigned'))[1] AS assigned_by
                  FROM events WHERE stream_id = ANY($1::text[]) GROUP BY stream_id
                """,
                numbers,
            )
        }
        clocks: dict[str, list[asyncpg.Record]] = defaultdict(list)
        for row in await conn.fetch(
            "SELECT complaint_no, stage, generation, started_by FROM sla_deadlines "
            "WHERE complaint_no = ANY($1::text[])",
            numbers,
        ):
            clocks[row["complaint_no"]].append(row)
        analytics = {
            row["complaint_no"]: row["version"]
            for row in await conn.fetch(
                "SELECT complaint_no, version FROM analytics_complaints WHERE complaint_no = ANY($1::text[])",
                numbers,
            )
        }
        timeline = {
            row["complaint_no"]: row
            for row in await conn.fetch(
                """
                SELECT t.complaint_no, count(*) AS rows, count(DISTINCT t.event_id) AS distinct_events,
                       count(*) FILTER (WHERE e.event_id IS NULL) AS foreign_rows
                  FROM analytics_timeline t
                  LEFT JOIN events e ON e.event_id = t.event_id AND e.stream_id = t.complaint_no
                 WHERE t.complaint_no = ANY($1::text[]) GROUP BY t.complaint_no
                """,
                numbers,
            )
        }
        routing = {
            row["complaint_no"]: row
            for row in await conn.fetch(
                "SELECT complaint_no, department, stream_version FROM routing_assignments "
                "WHERE complaint_no = ANY($1::text[])",
                numbers,
            )
        }

    for no in numbers:
        stream = streams.get(no)
        if stream is None or stream["received"] == 0:
            _add(problems, "are not in the event store at all (no ComplaintReceived): LOST", no)
            continue
        findings.events += stream["events"]
        if stream["received"] > 1:
            _add(problems, "have more than one ComplaintReceived", no)
        if stream["assigned"] == 0:
            _add(problems, "were never assigned (no ComplaintAssigned)", no)
        elif stream["assigned"] > 1:
            _add(problems, "were assigned more than once", no)
        if stream["acknowledged"] == 0:
            _add(problems, "were never acknowledged (no ComplaintAcknowledged)", no)
        elif stream["acknowledged"] > 1:
            _add(problems, "were acknowledged more than once", no)

        mine = clocks.get(no, [])
        findings.clocks += len(mine)
        if not mine:
            _add(problems, "have no SLA clock at all", no)
        first = [c for c in mine if c["stage"] == "first_response"]
        if stream["assigned"] and not any(
            c["generation"] == 1 and c["started_by"] == stream["assigned_by"] for c in first
        ):
            _add(problems, "have no first-response SLA clock started by their ComplaintAssigned", no)
        if len(first) > 1:
            _add(problems, "have more than one first-response SLA clock", no)
        resolution = [c for c in mine if c["stage"] == "resolution"]
        if not any(c["generation"] == 1 and c["started_by"] == stream["received_by"] for c in resolution):
            _add(problems, "have no resolution SLA clock started by their ComplaintReceived", no)
        if len(resolution) > 1:
            _add(problems, "have more than one resolution SLA clock", no)
        starts = [(c["stage"], c["started_by"]) for c in mine]
        if len(starts) != len(set(starts)):
            _add(problems, "have an SLA stage started twice by the same event", no)

        version = analytics.get(no)
        if version is None:
            _add(problems, "have no analytics_complaints row", no)
        elif version < stream["version"]:
            _add(problems, "have an analytics_complaints row behind the event store", no)
        rows = timeline.get(no)
        findings.timeline_rows += rows["rows"] if rows else 0
        if rows is None or rows["distinct_events"] < stream["events"]:
            _add(problems, "miss events in analytics_timeline", no)
        elif rows["rows"] != rows["distinct_events"] or rows["rows"] > stream["events"]:
            _add(problems, "have an event twice in analytics_timeline", no)
        if rows is not None and rows["foreign_rows"]:
            _add(problems, "have analytics_timeline rows of events that are not theirs", no)

        assignment = routing.get(no)
        if assignment is None:
            _add(problems, "have no routing_assignments row", no)
        elif assignment["department"] is None:
            _add(problems, "have a routing_assignments row without a department", no)
        elif assignment["stream_version"] < stream["version"]:
            _add(problems, "have a routing_assignments row behind the event store", no)
    return findings


async def wait_until_complete(
    dsn: str,
    accepted: list[str],
    tag: str,
    *,
    within: float = 150.0,
    stalled_after: float = 30.0,
) -> tuple[Findings, float]:
    """Poll :func:`check` until every complaint is complete; the findings and the seconds it took.

    Gives up after ``within`` seconds, or earlier when nothing at all changed for
    ``stalled_after`` seconds (stranded work does not move again: no need to wait it out).
    The caller asserts on the findings.
    """
    started = time.monotonic()
    last_change = started
    last: Findings | None = None
    progress: tuple[object, ...] | None = None
    while True:
        try:
            conn = await asyncpg.connect(dsn, timeout=5)
            try:
                findings = await check(conn, accepted, tag)
            finally:
                await conn.close()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            findings = last  # PostgreSQL is coming back: poll again
        now = time.monotonic()
        if findings is not None:
            if findings.ok:
                return findings, now - started
            if findings.progress() != progress:
                progress, last_change = findings.progress(), now
            last = findings
        if now - started > within or (last is not None and now - last_change > stalled_after):
            if last is None:
                raise AssertionError(f"could not read the stack's database at {dsn} for {within:g}s")
            return last, now - started
        await asyncio.sleep(1.0)
