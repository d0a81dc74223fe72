"""Every service's OpenAPI documents what the shared layers answer on every operation: 401/403
where a token is required, the request guard's 400/413/422 where a body is taken, 503 when the
database or broker is unavailable, and every error body as a schema (ErrorBody unless the route
declared another), never FastAPI's unused ``{"detail": ...}`` validation schema."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from services.analytics.main import create_app as analytics_app
from services.feedback.main import create_app as feedback_app
from services.intake.main import create_app as intake_app
from services.routing.main import create_app as routing_app
from services.sla.main import create_app as sla_app
from shared.settings import Settings
from tests.support import auth

pytestmark = pytest.mark.unit

APPS: dict[str, Callable[..., FastAPI]] = {
    "intake": intake_app,
    "routing": routing_app,
    "sla": sla_app,
    "feedback": feedback_app,
    "analytics": analytics_app,
}


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


@pytest.fixture(scope="module", params=list(APPS))
def openapi(request: pytest.FixtureRequest) -> dict[str, Any]:
    app = APPS[request.param](Settings(), tokens=auth.test_tokens())
    schema: dict[str, Any] = app.openapi()
    return schema


def test_guarded_operations_document_401_and_403(openapi: dict[str, Any]) -> None:
    guarded = [(label, op) for label, op in operations(openapi) if op.get("security")]
    assert guarded
    for label, operation in guarded:
        assert "401" in operation["responses"], label
        if any(scopes for requirement in operation["security"] for scopes in requirement.values()):
            assert "403" in operation["responses"], label


def test_the_guards_statuses_are_documented(openapi: dict[str, Any]) -> None:
    for label, operation in operations(openapi):
        responses = operation["responses"]
        if "requestBody" in operation:
            assert {"400", "413", "422"} <= set(responses), label
        if "health" not in operation.get("tags", ()):
            assert "503" in responses, label


def test_every_json_error_has_a_schema(openapi: dict[str, Any]) -> None:
    assert "ErrorBody" in openapi["components"]["schemas"]
    assert "HTTPValidationError" not in openapi["components"]["schemas"]
    for label, operation in operations(openapi):
        for status, response in operation["responses"].items():
            if status[0] in "45" and "application/json" in response.get("content", {}):
                assert response["content"]["application/json"].get("schema"), f"{label} {status}"
        if "422" in operation["responses"]:
            schema = operation["responses"]["422"]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorBody"}, label
