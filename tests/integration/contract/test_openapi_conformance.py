"""Schemathesis over the OpenAPI of all five services, against the real apps (uvicorn on real
ports), a real PostgreSQL and a real broker: no 5xx, every status documented, every body and
content type as documented.

Each operation runs twice with an admin's token (admins may do everything, so the operations
are exercised rather than refused): with data that matches the schema, then with data that
does not. Then once without a token, where every answer must be a documented refusal. A path's
complaint number is, half of the time, that of a complaint submitted at the start, so the
commands meet a complaint and its rules rather than only 404s.

Bounded: few examples per operation, derandomised, no shrinking; under a minute for all five
services, start-up included. TOUSU_SCHEMATHESIS_EXAMPLES raises the count for a longer hunt.

The generated requests are blocking calls, made in a worker thread while the apps serve on the
test's event loop.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import pkgutil
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
import pytest_asyncio
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import ignored_auth, negative_data_rejection, positive_data_acceptance

from services.analytics.main import create_app as analytics_app
from services.feedback.main import create_app as feedback_app
from services.intake.config import IntakeSettings
from services.intake.main import create_app as intake_app
from services.routing.main import create_app as routing_app
from services.sla.main import create_app as sla_app
from shared.messaging.topics import ensure_topics
from tests.support import auth
from tests.support.serving import served
from tests.support.settings import settings_for

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def _import_schemathesis_now() -> None:
    """Every schemathesis module, on the main thread while the test module loads.

    schemathesis imports most of itself lazily, and pytest rewrites the asserts of a plugin's
    modules as they are imported; parsed in the worker thread below, CPython 3.11 now and then
    fails with "SystemError: AST constructor recursion depth mismatch". Imported here, nothing
    is left to import (or parse) in that thread.
    """
    for info in pkgutil.walk_packages(schemathesis.__path__, "schemathesis."):
        if info.name.startswith("schemathesis.reporting.allure"):
            continue  # needs the optional allure package
        importlib.import_module(info.name)


_import_schemathesis_now()

EXAMPLES = int(os.environ.get("TOUSU_SCHEMATHESIS_EXAMPLES", "3"))
"""Per operation and run (valid data, invalid data); the run without a token takes one per four."""

SERVICES = ("intake", "routing", "sla", "feedback", "analytics")

ADMIN = auth.bearer("admin")

ENDLESS = frozenset({"/v1/live"})
"""Event streams: they answer a caller with a token forever (tests/integration/analytics cover
them); only their refusal without a token is run here."""


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def services(new_database, kafka_backend) -> AsyncIterator[dict[str, str]]:  # type: ignore[no-untyped-def]
    """The five services on one database and one broker, as `tousu up` runs them."""
    service_settings = settings_for(await new_database(), kafka_backend)
    await ensure_topics(service_settings)
    tokens = auth.test_tokens()
    apps = {
        # no rate limit: the run is about what the API answers, not how often it may be asked
        "intake": intake_app(
            service_settings,
            tokens=tokens,
            config=IntakeSettings(rate_per_minute=1_000_000, rate_burst=1_000_000),
        ),
        "routing": routing_app(service_settings, tokens=tokens),
        "sla": sla_app(service_settings, tokens=tokens),
        "feedback": feedback_app(service_settings, tokens=tokens),
        "analytics": analytics_app(service_settings, tokens=tokens),
    }
    async with AsyncExitStack() as stack:
        urls = dict(
            zip(
                apps,
                await asyncio.gather(*(stack.enter_async_context(served(app)) for app in apps.values())),
                strict=True,
            )
        )
        yield urls


async def submitted_complaint(intake_url: str) -> str:
    async with httpx.AsyncClient(base_url=intake_url, headers=ADMIN) as client:
        response = await client.post(
            "/v1/complaints",
            json={
                "channel": "hotline",
                "complainant_kind": "customer",
                "complainant": {"name": "张伟", "phone": "13900000001"},
                "category": "product_quality",
                "subject": "洗衣机漏水",
                "content": "购买两周的洗衣机底部漏水。",
            },
        )
    assert response.status_code == 202, response.text
    number: str = response.json()["complaint_no"]
    return number


def fuzz(url: str, complaint_no: str, calls: Counter[str]) -> list[str]:
    """Every operation of the service at ``url``: with a token (valid data, then invalid data),
    then without one; returns the failures, counts the requests in ``calls``."""
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    failures: list[str] = []
    runs = [
        (GenerationMode.POSITIVE, ADMIN, EXAMPLES),
        (GenerationMode.NEGATIVE, ADMIN, EXAMPLES),
        (GenerationMode.POSITIVE, {}, max(1, EXAMPLES // 4)),
    ]
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]
        for mode, headers, examples in runs:
            if operation.path in ENDLESS and headers:
                continue
            label = f"{operation.label} ({mode.value}{', no token' if not headers else ''})"
            try:
                run(operation, mode, (url, headers), examples, complaint_no, (calls, label))
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # nothing to get wrong (no parameters, no body)
            # schemathesis raises its failures as a BaseExceptionGroup; collect them all: one run
            # shows every broken operation
            except (Exception, BaseExceptionGroup) as failure:
                failures.append(f"{label}: {failure} {getattr(failure, 'exceptions', '')!r}")
    return failures


def run(
    operation: Any,
    mode: GenerationMode,
    target: tuple[str, dict[str, str]],
    examples: int,
    complaint_no: str,
    counter: tuple[Counter[str], str],
) -> None:
    url, headers = target
    calls, label = counter

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), known=st.booleans())
    def check(case: Any, known: bool) -> None:
        if known and mode is GenerationMode.POSITIVE and "complaint_no" in (case.path_parameters or {}):
            case.path_parameters["complaint_no"] = complaint_no
        response = case.call(base_url=url, headers=headers, timeout=10)
        calls[label] += 1
        assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code}"
        # Rules the schema cannot express (anonymity, fields required per channel, a range's
        # order) answer a documented 422: schema-valid data may be refused, so that check is off.
        # Invalid query values often are valid once sent: a query string carries only text (an
        # array of numbers arrives as an array of strings), so the acceptance of "invalid" data
        # is not checked either; the "invalid" requests still must answer as documented.
        # Whether a token is enforced is the run without one (ignored_auth would resend every
        # request without it: a third more requests).
        case.validate_response(
            response,
            headers=headers,
            excluded_checks=[positive_data_acceptance, negative_data_rejection, ignored_auth],
        )

    check()


@pytest.mark.timeout(120 + 30 * EXAMPLES)  # a longer hunt gets the time it needs
async def test_every_service_keeps_its_documented_contract(services: dict[str, str]) -> None:
    complaint_no = await submitted_complaint(services["intake"])
    counts: dict[str, Counter[str]] = {name: Counter() for name in SERVICES}
    started = time.monotonic()
    # one service after the other in one thread: hypothesis and schemathesis are not safe to
    # run in several threads at once (lazy imports, source inspection)
    results = await asyncio.to_thread(
        lambda: [fuzz(services[name], complaint_no, counts[name]) for name in SERVICES]
    )
    calls = sum(counts.values(), Counter[str]())
    print(f"{sum(calls.values())} requests over {len(calls)} runs in {time.monotonic() - started:.1f}s")
    failures = [failure for result in results for failure in result]
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures)
    assert all(len(counts[name]) > 10 for name in SERVICES), {name: len(c) for name, c in counts.items()}
    for label in ("POST /v1/complaints", "POST /v1/complaints/{complaint_no}/grade"):
        assert {f"{label} (positive)", f"{label} (negative)"} <= set(calls)
