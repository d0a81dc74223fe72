"""Run named commands as supervised child processes.

Generic (it knows nothing about tousu): each :class:`ServiceSpec` names a command, its log file,
the port it will listen on and how to tell it is ready. :class:`Supervisor` checks the ports,
starts everything, waits for readiness (reporting each service as it comes), restarts a service
that dies with exponential backoff, gives up on one that keeps dying, and stops everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tooling.stack.errors import CrashLoopError, StartupError
from tooling.stack.ports import port_problem
from tooling.stack.process import ChildProcess, describe_exit, stop_all

Reporter = Callable[[str], None]
ReadinessCheck = Callable[[], Awaitable[bool]]


def print_report(line: str) -> None:
    print(line, flush=True)


def http_ready(url: str, timeout: float = 2.0) -> ReadinessCheck:
    """A readiness check: GET ``url`` answers 200."""

    async def check() -> bool:
        try:
            async with httpx.AsyncClient(timeout=timeout, trust_env=False) as client:
                response = await client.get(url)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    return check


@dataclass(frozen=True)
class ServiceSpec:
    """A named command to supervise."""

    name: str
    argv: Sequence[str]
    log_path: Path
    env: Mapping[str, str] | None = None
    cwd: Path | None = None
    host: str = "127.0.0.1"
    port: int | None = None
    ready: ReadinessCheck | None = None
    """None: ready as soon as it has been spawned and is still running."""


@dataclass(frozen=True)
class RestartPolicy:
    """Restart a dead service after ``initial_backoff`` seconds, doubling up to ``max_backoff``;
    give up when it already had ``max_restarts`` restarts within the last ``window`` seconds."""

    max_restarts: int = 5
    window: float = 300.0
    initial_backoff: float = 1.0
    max_backoff: float = 30.0

    def backoff(self, recent_restarts: int) -> float:
        """Delay before the next restart when ``recent_restarts`` happened within the window."""
        return min(self.initial_backoff * 2 ** max(0, recent_restarts), self.max_backoff)


@dataclass
class RestartHistory:
    """When one service was restarted; decides the next delay or that it is time to give up."""

    policy: RestartPolicy
    times: deque[float] = field(default_factory=deque)
    total: int = 0

    def recent(self, now: float) -> int:
        while self.times and now - self.times[0] > self.policy.window:
            self.times.popleft()
        return len(self.times)

    def next_delay(self, now: float) -> float | None:
        """Seconds to wait before restarting, or None to give up."""
        recent = self.recent(now)
        if recent >= self.policy.max_restarts:
            return None
        return self.policy.backoff(recent)

    def record(self, now: float) -> int:
        """Note a restart; its number (1 for the first restart of this service)."""
        self.times.append(now)
        self.total += 1
        return self.total


def _fmt_seconds(seconds: float) -> str:
    return f"{seconds:g}s" if seconds >= 0.1 or seconds == 0 else f"{seconds:.2g}s"


class Supervisor:
    """Start, watch, restart and stop a set of named services."""

    def __init__(
        self,
        specs: Sequence[ServiceSpec],
        *,
        policy: RestartPolicy | None = None,
        ready_timeout: float = 60.0,
        stop_grace: float = 10.0,
        report: Reporter = print_report,
        poll_interval: float = 0.1,
        ready_interval: float = 0.25,
    ) -> None:
        names = [spec.name for spec in specs]
        if len(set(names)) != len(names):
            raise ValueError(f"service names must be unique: {names}")
        self.specs = list(specs)
        self.policy = policy or RestartPolicy()
        self.ready_timeout = ready_timeout
        self.stop_grace = stop_grace
        self.report = report
        self.poll_interval = poll_interval
        self.ready_interval = ready_interval
        self.processes: dict[str, ChildProcess] = {
            spec.name: ChildProcess(spec.name, spec.argv, log_path=spec.log_path, env=spec.env, cwd=spec.cwd)
            for spec in self.specs
        }
        self.history: dict[str, RestartHistory] = {
            spec.name: RestartHistory(self.policy) for spec in self.specs
        }
        self._stopping = False
        self._background: set[asyncio.Task[None]] = set()

    # -- start-up ------------------------------------------------------------------------------

    def check_ports(self) -> None:
        """Raise :class:`StartupError` naming the first service whose port is not free."""
        for spec in self.specs:
            if spec.port is None:
                continue
            problem = port_problem(spec.host, spec.port)
            if problem is not None:
                raise StartupError(spec.name, problem)

    async def start(self) -> None:
        """Check every port, start every service, wait until all are ready.

        On any failure everything started is stopped and :class:`StartupError` names the
        service and the reason (exit code and the end of its log, or the readiness timeout).
        """
        try:
            self.check_ports()
            for spec in self.specs:
                try:
                    self.processes[spec.name].start()
                except OSError as exc:
                    raise StartupError(spec.name, f"could not be started: {exc}") from exc
            await self._wait_all_ready()
        except BaseException:
            self.stop()
            raise

    async def _wait_all_ready(self) -> None:
        tasks = [
            asyncio.create_task(self._wait_ready(spec), name=f"ready:{spec.name}") for spec in self.specs
        ]
        if not tasks:
            return
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()  # re-raises the first StartupError
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _wait_ready(self, spec: ServiceSpec) -> None:
        proc = self.processes[spec.name]
        started = time.monotonic()
        while True:
            code = proc.poll()
            if code is not None:
                proc.sweep_group()
                raise StartupError(spec.name, f"{describe_exit(code)} before it was ready", proc.log_tail())
            if spec.ready is None or await spec.ready():
                # It may have answered and died right away; only a live process counts.
                if proc.running:
                    elapsed = time.monotonic() - started
                    self.report(f"{spec.name:<10} ready after {elapsed:.1f}s (pid {proc.pid})")
                    return
                continue
            if time.monotonic() - started > self.ready_timeout:
                raise StartupError(
                    spec.name, f"not ready after {_fmt_seconds(self.ready_timeout)}", proc.log_tail()
                )
            await asyncio.sleep(self.ready_interval)

    # -- supervision ---------------------------------------------------------------------------

    async def supervise(self) -> None:
        """Watch every service; restart those that die. Returns only by raising
        :class:`CrashLoopError` (a service kept dying); cancel it to stop supervising."""
        watchers = [asyncio.create_task(self._watch(spec), name=f"watch:{spec.name}") for spec in self.specs]
        try:
            if not watchers:
                await asyncio.Future()  # nothing to watch: wait to be cancelled
            done, _ = await asyncio.wait(watchers, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()
        finally:
            for task in watchers:
                task.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)
            await self._cancel_background()

    async def _watch(self, spec: ServiceSpec) -> None:
        proc = self.processes[spec.name]
        history = self.history[spec.name]
        while True:
            code = await proc.wait(self.poll_interval)
            if self._stopping:
                return
            proc.sweep_group()
            now = time.monotonic()
            delay = history.next_delay(now)
            if delay is None:
                raise CrashLoopError(
                    spec.name,
                    f"{describe_exit(code)}; it was restarted {history.recent(now)} times within "
                    f"{_fmt_seconds(self.policy.window)}, giving up",
                )
            number = history.record(now)
            self.report(
                f"{spec.name} {describe_exit(code)}; restarting in {_fmt_seconds(delay)} (restart {number})"
            )
            await asyncio.sleep(delay)
            if self._stopping:
                return
            try:
                proc.start()
            except OSError as exc:
                raise CrashLoopError(spec.name, f"could not be restarted: {exc}") from exc
            self._spawn(self._report_ready_again(spec, proc))

    async def _report_ready_again(self, spec: ServiceSpec, proc: ChildProcess) -> None:
        pid = proc.pid
        deadline = time.monotonic() + self.ready_timeout
        while proc.running and proc.pid == pid and time.monotonic() < deadline:
            if spec.ready is None or await spec.ready():
                if proc.running and proc.pid == pid:
                    self.report(f"{spec.name} is ready again (pid {pid})")
                return
            await asyncio.sleep(self.ready_interval)
        if proc.running and proc.pid == pid:
            self.report(f"{spec.name} restarted but not ready after {_fmt_seconds(self.ready_timeout)}")

    def _spawn(self, coro: Awaitable[None]) -> None:
        async def run() -> None:
            await coro

        task = asyncio.create_task(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _cancel_background(self) -> None:
        tasks = list(self._background)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- stop ----------------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop every service (SIGTERM, SIGKILL after the grace period); no restarts after this."""
        self._stopping = True
        stop_all([p for p in self.processes.values() if p.started], self.stop_grace)

    @property
    def stopping(self) -> bool:
        return self._stopping

    def pids(self) -> dict[str, int | None]:
        return {name: proc.pid if proc.running else None for name, proc in self.processes.items()}


async def run_supervised(supervisor: Supervisor) -> None:
    """Start and then supervise; always stop everything on the way out (error or cancellation)."""
    try:
        await supervisor.start()
        await supervisor.supervise()
    finally:
        with contextlib.suppress(Exception):
            supervisor.stop()
