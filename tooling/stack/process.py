"""One child process: own session, output appended to a log file, stopped with its whole tree."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import os
import pwd
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psutil

_PR_SET_PDEATHSIG = 1


def _load_prctl() -> Callable[[int, int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None
    prctl: Callable[[int, int], int] = libc.prctl
    return prctl


_prctl = _load_prctl()


def _parent_death_signal(sig: int, parent_pid: int) -> Callable[[], None] | None:
    """A preexec function asking the kernel to send ``sig`` to the child when its parent dies.

    Covers the one case signal handlers cannot: `tousu up` itself killed with SIGKILL.
    Runs in the child after fork (after any uid switch, which would otherwise reset it).
    """
    if _prctl is None:
        return None
    prctl = _prctl

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, sig)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os.kill(os.getpid(), sig)

    return preexec


def read_tail(path: Path, lines: int = 20, max_bytes: int = 64 * 1024) -> str:
    """The last ``lines`` lines of a text file ("" when it does not exist)."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - max_bytes))
            data = fh.read()
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def describe_exit(returncode: int) -> str:
    """``"exited with code 3"``; a negative code is the signal that ended it (``-9``: SIGKILL)."""
    return f"exited with code {returncode}"


class ChildProcess:
    """A command run in its own session (so a terminal's Ctrl-C reaches only `tousu up`).

    stdout and stderr are appended to ``log_path``. ``user`` runs it as that system user (with
    that user's group, no supplementary groups); only root can ask for that.
    ``stop_signal`` asks it to stop (SIGINT is PostgreSQL's fast shutdown); after a grace
    period the whole tree gets SIGKILL.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        user: str | None = None,
        stop_signal: signal.Signals = signal.SIGTERM,
        kill_on_parent_death: bool = True,
    ) -> None:
        self.name = name
        self.argv = [str(a) for a in argv]
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.user = user
        self.stop_signal = stop_signal
        self.kill_on_parent_death = kill_on_parent_death
        self._popen: subprocess.Popen[bytes] | None = None
        self._started_at = 0.0

    # -- state ---------------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen is not None else None

    @property
    def started(self) -> bool:
        return self._popen is not None

    def poll(self) -> int | None:
        """The exit code once it has exited, else None (also None when never started)."""
        return self._popen.poll() if self._popen is not None else None

    @property
    def running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    @property
    def uptime(self) -> float:
        return time.monotonic() - self._started_at if self._popen is not None else 0.0

    def log_tail(self, lines: int = 20) -> str:
        return read_tail(self.log_path, lines)

    # -- start ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Spawn the command (again, if it ran before and has exited)."""
        if self.running:
            raise RuntimeError(f"{self.name} is already running (pid {self.pid})")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        uid: int | None = None
        gid: int | None = None
        extra_groups: list[int] | None = None
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            uid, gid, extra_groups = entry.pw_uid, entry.pw_gid, []
        preexec = _parent_death_signal(self.stop_signal, os.getpid()) if self.kill_on_parent_death else None
        with self.log_path.open("ab") as log:
            stamp = datetime.now().astimezone().isoformat(timespec="seconds")
            log.write(f"\n=== {stamp} tousu up: starting {self.name}: {' '.join(self.argv)}\n".encode())
            log.flush()
            self._popen = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
                user=uid,
                group=gid,
                extra_groups=extra_groups,
                preexec_fn=preexec,
            )
        self._started_at = time.monotonic()

    # -- wait ----------------------------------------------------------------------------------

    async def wait(self, poll_interval: float = 0.1) -> int:
        """Wait (without blocking the event loop) until it exits; its exit code."""
        if self._popen is None:
            raise RuntimeError(f"{self.name} was never started")
        while True:
            code = self._popen.poll()
            if code is not None:
                return code
            await asyncio.sleep(poll_interval)

    # -- stop ---------------------------------------------------------------------------------

    def descendants(self) -> list[psutil.Process]:
        """The process and everything it started (snapshot; empty when it is not running)."""
        if not self.running or self.pid is None:
            return []
        try:
            root = psutil.Process(self.pid)
            return [root, *root.children(recursive=True)]
        except psutil.Error:
            return []

    def request_stop(self) -> StopRequest:
        """Send the stop signal; :meth:`finish_stop` then waits and reaps the tree."""
        tree = self.descendants()
        was_running = self.running
        if was_running and self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, self.stop_signal)
        return StopRequest(tree=tree, was_running=was_running)

    def finish_stop(self, request: StopRequest, deadline: float) -> int | None:
        """Wait until ``deadline`` (monotonic) for it to exit, then SIGKILL whatever of its tree is left."""
        popen = self._popen
        if popen is not None and request.was_running:
            try:
                popen.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._kill_group()
                with contextlib.suppress(ProcessLookupError):
                    popen.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    popen.wait(timeout=5)
        # Grandchildren normally exit with their parent; give them a moment, then make sure.
        others = [p for p in request.tree if popen is None or p.pid != popen.pid]
        _, alive = psutil.wait_procs(others, timeout=max(0.0, min(1.0, deadline - time.monotonic())))
        for proc in alive:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        psutil.wait_procs(alive, timeout=2)
        if request.was_running:
            self._kill_group()
        return popen.returncode if popen is not None else None

    def stop(self, grace: float = 10.0) -> int | None:
        """Stop it and its whole tree: stop signal, then SIGKILL after ``grace`` seconds."""
        return self.finish_stop(self.request_stop(), time.monotonic() + grace)

    def sweep_group(self) -> None:
        """SIGKILL what is left of its process group; call right after noticing that it exited."""
        self._kill_group()

    def _kill_group(self) -> None:
        if self.pid is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)


@dataclass(frozen=True)
class StopRequest:
    """What :meth:`ChildProcess.request_stop` saw: the tree to reap and whether it was running."""

    tree: list[psutil.Process]
    was_running: bool


def stop_all(processes: Sequence[ChildProcess], grace: float) -> None:
    """Stop several processes at once: all get their stop signal, then share one grace period."""
    requests = [(proc, proc.request_stop()) for proc in processes]
    deadline = time.monotonic() + grace
    for proc, request in requests:
        proc.finish_stop(request, deadline)
