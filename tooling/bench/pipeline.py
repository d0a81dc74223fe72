"""What benchmarks 5 (end to end) and 7 (burst) share: the milestones of a complaint through the
five running services, read from the store, and the waits between loads.

Each complaint the load generator submits goes

    received       intake accepted it (HTTP 2xx): it appended ComplaintReceived, its relay publishes it
      → assigned   routing consumed it and appended ComplaintAssigned
                   (the event's ``recorded_at``: clock_timestamp() at its insert)
      → SLA set    sla consumed the assignment and inserted the first-response clock
                   (``sla_deadlines.created_at`` of generation 1, migration 0014)
      → visible    analytics projected it: its ``analytics_complaints`` row was inserted
                   (``created_at``, migration 0014)

Every time is the database's clock at an INSERT, so no figure depends on how a consumer records
what it processed (``processed_events``). Acceptance, handling, revisit and closure wait on
people and are not timed; feedback consumes the same events meanwhile and shares the machine.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from shared.settings import SERVICE_NAMES, Settings
from tooling.bench.environment import BenchEnvironment, dsn
from tooling.bench.loadgen import LoadResult, LoadSpec
from tooling.bench.results import BenchResult
from tooling.bench.services import SUBMISSION, CpuMeter, RunningServices, running_services

POLL_SECONDS = 0.25
QUIET_SECONDS = 3.0
"""How long nothing may be appended (with analytics caught up) before the pipeline counts as quiet."""

ASSIGNED_AT = (
    "SELECT DISTINCT ON (stream_id) stream_id, recorded_at FROM events "
    "WHERE type = 'ComplaintAssigned' AND stream_id = ANY($1::text[]) ORDER BY stream_id, global_position"
)
SLA_SET_AT = (
    "SELECT complaint_no, created_at FROM sla_deadlines "
    "WHERE stage = 'first_response' AND generation = 1 AND complaint_no = ANY($1::text[])"
)
VISIBLE_AT = "SELECT complaint_no, created_at FROM analytics_complaints WHERE complaint_no = ANY($1::text[])"
DONE_COUNT = (
    "SELECT count(*) FROM analytics_complaints a JOIN sla_deadlines d ON d.complaint_no = a.complaint_no "
    "AND d.stage = 'first_response' AND d.generation = 1 WHERE a.complaint_no = ANY($1::text[])"
)
"""Complaints through all four milestones (an SLA clock implies the assignment)."""
ANALYTICS_BEHIND = (
    "SELECT count(*) FROM (SELECT stream_id, max(stream_version) AS version FROM events "
    "WHERE stream_id = ANY($1::text[]) GROUP BY stream_id) e "
    "LEFT JOIN analytics_complaints a ON a.complaint_no = e.stream_id "
    "WHERE a.version IS DISTINCT FROM e.version"
)
"""Complaints whose analytics row is missing or behind their stream (analytics still has work)."""
LAST_POSITION = "SELECT coalesce(max(global_position), 0) FROM events"

MILESTONES = ("assigned", "sla_set", "visible")
PROCESSES = (*SERVICE_NAMES, "postgres", "tansu", "loadgen")
"""Whose CPU is counted per complaint, and summed into the total."""


@dataclass
class Milestones:
    """When each complaint reached each milestone (absent: not reached)."""

    assigned: dict[str, datetime]
    sla_set: dict[str, datetime]
    visible: dict[str, datetime]

    def of(self, milestone: str) -> dict[str, datetime]:
        reached: dict[str, datetime] = getattr(self, milestone)
        return reached

    def completed(self) -> dict[str, datetime]:
        """Complaints through all of them, with the instant of the last one each reached."""
        return {
            no: max(at, self.sla_set[no], self.visible[no])
            for no, at in self.assigned.items()
            if no in self.sla_set and no in self.visible
        }


async def milestones(conn: asyncpg.Connection, numbers: list[str]) -> Milestones:
    return Milestones(
        assigned=dict(await conn.fetch(ASSIGNED_AT, numbers)),
        sla_set=dict(await conn.fetch(SLA_SET_AT, numbers)),
        visible=dict(await conn.fetch(VISIBLE_AT, numbers)),
    )


async def wait_until_done(conn: asyncpg.Connection, numbers: list[str], give_up: float) -> bool:
    """Until every complaint of ``numbers`` went through all four milestones; False at ``give_up``
    (a time.monotonic() instant)."""
    while await conn.fetchval(DONE_COUNT, numbers) < len(numbers):
        if time.monotonic() > give_up:
            return False
        await asyncio.sleep(POLL_SECONDS)
    return True


async def wait_until_quiet(conn: asyncpg.Connection, numbers: list[str], give_up: float) -> bool:
    """Until nothing was appended to the store for QUIET_SECONDS *and* the analytics read model
    holds every complaint of ``numbers`` at its stream's last version (acknowledgements and the
    like come last; analytics projects each of them after everyone else appended it), so one
    load's backlog does not run into the next load's figures. False at ``give_up``."""
    position, since = -1, time.monotonic()
    while time.monotonic() < give_up:
        now_position = await conn.fetchval(LAST_POSITION)
        if now_position != position:
            position, since = now_position, time.monotonic()
        elif (
            time.monotonic() - since >= QUIET_SECONDS and await conn.fetchval(ANALYTICS_BEHIND, numbers) == 0
        ):
            return True
        await asyncio.sleep(POLL_SECONDS)
    return False


async def wait_until_flowing(services: RunningServices, conn: asyncpg.Connection, within: float) -> str:
    """One complaint through all four milestones: every consumer group has joined. Its number."""
    async with httpx.AsyncClient(trust_env=False, timeout=30) as client:
        response = await client.post(
            f"{services.urls['intake']}/v1/complaints",
            json={**SUBMISSION, "subject": "warm-up", "product_refs": [], "order_refs": []},
            headers={"Authorization": f"Bearer {services.channel_token}"},
        )
        response.raise_for_status()
        number: str = response.json()["complaint_no"]
    if not await wait_until_done(conn, [number], time.monotonic() + within):
        raise RuntimeError(
            f"the warm-up complaint {number} was not visible with its SLA clock within {within:g}s"
        )
    return number


def ms_since(later: datetime, scheduled: float) -> float:
    """Milliseconds from ``scheduled`` (a Unix timestamp) to ``later``."""
    return (later.timestamp() - scheduled) * 1000


def cpu_figures(used: dict[str, float], window: float, completed: int) -> list[tuple[str, str, float]]:
    """(case, unit, value) of the CPU figures of one run: each process's share of a core over the
    ``window`` (seconds), and its CPU per complaint that got through (ms), each of PROCESSES and
    their total. ``used``: CPU seconds by process (:meth:`CpuMeter.used` plus ``loadgen``)."""
    rows = [(f"cpu {name}", "% of a core", 100 * seconds / window) for name, seconds in used.items()]
    per_complaint = 1000 / completed if completed else float("nan")
    rows += [
        (f"cpu_per_complaint {name}", "ms CPU/complaint", used.get(name, 0.0) * per_complaint)
        for name in PROCESSES
    ]
    total = sum(used.get(name, 0.0) for name in PROCESSES) * per_complaint
    rows.append(("cpu_per_complaint total", "ms CPU/complaint", total))
    return rows


CPU_NOTE = (
    "CPU is measured per process over the load and its drain (until every complaint is visible, or "
    "the drain gives up) and divided by the complaints that got through all four milestones. "
    "'postgres' counts the backends connected to the run's database only, 'tansu' the process "
    "listening on the broker's port; 'cpu postgres_server' (all of PostgreSQL, other users of the "
    "same server included) is shown for reference and is not in the total. The total is intake + "
    "routing + sla + feedback + analytics + postgres + tansu + loadgen."
)


@dataclass
class Pipeline:
    """The five services running on one scratch database, and what the bench watches them with."""

    settings: Settings
    services: RunningServices
    conn: asyncpg.Connection
    """The bench's own connection to the database (not counted in the CPU figures)."""
    meter: CpuMeter
    submitted: list[str] = field(default_factory=list)
    """Every complaint submitted so far (the warm-up's too)."""
    next_index: int = 0
    """``{i}`` of the next load's first submission: no two loads share complainants or subjects."""
    loads: int = 0
    """Loads offered so far (by every benchmark that used this stack)."""

    def load(self, **spec: Any) -> LoadSpec:
        """A load of submissions to intake, numbered after everything submitted so far."""
        return LoadSpec(
            url=f"{self.services.urls['intake']}/v1/complaints",
            token=self.services.channel_token,
            body=SUBMISSION,
            return_numbers=True,
            first_index=self.next_index,
            **spec,
        )

    def offered(self, measured: LoadResult) -> list[str]:
        """Record a load that was offered; the numbers of its accepted complaints."""
        self.next_index += measured.offered
        self.loads += 1
        numbers = [number for number, _ in measured.numbers]
        self.submitted += numbers
        return numbers


@asynccontextmanager
async def _started(env: BenchEnvironment, purpose: str, *, keep: bool) -> AsyncIterator[Pipeline]:
    settings = await env.scratch(purpose, keep=keep)
    await env.topics(settings)
    with tempfile.TemporaryDirectory(prefix=f"tousu-bench-{purpose}-") as workdir:
        async with running_services(settings, SERVICE_NAMES, Path(workdir)) as services:
            conn = await asyncpg.connect(dsn(settings.database_url))
            try:
                warm_up = await wait_until_flowing(services, conn, within=180)
                yield Pipeline(
                    settings, services, conn, CpuMeter(services, conn, settings.kafka_bootstrap), [warm_up]
                )
            finally:
                await conn.close()


@asynccontextmanager
async def five_services(env: BenchEnvironment, purpose: str, *, share: bool) -> AsyncIterator[Pipeline]:
    """The five services, started (and one complaint through all four milestones) for this
    benchmark and stopped after it; or, with ``share``, the run's one such stack, started by the
    first benchmark that asks and stopped when the run ends (the quick preset: starting five
    Python services costs more than its tiny loads)."""
    if not share:
        async with _started(env, purpose, keep=False) as pipeline:
            yield pipeline
        return
    shared: Pipeline | None = env.shared.get("pipeline")
    if shared is None:
        shared = await env.resources.enter_async_context(_started(env, "pipeline", keep=True))
        env.shared["pipeline"] = shared
    yield shared


async def settle(pipeline: Pipeline, within: float, result: BenchResult) -> None:
    """Wait (up to ``within`` seconds) until what earlier benchmarks offered to a shared stack has
    gone through; noted in ``result``, and when it had not."""
    result.notes.append(
        f"These services were shared: they had taken {pipeline.loads} load(s), "
        f"{len(pipeline.submitted):,} complaints, from an earlier benchmark of this run; this one "
        "started once they were quiet."
    )
    if not await wait_until_quiet(pipeline.conn, pipeline.submitted, time.monotonic() + within):
        result.notes.append(
            f"The shared services were still busy with an earlier benchmark's complaints {within:g} s "
            "after this benchmark started waiting for them: its first figures include that backlog."
        )
