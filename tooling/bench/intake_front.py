"""Measuring intake's HTTP front: benchmark 4's set-up with chosen loads, plus the intake
process's CPU per accepted submission and, optionally, a py-spy profile of it.

Not one of ``tousu bench``'s benchmarks (the moderate preset stays as it is): a tool for comparing
two versions of intake in interleaved runs. Run from a checkout of either version, e.g.::

    .venv/bin/python -m tooling.bench.intake_front --loads 250,500,1000 --seconds 5
    # an older checkout, with this file from a newer one:
    PYTHONPATH=$OLD $OLD/.venv/bin/python path/to/intake_front.py --loads 250,500,1000

It starts the real intake service (`tousu serve intake`, as benchmark 4 does) and, unless
``--no-ceiling``, the bare FastAPI ceiling; offers each load with benchmark 4's open-loop generator
and prints, per load, accepted/s, p50/p99 from the scheduled instant, and the CPU the service
process used per accepted submission (user + system, from the process's own counters): during
the load, and with what it spent afterwards until idle (its relay and consumers catching up;
the idle process's own ticks, ~1 s at under 5% of a core, are included).

``--in-process N``: intake's HTTP path alone, N submissions through the app's ASGI interface in
this process (no server, relay or consumers), and this process's CPU per submission.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__":
    # run as a file (another checkout's copy): its folder, with a services.py, must not shadow
    # the top-level services package
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import asyncio
import contextlib
import json
import logging
import shutil
import subprocess
import tempfile
import time
from typing import Any

import psutil

from tooling.bench.environment import bench_environment
from tooling.bench.loadgen import LoadSpec, offer_load, percentile
from tooling.bench.services import CEILING, SUBMISSION, running_services


def _cpu(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return times.user + times.system


async def measure(
    loads: list[int],
    seconds: float,
    ceiling: bool,
    profile: Path | None,
    profile_load: int | None,
    drain_profile: bool = False,
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    names = ["intake", CEILING] if ceiling else ["intake"]
    async with bench_environment(None, None) as env:
        settings = await env.scratch("intake_front")
        await env.topics(settings)
        with tempfile.TemporaryDirectory(prefix="tousu-intake-front-") as workdir:
            async with running_services(settings, names, Path(workdir)) as services:
                procs = services.processes()
                for load in loads:
                    for name in names:
                        during, after = _profiles(profile, name, load, profile_load, drain_profile)
                        spec = LoadSpec(
                            url=f"{services.urls[name]}/v1/complaints",
                            token=services.channel_token,
                            body=SUBMISSION,
                            rate=load,
                            seconds=seconds,
                        )
                        case = "intake" if name == "intake" else "bare_fastapi"
                        row = await _measure_one(
                            spec, procs[name], case, load_profile=during, drain_profile=after
                        )
                        rows.append(row)
                        print(json.dumps(row, ensure_ascii=False), flush=True)
        await env.drop_all()
    return rows


def _profiles(
    profile: Path | None, name: str, load: int, profile_load: int | None, drain_profile: bool
) -> tuple[Path | None, Path | None]:
    """Where py-spy writes intake's profile of ``load`` and of the drain after it (None: none)."""
    if profile is None or name != "intake":
        return None, None
    during = profile / f"intake-{load}.txt" if load == (profile_load or load) else None
    after = profile / f"intake-{load}-drain.txt" if drain_profile else None
    return during, after


async def _measure_one(
    spec: LoadSpec,
    proc: psutil.Process,
    case: str,
    *,
    load_profile: Path | None,
    drain_profile: Path | None,
) -> dict[str, Any]:
    """One load offered to one service process: the row printed for it. ``load_profile`` and
    ``drain_profile``: where py-spy writes a profile of the load, and of the drain after it."""
    spy = _py_spy(proc.pid, load_profile) if load_profile is not None else None
    before = _cpu(proc)
    wall = time.perf_counter()
    result = await offer_load(spec)
    used = _cpu(proc) - before
    wall = time.perf_counter() - wall
    if spy is not None:  # the profile covers the load only
        _stop(spy)
    spy = _py_spy(proc.pid, drain_profile) if drain_profile is not None else None
    drained = used + await _until_quiet(proc)
    if spy is not None:
        _stop(spy)
    return {
        "case": case,
        "offered_per_s": int(spec.rate),
        "accepted_per_s": round(result.accepted_per_second, 1),
        "accepted": result.accepted,
        "p50_ms": round(percentile(result.latencies_ms, 0.5), 1),
        "p99_ms": round(percentile(result.latencies_ms, 0.99), 1),
        "cpu_ms_per_accepted": round(1000 * used / max(result.accepted, 1), 2),
        "cpu_percent_of_core": round(100 * used / wall, 1),
        "cpu_ms_per_accepted_with_drain": round(1000 * drained / max(result.accepted, 1), 2),
        "generator_cpu_percent": round(100 * result.cpu_seconds / result.seconds, 1),
        "failed": result.failed,
    }


def _stop(spy: subprocess.Popen[bytes]) -> None:
    spy.send_signal(2)  # SIGINT: py-spy writes its output and exits
    with contextlib.suppress(subprocess.TimeoutExpired):
        spy.wait(30)


async def _until_quiet(proc: psutil.Process, idle: float = 0.05, longest: float = 120.0) -> float:
    """CPU the process still uses after the load (its relay and consumers catching up), until it
    uses under ``idle`` of a core for a second."""
    used = 0.0
    began = time.perf_counter()
    while time.perf_counter() - began < longest:
        before = _cpu(proc)
        await asyncio.sleep(1.0)
        spent = _cpu(proc) - before
        used += spent
        if spent < idle:
            break
    return used


async def in_process(count: int, concurrency: int) -> dict[str, Any]:
    """Intake's HTTP path alone: ``count`` submissions (``concurrency`` at a time) through the intake
    app's ASGI interface in this process, with no server, relay or consumers (its lifespan is not
    run) on a scratch database; this process's CPU per submission. The body is benchmark 4's."""
    import os

    from services.intake.main import create_app
    from shared.events import Role
    from shared.service.auth import TokenEntry, TokenRegistry

    token = "intake-front-in-process-token"
    os.environ.setdefault("TOUSU_INTAKE_RATE_PER_MINUTE", "1000000000")
    os.environ.setdefault("TOUSU_INTAKE_RATE_BURST", "1000000")
    async with bench_environment(None, None) as env:
        settings = await env.scratch("intake_front")
        app = create_app(
            settings,
            tokens=TokenRegistry([TokenEntry(token=token, subject="bench", role=Role.CHANNEL)]),
            lapse_in_background=False,
        )
        logging.getLogger().setLevel(logging.WARNING)
        warmup = 300
        bodies = [json.dumps(_filled(i), ensure_ascii=False).encode() for i in range(count + warmup)]
        for body in bodies[count:]:
            assert await _post(app, token, body) == 202
        gate = asyncio.Semaphore(concurrency)

        async def one(body: bytes) -> int:
            async with gate:
                return await _post(app, token, body)

        cpu, wall = time.process_time(), time.perf_counter()
        statuses = await asyncio.gather(*(one(body) for body in bodies[:count]))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        await app.state.runtime.engine.dispose()
        await env.drop_all()
    return {
        "case": "intake in process",
        "submissions": count,
        "accepted": statuses.count(202),
        "concurrency": concurrency,
        "cpu_ms_per_submission": round(1000 * cpu / count, 3),
        "wall_ms_per_submission": round(1000 * wall / count, 3),
        "loop": type(asyncio.get_running_loop()).__module__,
    }


def _filled(index: int) -> dict[str, Any]:
    text = json.dumps(SUBMISSION, ensure_ascii=False).replace("{i}", str(index))
    filled: dict[str, Any] = json.loads(text)
    return filled


async def _post(app: Any, token: str, body: bytes) -> int:
    """One POST /v1/complaints straight through the ASGI interface; its status."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/complaints",
        "raw_path": b"/v1/complaints",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"intake"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # no disconnect while the app works
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


def _py_spy(pid: int, out: Path) -> subprocess.Popen[bytes]:
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or "py-spy"
    out.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [spy, "record", "--pid", str(pid), "-r", "200", "-f", "raw", "-o", str(out), "--nonblocking"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", default="100,250,500,1000", help="offered submissions/s, comma-separated")
    parser.add_argument("--seconds", type=float, default=5.0, help="how long each load is offered")
    parser.add_argument("--no-ceiling", action="store_true", help="intake only, no bare FastAPI turns")
    parser.add_argument("--profile", type=Path, help="write py-spy raw profiles of intake here")
    parser.add_argument("--profile-load", type=int, help="profile only at this load (default: every load)")
    parser.add_argument(
        "--profile-drain", action="store_true", help="also profile the catching up after a load"
    )
    parser.add_argument(
        "--in-process",
        type=int,
        metavar="N",
        help="instead: N submissions through the intake app in this process (no server, relay, "
        "consumers), on uvloop when installed; prints its CPU per submission",
    )
    parser.add_argument("--concurrency", type=int, default=16, help="in-process submissions at a time")
    args = parser.parse_args()
    if args.in_process:
        run = in_process(args.in_process, args.concurrency)
        try:
            import uvloop
        except ImportError:
            print(json.dumps(asyncio.run(run)))
        else:
            print(json.dumps(uvloop.run(run)))
        return
    loads = [int(x) for x in args.loads.split(",") if x.strip()]
    asyncio.run(
        measure(loads, args.seconds, not args.no_ceiling, args.profile, args.profile_load, args.profile_drain)
    )


if __name__ == "__main__":
    main()
