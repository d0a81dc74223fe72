"""A method a path does not document is a 405 on every service, whoever asks: never a 403 or a
422 from another route whose parameter happens to match the path (DELETE
/v1/complainants/lookup once reached the erasure route with "lookup" as the complainant's id).
Answered before any route runs: the apps are not started."""

from __future__ import annotations

import re

import httpx
import pytest

from shared.settings import Settings
from tests.support import auth
from tests.support.apps import SERVICE_APPS

pytestmark = [pytest.mark.unit, pytest.mark.asyncio]


METHODS = ("get", "post", "put", "patch", "delete")

VALUES = {
    "complaint_no": "TS-20260101-000001",
    "complainant_id": "5f0c6c8e-8f5e-4d8a-9a57-1f3f2f3c9b10",
    "letter_id": "1",
    "week": "2026-W01",
    "stage": "resolution",
}


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: VALUES.get(m.group(1), "quality"), path)


@pytest.mark.parametrize("service", list(SERVICE_APPS))
async def test_every_undocumented_method_is_405(service: str) -> None:
    app = SERVICE_APPS[service](Settings(), tokens=auth.test_tokens())
    wrong: list[str] = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        for path, item in app.openapi()["paths"].items():
            for method in METHODS:
                if method in item:
                    continue
                for role in ("admin", "channel"):  # allowed everything; allowed least
                    response = await client.request(
                        method.upper(), concrete(path), headers=auth.bearer(role), json={}
                    )
                    if response.status_code != 405:
                        wrong.append(f"{method.upper()} {path} as {role}: {response.status_code}")
    assert not wrong
