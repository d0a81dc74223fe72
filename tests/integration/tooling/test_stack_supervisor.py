"""The generic supervisor behind `tousu up`, with dummy HTTP services as child processes."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from tooling.stack.errors import CrashLoopError, StartupError
from tooling.stack.ports import free_port
from tooling.stack.supervisor import (
    RestartHistory,
    RestartPolicy,
    ServiceSpec,
    Supervisor,
    http_ready,
)

pytestmark = pytest.mark.integration

# A stand-in for a tousu service: answers GET /readyz on 127.0.0.1:<port>; options as key=value.
DUMMY = textwrap.dedent(
    r"""
    import http.server, os, signal, subprocess, sys, threading, time
    args = dict(a.split("=", 1) for a in sys.argv[1:])
    port = int(args["port"])
    if "fail" in args:
        print("dummy: failing on purpose", flush=True)
        sys.exit(int(args["fail"]))
    if args.get("ignore_term") == "1":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if args.get("grandchild") == "1":
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    ready = args.get("ready", "1") == "1"

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if ready else 503)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    if "exit_after" in args:
        def later():
            time.sleep(float(args["exit_after"]))
            print("dummy: exiting on purpose", flush=True)
            os._exit(int(args.get("code", "1")))
        threading.Thread(target=later, daemon=True).start()
    print(f"dummy listening on {port}", flush=True)
    server.serve_forever()
    """
)


def dummy(name: str, tmp_path: Path, **options: str | int | float) -> ServiceSpec:
    port = free_port()
    argv = [sys.executable, "-c", DUMMY, f"port={port}", *(f"{k}={v}" for k, v in options.items())]
    return ServiceSpec(
        name=name,
        argv=argv,
        log_path=tmp_path / "logs" / f"{name}.log",
        port=port,
        ready=http_ready(f"http://127.0.0.1:{port}/readyz"),
    )


def make_supervisor(
    specs: list[ServiceSpec],
    lines: list[str],
    *,
    policy: RestartPolicy | None = None,
    ready_timeout: float = 20.0,
    stop_grace: float = 5.0,
) -> Supervisor:
    return Supervisor(
        specs,
        policy=policy or RestartPolicy(max_restarts=5, window=60, initial_backoff=0.1, max_backoff=1.0),
        ready_timeout=ready_timeout,
        stop_grace=stop_grace,
        report=lines.append,
    )


def alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


async def wait_for(predicate: Callable[[], bool], within: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


# -- restart policy (pure) ---------------------------------------------------------------------


def test_backoff_doubles_from_one_second_up_to_thirty() -> None:
    policy = RestartPolicy()
    assert [policy.backoff(n) for n in range(7)] == [1, 2, 4, 8, 16, 30, 30]


def test_history_gives_up_after_max_restarts_within_window_and_forgets_old_ones() -> None:
    history = RestartHistory(RestartPolicy(max_restarts=2, window=10, initial_backoff=1, max_backoff=30))
    assert history.next_delay(0.0) == 1
    assert history.record(0.0) == 1
    assert history.next_delay(1.0) == 2
    assert history.record(1.0) == 2
    assert history.next_delay(2.0) is None  # two restarts within 10 s: give up
    # Later, the old restarts fall out of the window: allowed again, backoff back to 1 s.
    assert history.next_delay(20.0) == 1
    assert history.record(20.0) == 3


# -- start-up ----------------------------------------------------------------------------------


async def test_starts_all_reports_each_ready_and_stops_all(tmp_path: Path) -> None:
    lines: list[str] = []
    sup = make_supervisor([dummy(n, tmp_path) for n in ("alpha", "beta", "gamma")], lines)
    try:
        await sup.start()
        pids = sup.pids()
        assert all(alive(pid) for pid in pids.values())
        for name in ("alpha", "beta", "gamma"):
            assert any(line.startswith(name) and "ready after" in line for line in lines), lines
            assert "dummy listening" in (tmp_path / "logs" / f"{name}.log").read_text()
    finally:
        sup.stop()
    assert not any(alive(pid) for pid in pids.values())


async def test_service_exiting_at_start_is_reported_by_name_and_the_rest_are_stopped(tmp_path: Path) -> None:
    lines: list[str] = []
    specs = [dummy("alpha", tmp_path), dummy("broken", tmp_path, fail=3), dummy("gamma", tmp_path)]
    sup = make_supervisor(specs, lines)
    with pytest.raises(StartupError) as caught:
        await sup.start()
    error = caught.value
    assert error.name == "broken"
    assert "exited with code 3" in str(error)
    assert "dummy: failing on purpose" in str(error)  # the end of its log
    assert str(error).startswith("broken: ")
    for name in ("alpha", "gamma"):
        proc = sup.processes[name]
        assert proc.pid is not None and not alive(proc.pid), f"{name} still running"


async def test_service_never_ready_is_reported_with_the_timeout(tmp_path: Path) -> None:
    lines: list[str] = []
    specs = [dummy("alpha", tmp_path), dummy("sleepy", tmp_path, ready=0)]
    sup = make_supervisor(specs, lines, ready_timeout=1.5)
    with pytest.raises(StartupError) as caught:
        await sup.start()
    assert caught.value.name == "sleepy"
    assert "not ready after 1.5s" in str(caught.value)
    assert not any(alive(p.pid) for p in sup.processes.values())


async def test_taken_port_is_reported_by_name_and_nothing_is_left_running(tmp_path: Path) -> None:
    lines: list[str] = []
    specs = [dummy("alpha", tmp_path), dummy("beta", tmp_path)]
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", specs[1].port or 0))
        squatter.listen()
        sup = make_supervisor(specs, lines)
        with pytest.raises(StartupError) as caught:
            await sup.start()
    assert str(caught.value) == f"beta: port {specs[1].port} is already in use"
    assert not any(alive(p.pid) for p in sup.processes.values())


# -- supervision -------------------------------------------------------------------------------


async def test_killed_service_is_restarted_and_the_restart_reported(tmp_path: Path) -> None:
    lines: list[str] = []
    sup = make_supervisor([dummy("alpha", tmp_path), dummy("beta", tmp_path)], lines)
    await sup.start()
    watch = asyncio.create_task(sup.supervise())
    try:
        old_pid = sup.pids()["beta"]
        assert old_pid is not None
        os.kill(old_pid, signal.SIGKILL)
        await wait_for(lambda: any("is ready again" in line for line in lines), what="restart")
        assert "beta exited with code -9; restarting in 0.1s (restart 1)" in lines
        new_pid = sup.pids()["beta"]
        assert new_pid is not None and new_pid != old_pid and alive(new_pid)
        assert not watch.done()
    finally:
        watch.cancel()
        await asyncio.gather(watch, return_exceptions=True)
        sup.stop()
    assert not any(alive(pid) for pid in sup.pids().values())


async def test_crash_loop_gives_up_and_everything_can_be_stopped(tmp_path: Path) -> None:
    lines: list[str] = []
    policy = RestartPolicy(max_restarts=2, window=60, initial_backoff=0.05, max_backoff=0.2)
    specs = [dummy("alpha", tmp_path), dummy("flaky", tmp_path, exit_after=0.5, code=4)]
    sup = make_supervisor(specs, lines, policy=policy)
    await sup.start()
    try:
        with pytest.raises(CrashLoopError) as caught:
            await asyncio.wait_for(sup.supervise(), 30)
        assert caught.value.name == "flaky"
        assert "exited with code 4" in str(caught.value)
        assert "giving up" in str(caught.value)
        assert "flaky exited with code 4; restarting in 0.05s (restart 1)" in lines
        assert "flaky exited with code 4; restarting in 0.1s (restart 2)" in lines
        assert not any("restart 3" in line for line in lines)
    finally:
        sup.stop()
    assert not any(alive(p.pid) for p in sup.processes.values())


async def test_stop_kills_a_service_ignoring_sigterm_and_its_grandchildren(tmp_path: Path) -> None:
    lines: list[str] = []
    specs = [dummy("stubborn", tmp_path, ignore_term=1, grandchild=1)]
    sup = make_supervisor(specs, lines, stop_grace=1.0)
    await sup.start()
    tree = sup.processes["stubborn"].descendants()
    assert len(tree) == 2  # the service and its grandchild
    started = time.monotonic()
    sup.stop()
    assert time.monotonic() - started < 10
    assert not any(alive(p.pid) for p in tree)


# -- a supervising process receiving SIGTERM ----------------------------------------------------

RUNNER = textwrap.dedent(
    """
    import asyncio, json, sys
    from pathlib import Path
    from tooling.stack.signals import run_until_signalled
    from tooling.stack.supervisor import RestartPolicy, ServiceSpec, Supervisor, http_ready, run_supervised

    config = json.loads(sys.argv[1])
    specs = [
        ServiceSpec(name=s["name"], argv=s["argv"], log_path=Path(s["log"]), port=s["port"],
                    ready=http_ready(f"http://127.0.0.1:{s['port']}/readyz"))
        for s in config
    ]

    async def main() -> int:
        sup = Supervisor(specs, stop_grace=2.0, report=lambda line: print(line, flush=True))
        await run_supervised(sup)
        return 1

    sys.exit(asyncio.run(run_until_signalled(main())))
    """
)


def test_sigterm_stops_every_child_and_grandchild(tmp_path: Path) -> None:
    import json

    specs = [
        dummy("alpha", tmp_path),
        dummy("beta", tmp_path, grandchild=1),
        dummy("stubborn", tmp_path, ignore_term=1),
    ]
    config = [{"name": s.name, "argv": list(s.argv), "log": str(s.log_path), "port": s.port} for s in specs]
    runner = subprocess.Popen(
        [sys.executable, "-c", RUNNER, json.dumps(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        ready: list[str] = []
        assert runner.stdout is not None
        deadline = time.monotonic() + 30
        while len(ready) < 3 and time.monotonic() < deadline:
            line = runner.stdout.readline()
            if not line:
                break
            if "ready after" in line:
                ready.append(line)
        assert len(ready) == 3, f"not all ready: {ready}"
        tree = psutil.Process(runner.pid).children(recursive=True)
        assert len(tree) >= 4  # three services and a grandchild
        runner.send_signal(signal.SIGTERM)
        out, _ = runner.communicate(timeout=30)
        assert runner.returncode == 0, out
        assert "received SIGTERM; stopping everything" in out
        _, still = psutil.wait_procs(tree, timeout=5)
        assert not [p for p in still if alive(p.pid)], f"left behind: {still}"
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux-only")
def test_children_stop_when_the_supervising_process_is_killed(tmp_path: Path) -> None:
    import json

    specs = [dummy("alpha", tmp_path), dummy("beta", tmp_path)]
    config = [{"name": s.name, "argv": list(s.argv), "log": str(s.log_path), "port": s.port} for s in specs]
    runner = subprocess.Popen(
        [sys.executable, "-c", RUNNER, json.dumps(config)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert runner.stdout is not None
        ready = 0
        while ready < 2:
            line = runner.stdout.readline()
            assert line, "runner exited early"
            ready += "ready after" in line
        children = psutil.Process(runner.pid).children()
        assert len(children) == 2
        runner.kill()  # SIGKILL: no handler runs; the kernel's parent-death signal must do it
        runner.wait()
        _, still = psutil.wait_procs(children, timeout=10)
        assert not [p for p in still if alive(p.pid)], f"left behind: {still}"
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()
