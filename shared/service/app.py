"""The HTTP face of a service: FastAPI with health, readiness, tracing and the runtime's lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from asyncpg.exceptions import CharacterNotInRepertoireError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.service.auth import TokenRegistry
from shared.service.logging import setup_logging
from shared.service.metrics import install_metrics
from shared.service.runtime import Runtime
from shared.service.tracing import context_from, setup_tracing, tracer

DESCRIPTIONS = {
    "intake": "Receives complaints from every channel (受理).",
    "routing": "Assigns complaints to departments and serves the departments' work (分类派单, 处理).",
    "sla": "Watches deadlines, warns, records breaches and escalates (时限).",
    "feedback": "Schedules revisits and takes the complainant's feedback (回访).",
    "analytics": "Read models, statistics and the operators' dashboard (统计分析).",
}


def install_error_handlers(app: FastAPI) -> None:
    """Every refusal is a 4xx with a machine-readable body: {"error": code, "message": ...}."""

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

    # A safety net behind each model's own checks: text PostgreSQL cannot store (a NUL character)
    # fails the transaction, which rolls back; the caller gets a 422, never a 500.
    @app.exception_handler(CharacterNotInRepertoireError)
    async def unstorable_text(request: Request, error: Exception) -> JSONResponse:
        return _unstorable()

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, error: DBAPIError) -> JSONResponse:
        # SQLAlchemy's asyncpg adapter wraps the driver's error and keeps its SQLSTATE
        if getattr(error.orig, "sqlstate", None) == CharacterNotInRepertoireError.sqlstate:
            return _unstorable()
        raise error


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
    as much CPU per request as intake's own endpoint (issue 7 profile).
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
    runtime: Runtime, *, tokens: TokenRegistry | None = None, configure_logging: bool = True
) -> FastAPI:
    if configure_logging:
        setup_logging(runtime.name, runtime.settings.log_level)
    setup_tracing(runtime.name, runtime.settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title=f"tousu {runtime.name}",
        description=DESCRIPTIONS.get(runtime.name, ""),
        version="0.1.0",
        lifespan=lifespan,
        # TraceRequests (below) is the request's span. FastAPI ≥ 0.16x would add its own native
        # telemetry once a tracer provider is set: a second SERVER span per request plus spans
        # around dependencies, the endpoint and serialisation, and logs of validation failures
        # (with their input). Off; older FastAPI versions keep the argument in `app.extra`.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.runtime = runtime
    app.state.tokens = tokens or TokenRegistry.from_file(runtime.settings.resolved_tokens_file())
    install_error_handlers(app)
    install_metrics(app, runtime)

    @app.get("/healthz", tags=["health"], summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": runtime.name}

    @app.get("/readyz", tags=["health"], summary="The database and Kafka are reachable")
    async def readyz() -> JSONResponse:
        checks = await runtime.readiness()
        ready = all(value == "ok" for value in checks.values())
        return JSONResponse(
            {"ready": ready, "service": runtime.name, **checks}, status_code=200 if ready else 503
        )

    app.add_middleware(TraceRequests, service=runtime.name)

    return app
