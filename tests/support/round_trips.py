"""Counting PostgreSQL round trips: a TCP proxy in front of the server that reads what the client
sends. Every round trip ends with the client waiting for the server's ReadyForQuery, and what it
waits after is either a simple Query message ('Q': BEGIN, COMMIT, statements without parameters)
or a Sync ('S': the end of an extended-protocol exchange, e.g. Bind + Execute of a prepared
statement, or Parse + Describe when preparing one). So: round trips = 'Q' + 'S' messages.

Connect through it without TLS (``?ssl=disable``): the proxy reads the protocol in the clear.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.engine import make_url

# requests sent before the startup message, without a type byte (code in the second int32)
_PRE_STARTUP = {80877103, 80877104, 80877102}  # SSLRequest, GSSENCRequest, CancelRequest


class RoundTrips:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.count = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def _client_stream(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Forward the client's bytes, counting 'Q' and 'S' messages."""
        while True:  # untagged: SSL/GSS requests, then the startup message
            head = await reader.readexactly(8)
            length, code = struct.unpack("!ii", head)
            writer.write(head + await reader.readexactly(length - 8))
            if code not in _PRE_STARTUP:
                break
        while True:
            head = await reader.readexactly(5)
            kind, length = head[:1], struct.unpack("!i", head[1:])[0]
            body = await reader.readexactly(length - 4)
            if kind in (b"Q", b"S"):
                self.count += 1
            writer.write(head + body)
            if kind == b"X":  # Terminate
                return

    @staticmethod
    async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            writer.write(data)

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection(self.host, self.port)
        try:
            up = asyncio.ensure_future(self._client_stream(client_r, server_w))
            down = asyncio.ensure_future(self._copy(server_r, client_w))
            await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
            for task in (up, down):
                task.cancel()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            for w in (client_w, server_w):
                with contextlib.suppress(Exception):
                    w.close()

    def _spawn(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        task = asyncio.ensure_future(self._serve(client_r, client_w))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._spawn, "127.0.0.1", 0)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()


@asynccontextmanager
async def counting_round_trips(database_url: str) -> AsyncIterator[tuple[RoundTrips, str]]:
    """A proxy for ``database_url``'s server; yields it and the URL to connect through it."""
    url = make_url(database_url)
    proxy = RoundTrips(url.host or "127.0.0.1", url.port or 5432)
    port = await proxy.start()
    try:
        yield (
            proxy,
            url.set(host="127.0.0.1", port=port, query={"ssl": "disable"}).render_as_string(
                hide_password=False
            ),
        )
    finally:
        await proxy.stop()
