"""An open-loop HTTP load generator, run in a process of its own (``python -m shared.bench.loadgen``).

Requests are scheduled at fixed instants (``rate`` per second) and each one's latency is
measured from its *scheduled* instant, not from when it was actually sent: when the server (or
the client's connection pool) falls behind, the waiting time shows up in the latency instead of
silently lowering the offered load (coordinated omission). The generator runs in its own process
with its own event loop so that it does not share a GIL with the server it measures.

The parent writes a :class:`LoadSpec` as JSON to stdin and reads a :class:`LoadResult` from stdout.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


@dataclass
class LoadSpec:
    url: str
    token: str
    body: dict[str, Any]
    """The JSON body; ``{i}`` in its string values is replaced by the request's index."""
    rate: float
    """Offered requests per second."""
    seconds: float
    """How long the load is offered; ``rate * seconds`` requests in all."""
    connections: int = 256
    """Most connections open at once (a request waits for one; that wait counts as latency)."""
    timeout: float = 30.0
    warmup: int = 20
    """Requests sent one by one before the timed load (connections opened, code paths warm)."""
    return_numbers: bool = False
    """Return each accepted complaint's number with the wall-clock instant it was scheduled."""


@dataclass
class LoadResult:
    offered: int
    accepted: int
    """Answers with status 2xx."""
    failed: dict[str, int]
    """Other statuses and errors, by status code or exception name."""
    seconds: float
    """From the first scheduled instant to the last answer."""
    latencies_ms: list[float]
    """Of the accepted requests, from their scheduled instant."""
    cpu_seconds: float
    """CPU time this generator process used during the timed load."""
    numbers: list[tuple[str, float]] = field(default_factory=list)
    """(complaint number, scheduled instant as a Unix timestamp) of each accepted request."""

    @property
    def accepted_per_second(self) -> float:
        return self.accepted / self.seconds if self.seconds > 0 else 0.0


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation: a p99 is a latency some request really had)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def _fill(value: Any, index: int) -> Any:
    if isinstance(value, str):
        return value.replace("{i}", str(index))
    if isinstance(value, list):
        return [_fill(v, index) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, index) for k, v in value.items()}
    return value


async def generate(spec: LoadSpec) -> LoadResult:
    import httpx  # imported here: the parent process only needs the dataclasses

    count = max(1, round(spec.rate * spec.seconds))
    bodies = [json.dumps(_fill(spec.body, i), ensure_ascii=False).encode() for i in range(count)]
    headers = {"Authorization": f"Bearer {spec.token}", "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=spec.connections, max_keepalive_connections=spec.connections)
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    failed: dict[str, int] = {}
    numbers: list[tuple[str, float]] = []
    last_answer = 0.0
    async with httpx.AsyncClient(limits=limits, timeout=spec.timeout, trust_env=False) as client:
        warm = json.dumps(_fill(spec.body, -1), ensure_ascii=False).encode()
        for _ in range(spec.warmup):
            await client.post(spec.url, content=warm, headers=headers)

        start = loop.time() + 0.05
        wall_start = time.time() + (start - loop.time())
        cpu_before = time.process_time()

        async def one(index: int, due: float) -> None:
            nonlocal last_answer
            try:
                response = await client.post(spec.url, content=bodies[index], headers=headers)
            except httpx.HTTPError as error:
                kind = type(error).__name__
                failed[kind] = failed.get(kind, 0) + 1
                last_answer = max(last_answer, loop.time())
                return
            answered = loop.time()
            last_answer = max(last_answer, answered)
            if 200 <= response.status_code < 300:
                latencies.append((answered - due) * 1000)
                if spec.return_numbers:
                    numbers.append((response.json()["complaint_no"], wall_start + (due - start)))
            else:
                key = str(response.status_code)
                failed[key] = failed.get(key, 0) + 1

        tasks = []
        for index in range(count):
            due = start + index / spec.rate
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(index, due)))
        await asyncio.gather(*tasks)
        cpu = time.process_time() - cpu_before
    return LoadResult(
        offered=count,
        accepted=len(latencies),
        failed=failed,
        seconds=max(last_answer - start, 1e-9),
        latencies_ms=latencies,
        cpu_seconds=cpu,
        numbers=numbers,
    )


async def offer_load(spec: LoadSpec) -> LoadResult:
    """Run :func:`generate` in a new Python process and return what it measured."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "shared.bench.loadgen",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=REPO,
        env=env,
    )
    out, err = await proc.communicate(json.dumps(asdict(spec)).encode())
    if proc.returncode != 0:
        raise RuntimeError(
            f"load generator exited with {proc.returncode}: {err.decode(errors='replace')[-2000:]}"
        )
    data = json.loads(out)
    data["numbers"] = [tuple(pair) for pair in data["numbers"]]
    return LoadResult(**data)


def main() -> None:
    spec = LoadSpec(**json.load(sys.stdin))
    result = asyncio.run(generate(spec))
    json.dump(asdict(result), sys.stdout)


if __name__ == "__main__":
    main()
