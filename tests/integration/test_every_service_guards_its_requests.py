"""Every service's HTTP API refuses, before reading or parsing it: a body over its size limit
(413, TOUSU_MAX_BODY_BYTES, intake TOUSU_INTAKE_MAX_BODY_BYTES), counted while it arrives when it
declares no length; and a JSON body with text PostgreSQL cannot store (a NUL character, a lone
surrogate) in any field (422 naming the field) — routing's progress note and sla's hold reason
among them, which were 500s. Both with a machine-readable body in English and Chinese."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from services.intake.config import IntakeSettings
from shared.settings import Settings
from tests.support.auth import bearer
from tests.support.auth import test_tokens as tokens_for_tests
from tooling.stack.ports import free_port

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

MIB = 1024 * 1024


def service_app(name: str, settings: Settings) -> FastAPI:
    tokens = tokens_for_tests()
    if name == "intake":
        from services.intake.main import create_app as intake

        return intake(settings, tokens=tokens, config=IntakeSettings())
    if name == "routing":
        from services.routing.main import create_app as routing

        return routing(settings, tokens=tokens)
    if name == "sla":
        from services.sla.main import create_app as sla

        return sla(settings, tokens=tokens)
    if name == "feedback":
        from services.feedback.main import create_app as feedback

        return feedback(settings, tokens=tokens)
    from services.analytics.main import create_app as analytics

    return analytics(settings, tokens=tokens)


SUBMISSION = {
    "channel": "hotline",
    "complainant_kind": "customer",
    "complainant": {"name": "张伟", "phone": "13812345678"},
    "category": "product_quality",
    "subject": "洗衣机漏水",
    "content": "购买两周的洗衣机底部漏水。",
}

# A write of each service's API that carries free text, the caller allowed to make it, the body
# with a NUL in one field, and that field's name.
WRITES: dict[str, tuple[str, str, tuple[str, ...], dict[str, Any], str]] = {
    "intake": ("/v1/complaints", "channel", (), {**SUBMISSION, "content": "漏水\u0000"}, "content"),
    "routing": (
        "/v1/complaints/TS-20260105-000001/progress",
        "agent",
        ("quality",),
        {"note": "已联系客户\u0000", "kind": "update"},
        "note",
    ),
    "sla": (
        "/v1/complaints/TS-20260105-000001/hold",
        "agent",
        ("quality",),
        {"reason": "等待\u0000"},
        "reason",
    ),
    "feedback": (
        "/v1/complaints/TS-20260105-000001/feedback",
        "agent",
        ("customer_service",),
        {"satisfied": True, "score": 5, "comment": "满意\u0000"},
        "comment",
    ),
    "analytics": (
        "/v1/service-volume",
        "operator",
        (),
        {"entries": [{"day": "2026-01-05", "channel": "hotline\u0000", "volume": 10}]},
        "entries.0.channel",
    ),
}
LIMITS = {
    "intake": IntakeSettings().max_body_bytes,
    **dict.fromkeys(("routing", "sla", "feedback", "analytics"), MIB),
}


def method(service: str) -> str:
    return "PUT" if service == "analytics" else "POST"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def database(new_database) -> str:  # type: ignore[no-untyped-def]
    url: str = await new_database()
    return url


async def client_of(name: str, database: str) -> httpx.AsyncClient:
    # not started: no broker, no relay, no consumers; what answers is the HTTP stack itself
    settings = Settings(database_url=database, kafka_bootstrap=f"127.0.0.1:{free_port()}")
    transport = httpx.ASGITransport(app=service_app(name, settings), raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://service")


@pytest.mark.parametrize("service", WRITES)
async def test_a_body_over_the_limit_is_413_before_it_is_read(service: str, database: str) -> None:
    path, role, department, _, _ = WRITES[service]
    limit = LIMITS[service]
    sent = 0

    async def fifty_megabytes() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        nonlocal sent
        for _ in range(50):
            sent += 1
            yield b" " * MIB

    async with await client_of(service, database) as client:
        declared = await client.request(
            method(service), path, content=b" " * (limit + 1), headers=bearer(role, *department)
        )
        streamed = await client.request(
            method(service), path, content=fifty_megabytes(), headers=bearer(role, *department)
        )
    for response in (declared, streamed):
        assert response.status_code == 413, response.text
        body = response.json()
        assert body["error"] == "too_large" and body["max_bytes"] == limit
        assert body["message"] and body["message_zh"]
    assert sent <= limit // MIB + 2  # refused as soon as it was over, not read to the end


@pytest.mark.parametrize("service", WRITES)
async def test_unstorable_text_in_any_field_is_422_naming_it(service: str, database: str) -> None:
    path, role, department, body, field = WRITES[service]
    headers = bearer(role, *department)
    # the same body with half a surrogate pair where the NUL was
    lone_surrogate = httpx.Request("POST", "/", json=body).content.replace(b"\\u0000", b"\\udc80")
    async with await client_of(service, database) as client:
        nul = await client.request(method(service), path, json=body, headers=headers)
        surrogate = await client.request(
            method(service),
            path,
            content=lone_surrogate,
            headers={**headers, "content-type": "application/json"},
        )
    for response in (nul, surrogate):
        assert response.status_code == 422, response.text
        refusal = response.json()
        assert refusal["error"] == "invalid_request"
        assert [(e["field"], e["type"]) for e in refusal["errors"]] == [(field, "invalid_text")]
        assert "\\u0000" in refusal["message"] and "\\u0000" in refusal["message_zh"]
