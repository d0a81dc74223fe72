from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import pytest_asyncio

from services.intake.main import create_app
from shared.messaging.topics import ensure_topics
from shared.settings import Settings
from tests.support.auth import test_tokens
from tests.support.running import running
from tests.support.settings import settings_for


@dataclass
class Intake:
    client: httpx.AsyncClient
    settings: Settings
    app: object


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def intake(new_database, kafka_backend) -> AsyncIterator[Intake]:  # type: ignore[no-untyped-def]
    settings = settings_for(await new_database(), kafka_backend)
    await ensure_topics(settings)
    app = create_app(settings, tokens=test_tokens())
    async with running(app) as client:
        yield Intake(client, settings, app)


@pytest.fixture
def submission() -> dict[str, object]:
    return {
        "channel": "hotline",
        "complainant_kind": "customer",
        "complainant": {"name": "张伟", "phone": "13812345678"},
        "category": "product_quality",
        "subject": "洗衣机漏水",
        "content": "购买两周的洗衣机底部漏水。",
        "product_refs": ["WM-2031"],
    }
