"""Running `tousu up` as a user does, for the end-to-end tests."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from shared.settings import SERVICE_NAMES
from tooling.stack.ports import free_port, tcp_answers

REPO = Path(__file__).resolve().parents[2]
READY_WITHIN = 240.0  # five Python services starting at once on a small machine
STOP_WITHIN = 90.0


@dataclass
class RunningUp:
    proc: subprocess.Popen[str]
    data_dir: Path
    ports: dict[str, int]
    pg_port: int
    kafka_port: int
    lines: list[str] = field(default_factory=list)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for_line(self, needle: str, within: float) -> None:
        deadline = time.monotonic() + within
        while needle not in self.output:
            if self.proc.poll() is not None:
                time.sleep(0.2)  # let the reader thread drain the pipe
                if needle in self.output:
                    return
                raise AssertionError(
                    f"tousu up exited ({self.proc.returncode}) before {needle!r}:\n{self.output}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"no {needle!r} within {within:g}s:\n{self.output}")
            time.sleep(0.1)

    def tree(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def service_pid(self, name: str) -> int:
        port = self.ports[name]
        for child in self.tree():
            with contextlib.suppress(psutil.Error):
                if child.cmdline()[-2:] == ["serve", name]:
                    return child.pid
        raise AssertionError(f"no process serves {name} on {port}")

    def log_tails(self) -> str:
        parts = []
        for log in sorted((self.data_dir / "logs").glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-15:]
            parts.append(f"--- {log.name}\n" + "\n".join(tail))
        return "\n".join(parts)


def alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def distinct_free_ports(count: int) -> list[int]:
    ports: set[int] = set()
    while len(ports) < count:
        ports.add(free_port())
    return sorted(ports)


@contextlib.contextmanager
def tousu_up(
    tmp_path: Path, *extra_args: str, env_extra: dict[str, str] | None = None, data_dir: Path | None = None
) -> Iterator[RunningUp]:
    """Run `tousu up` on free ports (data in ``data_dir``, default tmp_path/data); afterwards make
    sure it and every process it started are gone."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("TOUSU_")}
    numbers = distinct_free_ports(len(SERVICE_NAMES) + 2)
    ports = dict(zip(SERVICE_NAMES, numbers, strict=False))
    pg_port, kafka_port = numbers[-2], numbers[-1]
    env.update({f"TOUSU_{name.upper()}_PORT": str(port) for name, port in ports.items()})
    env["TOUSU_EMBEDDED_PG_PORT"] = str(pg_port)
    env["TOUSU_EMBEDDED_KAFKA_PORT"] = str(kafka_port)
    env["TOUSU_UP_READY_TIMEOUT"] = str(READY_WITHIN)
    env.update(env_extra or {})
    data_dir = data_dir or tmp_path / "data"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tooling.cli", "up", "--data-dir", str(data_dir), *extra_args],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    running = RunningUp(proc, data_dir, ports, pg_port, kafka_port)

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            running.lines.append(line)

    seen: dict[int, psutil.Process] = {}
    sampling = threading.Event()

    def sample() -> None:  # every process `tousu up` ever started, restarted services included
        while not sampling.is_set():
            for child in running.tree():
                seen.setdefault(child.pid, child)
            sampling.wait(0.5)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield running
    finally:
        for child in running.tree():
            seen.setdefault(child.pid, child)
        sampling.set()
        sampler.join(timeout=5)
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_WITHIN)
        except subprocess.TimeoutExpired:
            for child in [*seen.values(), psutil.Process(proc.pid)]:
                with contextlib.suppress(psutil.Error):
                    child.kill()
            proc.wait()
            raise AssertionError(
                f"tousu up did not stop within {STOP_WITHIN:g}s:\n{running.output}"
            ) from None
        reader.join(timeout=5)
        _, still = psutil.wait_procs(list(seen.values()), timeout=10)
        leftovers = [p for p in still if alive(p)]
        for p in leftovers:
            with contextlib.suppress(psutil.Error):
                p.kill()
        assert not leftovers, f"left behind: {leftovers}\n{running.output}"
        for port in [*ports.values(), pg_port, kafka_port]:
            assert not tcp_answers("127.0.0.1", port), f"port {port} still answers after stopping"
        strays = [
            p
            for p in psutil.process_iter(["cmdline"])
            if str(data_dir) in " ".join(p.info["cmdline"] or []) and alive(p)
        ]
        assert not strays, f"processes still using {data_dir}: {strays}"


async def wait_all_ready(up: RunningUp, names: tuple[str, ...] = SERVICE_NAMES) -> None:
    deadline = time.monotonic() + READY_WITHIN
    pending = set(names)
    async with httpx.AsyncClient(timeout=2.0, trust_env=False) as client:
        while pending:
            assert up.proc.poll() is None, f"tousu up exited ({up.proc.returncode}):\n{up.output}"
            for name in sorted(pending):
                with contextlib.suppress(httpx.HTTPError):
                    response = await client.get(f"http://127.0.0.1:{up.ports[name]}/readyz")
                    if response.status_code == 200:
                        pending.discard(name)
            if time.monotonic() > deadline:
                raise AssertionError(f"not ready: {sorted(pending)}\n{up.output}\n{up.log_tails()}")
            await asyncio.sleep(0.5)
