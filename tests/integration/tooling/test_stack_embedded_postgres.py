"""The embedded PostgreSQL of `tousu up`: start in a fresh directory, answer, stop, keep the data."""

from __future__ import annotations

import socket
from pathlib import Path

import asyncpg
import psutil
import pytest

from tooling.stack.embedded_postgres import EmbeddedPostgres
from tooling.stack.errors import StartupError
from tooling.stack.ports import free_port, tcp_answers

pytestmark = pytest.mark.integration


def postgres_processes_of(pgdata: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if proc.info["name"] == "postgres" and str(pgdata) in cmdline:
            found.append(proc)
    return found


async def test_starts_answers_stops_and_restarts_keeping_data(tmp_path: Path) -> None:
    pgdata = tmp_path / "data" / "pg"
    port = free_port()
    log = tmp_path / "data" / "logs" / "postgres.log"

    first = EmbeddedPostgres(pgdata, port=port, log_path=log)
    try:
        assert await first.start(within=60) is True  # a new cluster
        assert (pgdata / "PG_VERSION").is_file()
        assert await first.ensure_database("tousu") is True
        assert await first.ensure_database("tousu") is False
        conn = await asyncpg.connect(first.dsn("tousu"))
        try:
            assert await conn.fetchval("SELECT 1") == 1
            assert await conn.fetchval("SHOW server_encoding") == "UTF8"
            assert await conn.fetchval("SELECT current_user") == "postgres"
            await conn.execute("CREATE TABLE kept (note text)")
            await conn.execute("INSERT INTO kept VALUES ('投诉 survives a restart')")
        finally:
            await conn.close()
        assert first.process is not None
        server_tree = first.process.descendants()
        assert server_tree
    finally:
        first.stop()
    assert not tcp_answers("127.0.0.1", port)
    _, still = psutil.wait_procs(server_tree, timeout=5)
    assert not still
    assert "database system is shut down" in log.read_text()

    second = EmbeddedPostgres(pgdata, port=port, log_path=log)
    try:
        assert await second.start(within=60) is False  # the existing cluster, no initdb
        assert await second.ensure_database("tousu") is False
        conn = await asyncpg.connect(second.dsn("tousu"))
        try:
            assert await conn.fetchval("SELECT note FROM kept") == "投诉 survives a restart"
        finally:
            await conn.close()
    finally:
        second.stop()
    assert not postgres_processes_of(pgdata)


async def test_taken_port_is_reported(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        pg = EmbeddedPostgres(tmp_path / "pg", port=port, log_path=tmp_path / "postgres.log")
        with pytest.raises(StartupError) as caught:
            await pg.start(within=10)
    assert str(caught.value) == f"postgres: port {port} is already in use"
    assert pg.process is None


async def test_a_directory_that_is_not_a_cluster_is_refused(tmp_path: Path) -> None:
    pgdata = tmp_path / "pg"
    pgdata.mkdir()
    (pgdata / "stray.txt").write_text("not a database")
    pg = EmbeddedPostgres(pgdata, port=free_port(), log_path=tmp_path / "postgres.log")
    with pytest.raises(StartupError) as caught:
        await pg.start(within=10)
    assert "holds no PostgreSQL cluster" in str(caught.value)
    assert (pgdata / "stray.txt").exists()
