"""TCP ports: is one free for a server, and wait until a server answers on one."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import random
import socket
import time
from pathlib import Path


def port_problem(host: str, port: int) -> str | None:
    """Why a server could not listen on ``host:port``, or None when the port is free.

    Binds with SO_REUSEADDR (as uvicorn, PostgreSQL and tansu do), so connections lingering in
    TIME_WAIT from a previous run do not count as "in use"; a listening socket does.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} is already in use"
            if exc.errno == errno.EACCES:
                return f"port {port} cannot be used: permission denied"
            return f"port {port} on {host} cannot be used: {exc.strerror or exc}"
    if tcp_answers(host, port, timeout=0.2):
        return f"port {port} is already in use"
    return None


def tcp_answers(host: str, port: int, timeout: float = 0.5) -> bool:
    """True if something accepts a TCP connection on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


async def wait_for_tcp(host: str, port: int, within: float, interval: float = 0.1) -> bool:
    """Wait until ``host:port`` accepts connections; False when ``within`` seconds passed first."""
    deadline = time.monotonic() + within
    while True:
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout=1.0)
        except (OSError, TimeoutError):
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(interval)
        else:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return True


def free_port(host: str = "127.0.0.1") -> int:
    """A port free right now, for a server started a moment later (tests and ad-hoc runs).

    Chosen at random below the kernel's ephemeral range: a port the kernel hands out (to a
    ``bind(0)`` or to an outgoing connection) could be taken again by anyone between this check
    and the server's bind, and two stacks started side by side (parallel test workers) would
    collide on the kernel's next port. Falls back to the kernel's choice when there is no room.
    """
    low, high = _ports_outside_ephemeral_range()
    if high - low >= 1000:
        for _ in range(200):
            port = _random.randint(low, high)
            if port_problem(host, port) is None:
                return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        chosen: int = sock.getsockname()[1]
        return chosen


_random = random.SystemRandom()


def _ports_outside_ephemeral_range() -> tuple[int, int]:
    """Unprivileged ports the kernel never assigns on its own (Linux; elsewhere a common choice)."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    return 10000, min(low, 65536) - 1


def client_host(bind_host: str) -> str:
    """The address to reach a server that binds ``bind_host`` (wildcards become loopback)."""
    if bind_host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if bind_host == "::":
        return "::1"
    return bind_host
