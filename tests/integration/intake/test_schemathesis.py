"""Schemathesis over the intake OpenAPI: every operation, with a valid token, against the real app
(uvicorn on a real port) and a real PostgreSQL. No 5xx, and every response conforms to the
document (status codes, content types, bodies).

The generated requests run in a worker thread (schemathesis calls are blocking) while the app
serves on the test's event loop. Examples are limited per operation to stay well under a minute.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from services.intake.config import IntakeSettings
from services.intake.main import create_app
from shared.messaging.topics import ensure_topics
from tests.support import auth
from tests.support.running import eventually
from tests.support.settings import settings_for

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

EXAMPLES_PER_OPERATION = int(os.environ.get("TOUSU_SCHEMATHESIS_EXAMPLES", "25"))
"""Per operation and generation mode (valid, then invalid data); raise it for a longer hunt."""


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def intake_url(new_database, kafka_backend) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    service_settings = settings_for(await new_database(), kafka_backend)
    await ensure_topics(service_settings)
    # no rate limit here: the run is about what the API answers, not how often it may be asked
    config = IntakeSettings(rate_per_minute=1_000_000, rate_burst=1_000_000)
    app = create_app(service_settings, tokens=auth.test_tokens(), config=config)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with httpx.AsyncClient(base_url=url) as client:

            async def ready() -> bool:
                try:
                    return (await client.get("/readyz")).status_code == 200
                except httpx.HTTPError:
                    return False

            await eventually(ready, timeout=30, what="intake ready")
        yield url
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=15)
        sock.close()


def fuzz(url: str, calls: Counter[str]) -> list[str]:
    """Run every operation (counting the requests in ``calls``); return the failures."""
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    headers = auth.bearer("supervisor")  # may submit on every channel, regrade and merge
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for mode in GenerationMode:
            try:
                run(operation, mode, url, headers, calls)
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # nothing to get wrong (no parameters, no body)
            except Exception as failure:  # collect them all: one run shows every broken operation
                failures.append(f"{operation.label} ({mode.value}): {failure}")
    return failures


def run(operation: Any, mode: GenerationMode, url: str, headers: dict[str, str], calls: Counter[str]) -> None:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: Any) -> None:
        response = case.call(base_url=url, headers=headers, timeout=10)
        calls[f"{operation.label} ({mode.value})"] += 1
        assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code}"
        # Cross-field rules the schema cannot express (anonymity, required fields per channel)
        # answer a documented 422: schema-valid data may be refused, so that check is off.
        case.validate_response(response, headers=headers, excluded_checks=[positive_data_acceptance])

    check()


async def test_no_operation_answers_5xx_or_breaks_its_contract(intake_url: str) -> None:
    calls: Counter[str] = Counter()
    failures = await asyncio.to_thread(fuzz, intake_url, calls)
    assert not failures, "\n\n".join(failures)
    print(dict(calls))
    for label in ("POST /v1/complaints", "POST /v1/complaints/{complaint_no}/grade"):
        assert {f"{label} (positive)", f"{label} (negative)"} <= set(calls)
    assert "POST /v1/complaints/{complaint_no}/merge (negative)" in calls
