"""The tansu broker of `tousu up`: starts, speaks the Kafka protocol, stops without leftovers."""

from __future__ import annotations

import socket
from pathlib import Path

import psutil
import pytest

from tooling.stack.broker import TansuBroker
from tooling.stack.errors import StartupError
from tooling.stack.ports import free_port, tcp_answers

pytestmark = pytest.mark.integration


async def test_starts_answers_kafka_metadata_and_stops(tmp_path: Path) -> None:
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    port = free_port()
    broker = TansuBroker(port=port, log_path=tmp_path / "logs" / "tansu.log")
    try:
        await broker.start(within=30)
        assert broker.bootstrap == f"127.0.0.1:{port}"
        assert tcp_answers("127.0.0.1", port)
        admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
        await admin.start()
        try:
            await admin.create_topics([NewTopic("stack-test", num_partitions=2, replication_factor=1)])
            assert "stack-test" in await admin.list_topics()
        finally:
            await admin.close()
        assert broker.process is not None
        tree = broker.process.descendants()
    finally:
        broker.stop()
    assert not broker.running
    assert not tcp_answers("127.0.0.1", port)
    _, still = psutil.wait_procs(tree, timeout=5)
    assert not still
    assert "listening on" in (tmp_path / "logs" / "tansu.log").read_text()


async def test_taken_port_is_reported(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        broker = TansuBroker(port=port, log_path=tmp_path / "tansu.log")
        with pytest.raises(StartupError) as caught:
            await broker.start(within=5)
    assert str(caught.value) == f"tansu: port {port} is already in use"
