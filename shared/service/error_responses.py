"""The error answers of every service's HTTP API, documented once.

Every refusal's body is :class:`ErrorBody` (a complaint's rules refusing a command answer the
richer ``CommandRefused``, declared where that happens). Routes name the errors that are theirs
with :func:`error_responses` (404, 409, 429 and their own wording); :func:`document_errors`
adds to every operation of the app what the shared layers answer whatever the route:

- 401 and 403 where the route authenticates (``shared.service.auth``);
- 400 (unparsable body), 413 (body over the limit) where the operation takes a body, and 422
  (request validation, text that cannot be stored) where it takes parameters or a body — the
  request guard (``shared.service.guard``) and the validation handler;
- 503 (database or broker unavailable, with Retry-After) everywhere but the health probes.

FastAPI's own 422 schema (``{"detail": [...]}``) is replaced: the services never answer it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

Responses = dict[int | str, dict[str, Any]]


class FieldProblem(BaseModel):
    """One invalid field of a request."""

    field: str = Field(
        description="The field, dotted: `consent.at`, `attachments.0.name`; empty for the whole body."
    )
    type: str | None = Field(
        None, description="Machine-readable kind, e.g. missing, string_too_long, invalid_text."
    )
    message: str | None = Field(None, description="What is wrong with it, in English.")


class ErrorBody(BaseModel):
    """Any refusal: a stable code and a message; some carry more (``retry_after_seconds``,
    ``max_bytes``, ``errors``)."""

    error: str = Field(
        description="Machine-readable code, e.g. unauthorized, forbidden, not_found, invalid_request, "
        "invalid_body, too_large, database_unavailable, busy (a write kept losing to concurrent writes)."
    )
    message: str = Field(description="What is wrong, in English.")
    message_zh: str | None = Field(None, description="What is wrong, in Simplified Chinese.")
    errors: list[FieldProblem] | None = Field(None, description="Each invalid field (422).")


DESCRIPTIONS: dict[int, str] = {
    400: "The body could not be parsed (not JSON, or not UTF-8).",
    401: "Missing or unknown bearer token, or a session cookie whose session is not live.",
    403: "The caller's role may not do this.",
    404: "Not found.",
    409: "Refused in the current state.",
    413: "The request body is over the service's size limit (`max_bytes`).",
    422: "The request is invalid; `errors` lists each field (text that cannot be stored included).",
    429: "Too many requests; see Retry-After.",
    503: "The database or the broker is unavailable right now; retry after Retry-After seconds.",
}


RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "string"}}
}
"""Sent with every 429 and every 503 of the shared handlers."""


def error_responses(
    *statuses: int,
    described: Mapping[int, str] | None = None,
    models: Mapping[int, type[BaseModel]] | None = None,
) -> Responses:
    """``responses=`` for a route: each status with its model (:class:`ErrorBody` unless
    ``models`` says otherwise) and description (the usual one unless ``described`` has one)."""
    described = described or {}
    models = models or {}
    return {
        status: {
            "model": models.get(status, ErrorBody),
            "description": described.get(status, DESCRIPTIONS.get(status, "Refused.")),
            **({"headers": RETRY_AFTER} if status == 429 else {}),
        }
        for status in dict.fromkeys([*statuses, *described])
    }


UNGUARDED_TAGS = frozenset({"health"})
"""Operations that answer without the database: no 503."""

_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def document_errors(app: FastAPI) -> None:
    """Make ``app.openapi()`` document the shared layers' errors on every operation (see above)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (an OpenAPI document) with the shared errors on each operation, every error's
    body :class:`ErrorBody` unless a route declared another."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(body.pop("$defs", {}))
    components[ErrorBody.__name__] = body
    error_content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            for status in shared_statuses(operation):
                shared = {"description": DESCRIPTIONS[status]}
                responses.setdefault(
                    str(status), {**shared, "headers": RETRY_AFTER} if status == 503 else shared
                )
            if "422" in responses:  # the validation handler's body, never FastAPI's {"detail": ...}
                responses["422"]["content"] = error_content
            for code, response in responses.items():
                if code[0] in "45":
                    content = response.setdefault("content", {})
                    if not content:
                        content.update(error_content)
                    elif "application/json" in content and not content["application/json"].get("schema"):
                        content["application/json"]["schema"] = error_content["application/json"]["schema"]
    used = repr(schema.get("paths"))
    for unused in ("HTTPValidationError", "ValidationError"):
        if f"/{unused}'" not in used:
            components.pop(unused, None)
    return schema


def shared_statuses(operation: dict[str, Any]) -> Iterator[int]:
    """The statuses answered for ``operation`` by the layers every route shares."""
    security: list[dict[str, list[str]]] = operation.get("security", [])
    if security:
        yield 401  # shared.service.auth: no token, or an unknown one
    if any(scopes for requirement in security for scopes in requirement.values()):
        yield 403  # the token's role is not among the required ones (the scopes)
    if "requestBody" in operation:
        yield from (400, 413)  # unparsable; over the guard's limit
    if "requestBody" in operation or operation.get("parameters"):
        yield 422  # request validation; the guard's unstorable text
    if not UNGUARDED_TAGS & set(operation.get("tags", ())):
        yield 503  # the database or broker unavailable (shared.service.app)
