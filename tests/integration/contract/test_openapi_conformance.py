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

The apps serve on the test's event loop; the generated requests come from a process of its own
(tests/integration/contract/fuzzing.py says why not a thread).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

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


EXAMPLES = int(os.environ.get("TOUSU_SCHEMATHESIS_EXAMPLES", "3"))
"""Per operation and run (valid data, invalid data); the run without a token takes one per four."""

ROOT = Path(__file__).resolve().parents[3]

SERVICES = ("intake", "routing", "sla", "feedback", "analytics")

ADMIN = auth.bearer("admin")


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


async def fuzzed(services: dict[str, str], complaint_no: str) -> tuple[list[str], dict[str, Counter[str]]]:
    """The failures and the requests per run label, from the fuzzing process."""
    job = {"services": services, "complaint_no": complaint_no, "headers": ADMIN, "examples": EXAMPLES}
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.integration.contract.fuzzing",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    out, _ = await child.communicate(json.dumps(job).encode())
    assert child.returncode == 0, f"the fuzzing process failed ({child.returncode}); its stderr is above"
    result = json.loads(out)
    return result["failures"], {name: Counter(calls) for name, calls in result["calls"].items()}


@pytest.mark.timeout(120 + 30 * EXAMPLES)  # a longer hunt gets the time it needs
async def test_every_service_keeps_its_documented_contract(services: dict[str, str]) -> None:
    complaint_no = await submitted_complaint(services["intake"])
    started = time.monotonic()
    failures, counts = await fuzzed({name: services[name] for name in SERVICES}, complaint_no)
    calls = sum(counts.values(), Counter[str]())
    print(f"{sum(calls.values())} requests over {len(calls)} runs in {time.monotonic() - started:.1f}s")
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures)
    assert all(len(counts[name]) > 10 for name in SERVICES), {name: len(c) for name, c in counts.items()}
    for label in ("POST /v1/complaints", "POST /v1/complaints/{complaint_no}/grade"):
        assert {f"{label} (positive)", f"{label} (negative)"} <= set(calls)
