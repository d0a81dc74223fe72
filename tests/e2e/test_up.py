"""`tousu up` as a user runs it: the whole stack as processes, an event through all five services,
SIGTERM leaving nothing behind; PostgreSQL and tansu brought back when they die; and a service
or PostgreSQL that keeps dying taking the stack down."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import asyncpg
import httpx
import pytest

from shared.settings import SERVICE_NAMES
from tests.e2e.running_stack import READY_WITHIN, STOP_WITHIN, tousu_up, wait_all_ready

pytestmark = pytest.mark.e2e


async def test_up_runs_an_event_through_all_five_services_and_stops_cleanly(tmp_path: Path) -> None:
    with tousu_up(tmp_path) as up:
        await wait_all_ready(up)
        up.wait_for_line("tousu is up", within=30)
        tokens = up.data_dir / "tokens.yaml"
        assert str(tokens) in up.output
        assert tokens.stat().st_mode & 0o777 == 0o600
        for name in SERVICE_NAMES:
            assert f"http://127.0.0.1:{up.ports[name]}/docs" in up.output
        assert f"http://127.0.0.1:{up.ports['analytics']}/" in up.output
        tree = up.tree()
        names = {p.name() for p in tree}
        assert "postgres" in names, names
        assert any(name.startswith("tansu") for name in names), names

        from shared.clock import SystemClock
        from shared.complaints.events import ComplaintReceived
        from shared.complaints.values import Category, Channel, ComplainantKind
        from shared.db.engine import create_engine
        from shared.events import Actor, NewEvent, Role
        from shared.eventstore import NO_STREAM, PostgresEventStore

        database_url = f"postgresql+asyncpg://postgres@127.0.0.1:{up.pg_port}/tousu"
        complaint_no = f"E2E-{uuid4().hex[:10].upper()}"
        payload = ComplaintReceived(
            complaint_no=complaint_no,
            channel=Channel.WEB_FORM,
            complainant_kind=ComplainantKind.CUSTOMER,
            anonymous=True,
            category=Category.OTHER,
            subject="tousu up end-to-end",
            content="送货太慢 — an end-to-end test of the local stack.",
            received_at=datetime.now(UTC),
        )
        event = NewEvent.of(payload, actor=Actor(role=Role.CHANNEL, id="web-form"), clock=SystemClock())
        engine = create_engine(database_url, pool_size=1)
        try:
            await PostgresEventStore(engine).append(complaint_no, NO_STREAM, [event])
        finally:
            await engine.dispose()

        # Every service's consumers took the event off Kafka: handled it, or passed it over (a type
        # they do not handle), as their /metrics count it. It is the only event in the store.
        deadline = time.monotonic() + 120
        consumed: set[str] = set()
        async with httpx.AsyncClient(timeout=5) as client:
            while not set(SERVICE_NAMES) <= consumed:
                for name in set(SERVICE_NAMES) - consumed:
                    metrics = (await client.get(f"http://127.0.0.1:{up.ports[name]}/metrics")).text
                    if taken_off_kafka(metrics):
                        consumed.add(name)
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"event {event.event_id} consumed only by {sorted(consumed)}\n{up.log_tails()}"
                    )
                await asyncio.sleep(0.5)
    assert up.proc.returncode == 0, up.output
    assert "received SIGTERM; stopping everything" in up.output
    assert "stopped services, tansu, postgres" in up.output

    # Again on the same data directory (PostgreSQL and the broker only): the data is still there.
    with tousu_up(tmp_path, "--only") as again:
        again.wait_for_line("tousu is up", within=120)
        assert f"postgres: starting with data in {again.data_dir / 'pg'}" in again.output
        assert f"tokens: using {tokens}" in again.output
        conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{again.pg_port}/tousu")
        try:
            stored = await conn.fetchval("SELECT count(*) FROM events WHERE event_id = $1", event.event_id)
        finally:
            await conn.close()
        assert stored == 1
    assert again.proc.returncode == 0, again.output


async def test_a_service_that_keeps_dying_stops_the_stack_with_an_error(tmp_path: Path) -> None:
    env = {"TOUSU_UP_MAX_RESTARTS": "1", "TOUSU_UP_RESTART_WINDOW": "600"}
    with tousu_up(tmp_path, "--only", "routing", env_extra=env) as up:
        await wait_all_ready(up, ("routing",))
        up.wait_for_line("tousu is up", within=30)
        assert "intake" not in {p.cmdline()[-1] for p in up.tree() if "serve" in p.cmdline()}

        os.kill(up.service_pid("routing"), signal.SIGKILL)
        up.wait_for_line("routing exited with code -9; restarting in 1s (restart 1)", within=30)
        up.wait_for_line("routing is ready again", within=READY_WITHIN)

        os.kill(up.service_pid("routing"), signal.SIGKILL)
        up.proc.wait(timeout=STOP_WITHIN)
        up.wait_for_line("giving up", within=5)
        assert up.proc.returncode != 0
        assert "error: routing: exited with code -9" in up.output


async def test_postgres_and_tansu_that_die_are_brought_back(tmp_path: Path) -> None:
    """The stack brings a dead PostgreSQL back on the same data, and a dead tansu back with its
    topics created again (tansu keeps them in memory only)."""
    from aiokafka.admin import AIOKafkaAdminClient

    from shared.messaging.topics import topic_names
    from shared.settings import Settings

    with tousu_up(tmp_path, "--only") as up:
        up.wait_for_line("tousu is up", within=120)
        dsn = f"postgresql://postgres@127.0.0.1:{up.pg_port}/tousu"
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute("CREATE TABLE survives (n int); INSERT INTO survives VALUES (42)")
        finally:
            await conn.close()

        postmaster = next(p for p in up.tree() if p.name() == "postgres" and p.ppid() == up.proc.pid)
        postmaster.kill()
        up.wait_for_line("postgres exited with code -9; restarting in 1s (restart 1)", within=30)
        up.wait_for_line("postgres is ready again", within=90)
        conn = await asyncpg.connect(dsn)
        try:
            assert await conn.fetchval("SELECT n FROM survives") == 42
        finally:
            await conn.close()

        tansu = next(p for p in up.tree() if p.name().startswith("tansu"))
        tansu.kill()
        up.wait_for_line("tansu exited with code -9; restarting in 1s (restart 1)", within=30)
        up.wait_for_line("tansu is ready again", within=90)
        assert "topics: Kafka topics created again" in up.output
        admin = AIOKafkaAdminClient(bootstrap_servers=f"127.0.0.1:{up.kafka_port}")
        await admin.start()
        try:
            assert set(topic_names(Settings())) <= set(await admin.list_topics())
        finally:
            await admin.close()
        assert up.proc.poll() is None, up.output
    assert up.proc.returncode == 0, up.output
    assert "stopped tansu, postgres" in up.output


async def test_postgres_that_keeps_dying_stops_the_stack_with_an_error(tmp_path: Path) -> None:
    with tousu_up(tmp_path, "--only", env_extra={"TOUSU_UP_MAX_RESTARTS": "0"}) as up:
        up.wait_for_line("tousu is up", within=120)
        postmaster = next(p for p in up.tree() if p.name() == "postgres" and p.ppid() == up.proc.pid)
        postmaster.kill()
        up.proc.wait(timeout=STOP_WITHIN)
        up.wait_for_line("stopped tansu", within=5)
        assert up.proc.returncode != 0
        assert "error: postgres: exited with code -9; it was restarted 0 times within 300s, giving up" in (
            up.output
        )


def taken_off_kafka(metrics: str) -> bool:
    """Some consumer of the service counts a message handled or passed over."""
    counted = (
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("tousu_consumer_messages_total{")
        and ('outcome="processed"' in line or 'outcome="passed_over"' in line)
    )
    return any(count >= 1 for count in counted)
