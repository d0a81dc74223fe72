"""Every service's OpenAPI documents what the shared layers answer on every operation: 401/403
where a token is required, the request guard's 400/413/422 where a body is taken, 503 when the
database or broker is unavailable, and every error body as a schema (ErrorBody unless the route
declared another), never FastAPI's unused ``{"detail": ...}`` validation schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from shared.settings import Settings
from tests.support import auth
from tests.support.apps import SERVICE_APPS

pytestmark = pytest.mark.unit



def operations(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


@pytest.fixture(scope="module", params=list(SERVICE_APPS))
def openapi(request: pytest.FixtureRequest) -> dict[str, Any]:
    app = SERVICE_APPS[request.param](Settings(), tokens=auth.test_tokens())
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
