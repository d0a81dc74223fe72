"""What every service's HTTP API refuses before its routes see a request, and what it tells the
log when a route fails anyway.

- :class:`RequestGuard`: a body over the size limit is a 413; a JSON body with text PostgreSQL
  cannot store (a NUL character, or half of a UTF-16 surrogate pair) is a 422 naming the field.
  Both are machine-readable, with messages in English and Chinese.
- :class:`ContainErrors`: an exception no handler answered is a 500 with a machine-readable body,
  logged by its type, SQLSTATE and frames only. Exception messages carry request data (SQLAlchemy
  puts the statement's parameters in its message, asyncpg the refused value, pydantic the input),
  and the server's own "Exception in ASGI application" traceback would print them: it never sees
  the exception.

Pure ASGI rather than BaseHTTPMiddleware, for the reason given at shared.service.app.TraceRequests.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from collections.abc import Iterator
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
"""The body size limit of a service that sets none of its own (intake sets a smaller one)."""

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# A JSON string can only hold a NUL or a lone surrogate as an escape (raw control characters are
# invalid JSON, and raw surrogates are invalid UTF-8), so a body without one of these is storable.
# A valid surrogate pair (an emoji escaped by an ASCII-only encoder) also matches: the parse below
# tells them apart.
_SUSPECT = re.compile(rb"\\u(?:0000|[dD][89abcdefABCDEF])")


def unstorable(text: str) -> bool:
    """Whether PostgreSQL would refuse ``text`` in a text or jsonb column: a NUL character
    (SQLSTATE 22021 / 22P05), or a lone surrogate (not encodable as UTF-8)."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def unstorable_field(value: Any, path: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    """The path of the first string (or object key) in a parsed JSON value that cannot be stored."""
    if isinstance(value, str):
        return path if unstorable(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and unstorable(key):
                return (*path, key)
            found = unstorable_field(item, (*path, key))
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = unstorable_field(item, (*path, index))
            if found is not None:
                return found
    return None


def field_name(path: tuple[str | int, ...]) -> str:
    """As the request-validation handler names fields: ``consent.note``, ``attachments.0.name``."""
    return ".".join(str(part) for part in path)


def _unstorable_body(body: bytes) -> str | None:
    """The field of a JSON body holding unstorable text; None when it has none (or is not JSON,
    which the route refuses in its own words)."""
    if _SUSPECT.search(body) is None:
        return None
    try:
        parsed = json.loads(body)  # the parser FastAPI uses: it keeps lone surrogates as they are
    except (ValueError, RecursionError):
        return None
    path = unstorable_field(parsed)
    return None if path is None else field_name(path) or "body"


def json_response(status: int, body: dict[str, Any]) -> list[Message]:
    content = json.dumps(body, ensure_ascii=False).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]
    return [
        {"type": "http.response.start", "status": status, "headers": raw},
        {"type": "http.response.body", "body": content},
    ]


def too_large(max_bytes: int) -> dict[str, Any]:
    return {
        "error": "too_large",
        "message": f"the request body exceeds {max_bytes} bytes",
        "message_zh": f"请求内容超过 {max_bytes} 字节上限",
        "max_bytes": max_bytes,
    }


def invalid_text(field: str) -> dict[str, Any]:
    """The 422 body of unstorable text, shaped like every other request-validation refusal."""
    message = (
        f"{field} contains text that cannot be stored (a NUL character \\u0000, or half of a surrogate pair)"
    )
    return {
        "error": "invalid_request",
        "message": message,
        "message_zh": f"{field} 含有无法保存的字符（NUL 字符 \\u0000 或不成对的代理字符）",
        "errors": [{"field": field, "type": "invalid_text", "message": message}],
    }


class RequestGuard:
    """Refuses request bodies over ``max_bytes`` (413) and JSON bodies with unstorable text (422),
    before the app reads them.

    A declared Content-Length is checked up front; a body without one is counted while it
    arrives. The body is then handed to the app as one message.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _send_all(send, json_response(413, too_large(self.max_bytes)))
            return
        if declared is None and scope.get("method") not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        last: Message | None = None
        while True:
            message = await receive()
            if message["type"] != "http.request":
                last = message  # the client went away: the app sees it as it would have
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _send_all(send, json_response(413, too_large(self.max_bytes)))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        field = _unstorable_body(body)
        if field is not None:
            await _send_all(send, json_response(422, invalid_text(field)))
            return
        replay: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]
        if last is not None:
            replay.append(last)

        async def replayed() -> Message:
            return replay.pop(0) if replay else await receive()

        await self.app(scope, replayed, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


async def _send_all(send: Send, messages: list[Message]) -> None:
    for message in messages:
        await send(message)


INTERNAL_ERROR = {
    "error": "internal_error",
    "message": "the service failed to answer this request; it was logged without the request's data",
    "message_zh": "服务处理该请求时出错，已记录（不含请求内容）",
}


class ContainErrors:
    """An exception that reached no handler: a 500 with :data:`INTERNAL_ERROR`, and one log line
    with the exception's types, SQLSTATE and frames, never its message."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as error:
            log.error(
                "request failed; answered 500",
                extra={
                    "method": scope.get("method"),
                    "route": getattr(scope.get("route"), "path", None) or "unmatched",
                    **redacted(error),
                },
            )
            if not started:
                await _send_all(send, json_response(500, INTERNAL_ERROR))


def redacted(error: BaseException) -> dict[str, Any]:
    """What can be logged of ``error`` without request data: the types along its chain of causes,
    the first SQLSTATE among them, and the frames it passed through (file, line, function)."""
    chain = list(_causes(error))
    sqlstate = next((s for e in chain if isinstance(s := getattr(e, "sqlstate", None), str)), None)
    frames = [
        f"{frame.filename}:{frame.lineno} in {frame.name}"
        for frame in traceback.extract_tb(error.__traceback__)
    ]
    return {
        "error": type(error).__name__,
        "causes": [f"{type(e).__module__}.{type(e).__qualname__}" for e in chain],
        "sqlstate": sqlstate,
        "frames": frames[-30:],
    }


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen and len(seen) < 16:
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else current.__cause__ or current.__context__
