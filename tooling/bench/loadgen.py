"""An HTTP load generator, run in a process of its own (``python -m tooling.bench.loadgen``).

Open loop (the default): requests are scheduled at fixed instants (``rate`` per second) and each
one's latency is measured from its *scheduled* instant, not from when it was actually sent: when
the server (or the client's connection pool) falls behind, the waiting time shows up in the
latency instead of silently lowering the offered load (coordinated omission).

Closed loop (``closed_loop``, the burst benchmark): ``requests`` requests offered as fast as
``connections`` connections allow, each connection sending its next request as soon as the
previous one was answered; latency counts from sending, and the figure of merit is how many
were accepted per second.

The generator runs in its own process with its own event loop so that it does not share a GIL
with the server it measures, and speaks HTTP/1.1 itself over keep-alive connections (cheap per
request).

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
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]


@dataclass
class LoadSpec:
    url: str
    token: str
    body: dict[str, Any]
    """The JSON body; ``{i}`` in its string values is replaced by the request's index."""
    rate: float
    """Offered requests per second (open loop)."""
    seconds: float
    """How long the load is offered; ``rate * seconds`` requests in all (open loop)."""
    connections: int = 128
    """Keep-alive connections (a request waits for a free one; that wait counts as its latency)."""
    timeout: float = 30.0
    warmup: int = 20
    """Requests sent one by one before the timed load (connections opened, code paths warm)."""
    return_numbers: bool = False
    """Return each accepted complaint's number with the wall-clock instant it was scheduled."""
    first_index: int = 0
    """``{i}`` of the first timed request: runs against the same database pass distinct ranges,
    so no two requests of a bench run share a complainant or a subject."""
    closed_loop: bool = False
    """Offer ``requests`` as fast as ``connections`` allow (``rate`` and ``seconds`` unused);
    latency counts from sending, a request's "scheduled" instant is when it was sent."""
    requests: int | None = None
    """How many requests in a closed loop (open loop: ``rate * seconds``)."""


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
    started_at: float = 0.0
    """The first scheduled instant, as a Unix timestamp."""
    ended_at: float = 0.0
    """The last answer's instant (the end of the load), as a Unix timestamp."""

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


class _Connection:
    """One keep-alive HTTP/1.1 connection: a request at a time, answers read by Content-Length.

    Hand-written on asyncio streams rather than httpx: with thousands of requests waiting for a
    connection, httpx's pool spent more CPU than the server it was measuring."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        """Send ``request``; its status and body. Reconnects once if the server had closed an idle
        connection before it saw the request."""
        for attempt in (1, 2):
            if self.writer is None:
                await self.open()
            assert self.reader is not None and self.writer is not None
            self.writer.write(request)
            try:
                head = await self.reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError) as error:
                self.close()
                if attempt == 2 or (isinstance(error, asyncio.IncompleteReadError) and error.partial):
                    raise
                continue
            status = int(head[9:12])
            length, close = 0, False
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection" and value.strip().lower() == b"close":
                    close = True
            body = await self.reader.readexactly(length) if length else b""
            if close:
                self.close()
            return status, body
        raise ConnectionError("unreachable")


async def generate(spec: LoadSpec) -> LoadResult:
    url = urlsplit(spec.url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    count = _request_count(spec)
    requests = [_request(spec, url.path, host, port, spec.first_index + i) for i in range(count)]
    connections = [_Connection(host, port) for _ in range(min(spec.connections, count))]
    await asyncio.gather(*(c.open() for c in connections))
    warm = _request(spec, url.path, host, port, -1)
    for n in range(spec.warmup):
        await connections[n % len(connections)].exchange(warm)

    run = _Run(spec, requests)
    cpu_before = time.process_time()
    workers = [asyncio.create_task(run.worker(c)) for c in connections]
    await run.offer(count, workers=len(workers))
    await asyncio.gather(*workers)
    cpu = time.process_time() - cpu_before
    for connection in connections:
        connection.close()
    return run.result(count, cpu)


def _request_count(spec: LoadSpec) -> int:
    if spec.closed_loop:
        if not spec.requests or spec.requests < 1:
            raise ValueError("a closed loop needs requests >= 1")
        return spec.requests
    return max(1, round(spec.rate * spec.seconds))


def _request(spec: LoadSpec, path: str, host: str, port: int, index: int) -> bytes:
    """The bytes of request ``index``: its body is ``spec.body`` with ``{i}`` filled in."""
    body = json.dumps(_fill(spec.body, index), ensure_ascii=False).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {spec.token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class _Run:
    """The timed load: the queue the connections' workers take requests from, and what they saw.
    Made once the connections are open and warm: the first request is scheduled 50 ms later."""

    def __init__(self, spec: LoadSpec, requests: list[bytes]) -> None:
        self.spec = spec
        self.requests = requests
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[tuple[int, float | None] | None] = asyncio.Queue()
        self.latencies: list[float] = []
        self.failed: dict[str, int] = {}
        self.numbers: list[tuple[str, float]] = []
        self.last_answer = 0.0
        self.start = self.loop.time() + 0.05
        self.wall_start = time.time() + (self.start - self.loop.time())

    async def offer(self, count: int, *, workers: int) -> None:
        """Queue every request (open loop: each at its scheduled instant), then one stop per worker."""
        loop, queue, start = self.loop, self.queue, self.start
        if self.spec.closed_loop:
            delay = start - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            for index in range(count):
                queue.put_nowait((index, None))
        else:
            for index in range(count):
                due = start + index / self.spec.rate
                delay = due - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                queue.put_nowait((index, due))  # a request waiting here for a free connection is late
        for _ in range(workers):
            queue.put_nowait(None)

    async def worker(self, connection: _Connection) -> None:
        loop, queue, spec, requests = self.loop, self.queue, self.spec, self.requests
        latencies, failed, numbers = self.latencies, self.failed, self.numbers
        while (job := await queue.get()) is not None:
            index, scheduled = job
            due = loop.time() if scheduled is None else scheduled  # closed loop: due when sent
            try:
                status, body = await asyncio.wait_for(connection.exchange(requests[index]), spec.timeout)
            except (OSError, asyncio.IncompleteReadError, TimeoutError) as error:
                connection.close()
                kind = type(error).__name__
                failed[kind] = failed.get(kind, 0) + 1
                self.last_answer = max(self.last_answer, loop.time())
                continue
            answered = loop.time()
            self.last_answer = max(self.last_answer, answered)
            if 200 <= status < 300:
                latencies.append((answered - due) * 1000)
                if spec.return_numbers:
                    numbers.append((json.loads(body)["complaint_no"], self.wall_start + (due - self.start)))
            else:
                failed[str(status)] = failed.get(str(status), 0) + 1

    def result(self, count: int, cpu: float) -> LoadResult:
        start, last_answer = self.start, self.last_answer
        return LoadResult(
            offered=count,
            accepted=len(self.latencies),
            failed=self.failed,
            seconds=max(last_answer - start, 1e-9),
            latencies_ms=self.latencies,
            cpu_seconds=cpu,
            numbers=self.numbers,
            started_at=self.wall_start,
            ended_at=self.wall_start + (max(last_answer, start) - start),
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
        "tooling.bench.loadgen",
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
