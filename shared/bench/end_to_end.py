"""Benchmark 5: end to end — all five services running, complaints offered over HTTP at fixed rates.

The five services run as `tousu up` runs them (``tousu serve NAME`` under the stack's supervisor,
each its own process) against one scratch database and the run's topics. The open-loop generator
(:mod:`shared.bench.loadgen`, its own process) submits complaints to intake; each one then goes

    received (intake appends ComplaintReceived; the relay publishes it)
      → assigned (routing consumes it, appends ComplaintAssigned; the relay publishes that)
      → SLA deadline set (sla consumes the assignment, opens the first-response clock row)

which is what "the whole lifecycle" means here: the automatic part, with no person involved
(acceptance, handling, revisit and closure wait on people and are not timed). Analytics and
feedback consume the same events at the same time and share the machine.

Times come from the store, not from polling: "assigned" is ComplaintAssigned's ``recorded_at``
(clock_timestamp() at insert), "SLA deadline set" is the ``processed_at`` (now(): the start of
the sla consumer's transaction that opened the clock) of the assignment in ``processed_events``.
Both latencies count from the instant the submission was *scheduled* by the generator.
Sustained complaints/s = complaints whose SLA deadline was set / (last one set − first scheduled).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import datetime
from pathlib import Path

import asyncpg
import httpx
import psutil

from shared.bench.environment import BenchEnvironment, dsn
from shared.bench.loadgen import LoadSpec, offer_load, percentile
from shared.bench.results import BenchResult, Figure, Ratio
from shared.bench.services import (
    SUBMISSION,
    RunningServices,
    backend_cpu_seconds,
    cpu_seconds,
    running_services,
)
from shared.bench.sizes import Sizes
from shared.settings import SERVICE_NAMES

SUSTAINED_TARGET = 500.0
P99_ASSIGNED_TARGET_MS = 250.0
P99_ASSIGNED_TARGET_LOAD = 200
POLL_SECONDS = 0.25

DONE_COUNT = (
    "SELECT count(*) FROM sla_deadlines WHERE stage = 'first_response' AND complaint_no = ANY($1::text[])"
)
ASSIGNED_AT = (
    "SELECT DISTINCT ON (stream_id) stream_id, recorded_at FROM events "
    "WHERE type = 'ComplaintAssigned' AND stream_id = ANY($1::text[]) ORDER BY stream_id, global_position"
)
EVENT_COUNT = "SELECT count(*) FROM events"
QUIET_SECONDS = 3.0
SLA_SET_AT = (
    "SELECT d.complaint_no, p.processed_at FROM sla_deadlines d "
    "JOIN processed_events p ON p.consumer = 'sla' AND p.event_id = d.started_by::text "
    "WHERE d.stage = 'first_response' AND d.generation = 1 AND d.complaint_no = ANY($1::text[])"
)


async def wait_until_quiet(conn: asyncpg.Connection, give_up: float) -> None:
    """Until no event was appended for QUIET_SECONDS (acknowledgements and the like are the last),
    so one load's backlog does not run into the next load's figures."""
    count, since = -1, time.monotonic()
    while time.monotonic() < give_up:
        now_count = await conn.fetchval(EVENT_COUNT)
        if now_count != count:
            count, since = now_count, time.monotonic()
        elif time.monotonic() - since >= QUIET_SECONDS:
            return
        await asyncio.sleep(POLL_SECONDS)


async def wait_until_flowing(services: RunningServices, conn: asyncpg.Connection, within: float) -> None:
    """One complaint all the way to its SLA deadline: every consumer group has joined."""
    async with httpx.AsyncClient(trust_env=False, timeout=30) as client:
        response = await client.post(
            f"{services.urls['intake']}/v1/complaints",
            json={**SUBMISSION, "subject": "warm-up", "product_refs": [], "order_refs": []},
            headers={"Authorization": f"Bearer {services.channel_token}"},
        )
        response.raise_for_status()
        number = response.json()["complaint_no"]
    deadline = time.monotonic() + within
    while await conn.fetchval(DONE_COUNT, [number]) == 0:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the warm-up complaint {number} got no SLA deadline within {within:g}s")
        await asyncio.sleep(POLL_SECONDS)


def _ms(later: datetime, scheduled: float) -> float:
    return (later.timestamp() - scheduled) * 1000


async def bench_end_to_end(env: BenchEnvironment, sizes: Sizes) -> BenchResult:
    result = BenchResult("e2e", "5. End to end, five services (received → assigned → SLA deadline set)")
    settings = await env.scratch("e2e")
    await env.topics(settings)
    figures: dict[tuple[str, int], Figure] = {}

    def figure(case: str, load: int, unit: str) -> Figure:
        if (case, load) not in figures:
            figures[(case, load)] = Figure(
                case, unit, [], {"offered_per_s": load, "seconds": sizes.e2e_seconds}
            )
        return figures[(case, load)]

    incomplete: dict[int, int] = {}
    with tempfile.TemporaryDirectory(prefix="tousu-bench-e2e-") as workdir:
        async with running_services(settings, SERVICE_NAMES, Path(workdir)) as services:
            conn = await asyncpg.connect(dsn(settings.database_url))
            try:
                await wait_until_flowing(services, conn, within=180)
                for _ in range(sizes.e2e_repeats):
                    for load in sizes.e2e_loads:
                        procs = services.processes()
                        cpu_before = {**cpu_seconds(procs), **backend_cpu_seconds()}
                        psutil.cpu_percent()
                        began = time.monotonic()
                        measured = await offer_load(
                            LoadSpec(
                                url=f"{services.urls['intake']}/v1/complaints",
                                token=services.channel_token,
                                body=SUBMISSION,
                                rate=load,
                                seconds=sizes.e2e_seconds,
                                warmup=5,
                                return_numbers=True,
                            )
                        )
                        numbers = [number for number, _ in measured.numbers]
                        give_up = time.monotonic() + sizes.e2e_drain_seconds
                        while await conn.fetchval(DONE_COUNT, numbers) < len(numbers):
                            if time.monotonic() > give_up:
                                break
                            await asyncio.sleep(POLL_SECONDS)
                        window = time.monotonic() - began
                        busy = psutil.cpu_percent()
                        cpu_after = {**cpu_seconds(procs), **backend_cpu_seconds()}
                        gave_up_at = time.time()
                        assigned = dict(await conn.fetch(ASSIGNED_AT, numbers))
                        sla_set = dict(await conn.fetch(SLA_SET_AT, numbers))
                        to_assigned, to_sla = [], []
                        for number, scheduled in measured.numbers:
                            at = assigned.get(number)
                            to_assigned.append(_ms(at, scheduled) if at else (gave_up_at - scheduled) * 1000)
                            at = sla_set.get(number)
                            to_sla.append(_ms(at, scheduled) if at else (gave_up_at - scheduled) * 1000)
                        incomplete[load] = incomplete.get(load, 0) + len(numbers) - len(sla_set)
                        first = min((s for _, s in measured.numbers), default=0.0)
                        last = max((at.timestamp() for at in sla_set.values()), default=first)
                        figure("http_accepted", load, "complaints/s").runs.append(
                            measured.accepted_per_second
                        )
                        figure("sustained_lifecycle", load, "complaints/s").runs.append(
                            len(sla_set) / (last - first) if last > first else 0.0
                        )
                        figure("intake_to_assigned_p50", load, "ms").runs.append(percentile(to_assigned, 0.5))
                        figure("intake_to_assigned_p99", load, "ms").runs.append(
                            percentile(to_assigned, 0.99)
                        )
                        figure("intake_to_sla_set_p50", load, "ms").runs.append(percentile(to_sla, 0.5))
                        figure("intake_to_sla_set_p99", load, "ms").runs.append(percentile(to_sla, 0.99))
                        figure("machine_cpu_busy", load, "% of all cores").runs.append(busy)
                        for name, after in cpu_after.items():
                            if name not in cpu_before:
                                continue
                            used = after - cpu_before[name]
                            figure(f"cpu {name}", load, "% of a core").runs.append(100 * used / window)
                        figure("cpu loadgen", load, "% of a core").runs.append(
                            100 * measured.cpu_seconds / window
                        )
                        await wait_until_quiet(conn, time.monotonic() + sizes.e2e_drain_seconds)
            finally:
                await conn.close()
    result.figures.extend(figures.values())
    top = max(sizes.e2e_loads)
    sustained = figures[("sustained_lifecycle", top)].median
    result.ratios.append(
        Ratio(f"{top}/s offered: sustained complaints/s (target absolute)", sustained, SUSTAINED_TARGET)
    )
    for load in sizes.e2e_loads:
        result.ratio(
            f"{load}/s offered: sustained / offered",
            figures[("sustained_lifecycle", load)],
            Figure("offered", "complaints/s", [float(load)]),
        )
    for load in sizes.e2e_loads:
        result.bound(
            f"{load}/s offered: p99 intake→assigned (ms)",
            figures[("intake_to_assigned_p99", load)],
            P99_ASSIGNED_TARGET_MS if load == P99_ASSIGNED_TARGET_LOAD else None,
        )
    result.notes.append(
        "Whole lifecycle = received → assigned → SLA first-response deadline set (the automatic part). "
        "Latencies count from the instant the generator scheduled the submission; 'assigned' is "
        "ComplaintAssigned's recorded_at, 'SLA deadline set' the start of the sla consumer's transaction "
        "that opened the clock. CPU figures are over the load and its drain; 'cpu postgres' and 'cpu tansu' "
        "include other users of the same server."
    )
    if any(incomplete.values()):
        result.notes.append(
            f"Complaints without an SLA deadline {sizes.e2e_drain_seconds:g} s after the load ended "
            "(their latency counted up to then, a lower bound): "
            + ", ".join(f"{load}/s: {count}" for load, count in incomplete.items())
        )
    return result
