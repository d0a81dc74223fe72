"""The HTTP face of a service: FastAPI with health, readiness, tracing and the runtime's lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from types import TracebackType

import asyncpg
from aiokafka.errors import KafkaError, KafkaTimeoutError
from asyncpg.exceptions import CharacterNotInRepertoireError, UntranslatableCharacterError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy import exc as sa_exc
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.eventstore import ConcurrencyError
from shared.service import dead_letters_api, oidc
from shared.service.auth import TokenRegistry
from shared.service.error_responses import document_errors
from shared.service.guard import DEFAULT_MAX_BODY_BYTES, ContainErrors, RequestGuard
from shared.service.logging import setup_logging
from shared.service.metrics import install_metrics
from shared.service.runtime import Runtime
from shared.service.session import SessionPolicy, Sessions
from shared.service.session_store import PostgresSessionStore
from shared.service.tracing import context_from, setup_tracing, tracer
from shared.service.web_origins import install_web_origins

log = logging.getLogger(__name__)

DESCRIPTIONS = {
    "intake": "Receives complaints from every channel (受理).",
    "routing": "Assigns complaints to departments and serves the departments' work (分类派单, 处理).",
    "sla": "Watches deadlines, warns, records breaches and escalates (时限).",
    "feedback": "Schedules revisits and takes the complainant's feedback (回访).",
    "analytics": "Read models, statistics and the operators' dashboard (统计分析).",
}


def install_error_handlers(app: FastAPI) -> None:
    """Every refusal is a 4xx with a machine-readable body: {"error": code, "message": ...}; a
    database or broker that cannot be reached is a 503 with Retry-After and the same kind of body."""
    _answer_refused_requests(app)
    _answer_unstorable_text(app)
    _answer_unavailable_backends(app)
    _answer_lost_races(app)


def _answer_refused_requests(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            {
                "error": "invalid_request",
                "message": "the request does not match the schema; see errors",
                "errors": [
                    {
                        "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
                        "type": e.get("type"),
                        "message": e.get("msg"),
                    }
                    for e in error.errors()
                ],
            },
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        body = (
            error.detail
            if isinstance(error.detail, dict)
            else {"error": _code(error.status_code), "message": str(error.detail)}
        )
        return JSONResponse(body, status_code=error.status_code, headers=getattr(error, "headers", None))


def _answer_unstorable_text(app: FastAPI) -> None:
    # A safety net behind the request guard (shared/service/guard.py) and each model's own
    # checks: text PostgreSQL cannot store (a NUL character in a text column, 22021, or in jsonb,
    # 22P05) fails the transaction, which rolls back; the caller gets a 422, never a 500.
    @app.exception_handler(CharacterNotInRepertoireError)
    async def unstorable_text(request: Request, error: Exception) -> JSONResponse:
        return _unstorable()

    app.add_exception_handler(UntranslatableCharacterError, unstorable_text)


def _answer_unavailable_backends(app: FastAPI) -> None:
    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, error: DBAPIError) -> JSONResponse:
        # SQLAlchemy's asyncpg adapter wraps the driver's error and keeps its SQLSTATE
        if getattr(error.orig, "sqlstate", None) in UNSTORABLE_SQLSTATES:
            return _unstorable()
        if database_unavailable(error):
            return _unavailable(error)
        raise error

    # PostgreSQL down, restarting or refusing connections: 503 with Retry-After, never a 500.
    # OSError covers a refused connection (and TimeoutError) raised while the driver connects; an
    # OSError that did not come from the database driver stays a server error.
    async def unavailable_or_raise(request: Request, error: Exception) -> JSONResponse:
        if database_unavailable(error):
            return _unavailable(error)
        raise error

    # The broker unreachable (down, no leader, timed out) where a request needs it: 503 as well.
    @app.exception_handler(KafkaError)
    async def broker_error(request: Request, error: KafkaError) -> JSONResponse:
        if broker_unavailable(error):
            return _unavailable(error, what="broker")
        raise error

    for kind in (
        sa_exc.TimeoutError,  # no pooled connection became free in time
        sa_exc.DisconnectionError,
        asyncpg.PostgresError,  # the driver's own, when not wrapped by SQLAlchemy
        asyncpg.InterfaceError,
        OSError,
    ):
        app.add_exception_handler(kind, unavailable_or_raise)


RETRY_AFTER_SECONDS = 5
"""What a 503 asks the client to wait before retrying while the database (or broker) is unavailable."""

UNSTORABLE_SQLSTATES = frozenset(
    {
        CharacterNotInRepertoireError.sqlstate,  # 22021: a NUL character in a text parameter
        UntranslatableCharacterError.sqlstate,  # 22P05: \u0000 in jsonb ("cannot be converted to text")
    }
)

UNAVAILABLE_SQLSTATES = frozenset(
    {
        "57P01",  # admin_shutdown: the server is shutting down (fast shutdown ends every session)
        "57P02",  # crash_shutdown: another server process crashed, the server restarts
        "57P03",  # cannot_connect_now: the database system is starting up or shutting down
        "53300",  # too_many_connections
    }
)
"""SQLSTATEs that mean "the database cannot serve you right now" (besides class 08, connection
exceptions)."""

_DRIVER_MODULES = ("asyncpg", "sqlalchemy")


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means the database could not be reached or is going away (retry later),
    as opposed to a statement that failed (a server error, or the caller's bad input).

    Looks at the error, the driver error SQLAlchemy wraps (``orig``) and their causes.
    """
    return any(_unavailable_itself(e) for e in _chain(error))


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [error]
    while todo and len(seen) < 16:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        todo += [orig if isinstance(orig, BaseException) else None, current.__cause__, current.__context__]


def _unavailable_itself(error: BaseException) -> bool:
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, sa_exc.OperationalError | sa_exc.TimeoutError | sa_exc.DisconnectionError):
        return True
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str) and (sqlstate.startswith("08") or sqlstate in UNAVAILABLE_SQLSTATES):
        return True  # the driver's error, or SQLAlchemy's adapted one (it keeps the SQLSTATE)
    if isinstance(error, sa_exc.InterfaceError | asyncpg.InterfaceError):
        # SQLAlchemy's is_disconnect test for asyncpg; other interface errors (e.g. "another
        # operation is in progress") are the program's fault, not the database's
        return "connection is closed" in str(getattr(error, "orig", None) or error)
    if isinstance(error, OSError):  # refused, reset, timed out (TimeoutError is an OSError)
        return _raised_in_driver(error.__traceback__)
    return False


def broker_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means the Kafka broker cannot be reached or cannot serve right now."""
    return isinstance(error, KafkaError) and (bool(error.retriable) or isinstance(error, KafkaTimeoutError))


def _raised_in_driver(tb: TracebackType | None) -> bool:
    """Whether the traceback passes through the database driver (asyncpg or SQLAlchemy)."""
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        if isinstance(module, str) and module.split(".", 1)[0] in _DRIVER_MODULES:
            return True
        tb = tb.tb_next
    return False


_UNAVAILABLE_ZH = {"database": "数据库暂时不可用，请稍后重试", "broker": "消息服务暂时不可用，请稍后重试"}


def _unavailable(error: BaseException, what: str = "database") -> JSONResponse:
    # Never the error's text: SQLAlchemy's carries the statement and its parameters (request data).
    sqlstate = next(
        (getattr(e, "sqlstate", None) for e in _chain(error) if getattr(e, "sqlstate", None)), None
    )
    log.warning(
        f"{what} unavailable; answered 503",
        extra={"error": type(error).__name__, "sqlstate": sqlstate},
    )
    return JSONResponse(
        {
            "error": f"{what}_unavailable",
            "message": f"the {what} is unavailable right now; retry after the Retry-After seconds",
            "message_zh": _UNAVAILABLE_ZH[what],
            "retry_after_seconds": RETRY_AFTER_SECONDS,
        },
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _answer_lost_races(app: FastAPI) -> None:
    # A handler retries a lost race a few times; one that kept losing (a stream written to
    # without pause) asks the caller to retry in a moment instead of failing with a 500. 503 with
    # Retry-After is what every endpoint already documents for "not now, try again".
    @app.exception_handler(ConcurrencyError)
    async def lost_race(request: Request, error: ConcurrencyError) -> JSONResponse:
        path = request.url.path
        log.warning("a write kept losing to concurrent writes; answered 503", extra={"path": path})
        return JSONResponse(
            {
                "error": "busy",
                "message": "the record changed while this request was being written; retry in a moment",
                "message_zh": "记录正在被同时修改，请稍后重试",
                "retry_after_seconds": 1,
            },
            status_code=503,
            headers={"Retry-After": "1"},
        )


def _unstorable() -> JSONResponse:
    return JSONResponse(
        {
            "error": "invalid_text",
            "message": "the request contains text that cannot be stored (a NUL character, \\u0000)",
            "message_zh": "请求中含有无法保存的字符（NUL，\\u0000）",
        },
        status_code=422,
    )


def _code(status_code: int) -> str:
    return {
        400: "invalid_body",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "too_large",
        429: "too_many_requests",
    }.get(status_code, "error")


class TraceRequests:
    """One SERVER span per HTTP request, continuing the caller's ``traceparent``.

    Pure ASGI rather than ``@app.middleware("http")``: Starlette's BaseHTTPMiddleware runs the
    app in a task group and re-streams the response through a memory channel, which cost about
    as much CPU per request as intake's own endpoint (profiled under load).
    """

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        route = _url_path(scope)
        carrier: dict[str, str] = {}
        for name, value in scope.get("headers") or ():  # the first of repeated headers, as Request.headers
            carrier.setdefault(name.decode("latin-1"), value.decode("latin-1"))
        with tracer(self.service).start_as_current_span(
            f"{method} {route}",
            context=context_from(carrier),
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "url.path": route},
        ) as span:

            async def send_status(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status: int = message["status"]
                    span.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        span.set_status(Status(StatusCode.ERROR))
                await send(message)

            await self.app(scope, receive, send_status)  # an exception is recorded on the span


def _url_path(scope: Scope) -> str:
    """``request.url.path`` without building the URL (Starlette escapes these three)."""
    path: str = scope["path"]
    return path.replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")


def create_service_app(
    runtime: Runtime,
    *,
    tokens: TokenRegistry | None = None,
    configure_logging: bool = True,
    max_body_bytes: int | None = None,
) -> FastAPI:
    """``max_body_bytes``: the request body limit (413 above it); default TOUSU_MAX_BODY_BYTES."""
    if configure_logging:
        setup_logging(runtime.name, runtime.settings.log_level)
    setup_tracing(runtime.name, runtime.settings)
    app = FastAPI(
        title=f"tousu {runtime.name}",
        description=DESCRIPTIONS.get(runtime.name, ""),
        version="0.1.0",
        lifespan=_lifespan(runtime),
        # TraceRequests (below) is the request's span. FastAPI ≥ 0.16x would add its own native
        # telemetry once a tracer provider is set: a second SERVER span per request plus spans
        # around dependencies, the endpoint and serialisation, and logs of validation failures
        # (with their input). Off; older FastAPI versions keep the argument in `app.extra`.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.runtime = runtime
    # read again whenever the file changes (auth.py): a token removed from it stops working at once
    app.state.tokens = tokens or TokenRegistry.from_file(runtime.settings.resolved_tokens_file())
    # every service checks the web pages' session cookies against the database (session.py)
    app.state.sessions = Sessions(
        PostgresSessionStore(runtime.engine), runtime.clock, SessionPolicy.from_settings(runtime.settings)
    )
    # and those of people who signed in with the OIDC provider, when one is configured (oidc.py)
    app.state.oidc_signer = oidc.session_signer(runtime.settings)
    install_error_handlers(app)
    # innermost: what no handler answered is a 500 that the metrics and the span see, and that
    # the server never logs with its message (request data)
    app.add_middleware(ContainErrors)
    install_metrics(app, runtime)
    app.include_router(dead_letters_api.router)  # admin: this service's consumers' letters

    _add_health_routes(app, runtime)

    document_errors(app)  # the guard's, the handlers' and auth's answers, on routes added later too
    app.add_middleware(TraceRequests, service=runtime.name)
    # outermost: too large a body or unstorable text is refused before anything reads it
    limit = max_body_bytes or runtime.settings.max_body_bytes or DEFAULT_MAX_BODY_BYTES
    app.add_middleware(RequestGuard, max_bytes=limit)
    # outermost of all: a preflight from the web pages is answered before anything else runs
    install_web_origins(app, runtime.settings)

    return app


def _lifespan(runtime: Runtime) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The runtime (its connections, consumers, relay) starts with the app and stops with it."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    return lifespan


def _add_health_routes(app: FastAPI, runtime: Runtime) -> None:
    @app.get("/healthz", tags=["health"], summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": runtime.name}

    @app.get(
        "/readyz",
        tags=["health"],
        summary="The database and Kafka are reachable",
        responses={
            503: {
                "description": "Not ready: the body names the check that failed.",
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        },
    )
    async def readyz() -> JSONResponse:
        checks = await runtime.readiness()
        ready = all(value == "ok" for value in checks.values())
        return JSONResponse(
            {"ready": ready, "service": runtime.name, **checks}, status_code=200 if ready else 503
        )
