"""Every service's request guard: a body over the limit is a 413 (declared or counted while it
arrives); a JSON body holding text PostgreSQL cannot store (NUL, a lone surrogate) is a 422
naming the field; anything else reaches the route unchanged."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from shared.service.guard import RequestGuard

pytestmark = pytest.mark.unit

LIMIT = 2048


def guarded_echo() -> FastAPI:
    app = FastAPI()

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, Any]:
        body = await request.body()
        return {"length": len(body), "body": body.decode("utf-8", "replace")}

    app.add_middleware(RequestGuard, max_bytes=LIMIT)
    return app


async def post(content: bytes | AsyncIterator[bytes], **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=guarded_echo())
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        return await client.post("/echo", content=content, headers=headers)


async def test_a_declared_length_over_the_limit_is_413() -> None:
    response = await post(b"x" * (LIMIT + 1))
    assert response.status_code == 413
    assert response.json() == {
        "error": "too_large",
        "message": f"the request body exceeds {LIMIT} bytes",
        "message_zh": f"请求内容超过 {LIMIT} 字节上限",
        "max_bytes": LIMIT,
    }


async def test_a_body_without_a_length_is_counted_as_it_arrives() -> None:
    async def chunks(count: int) -> AsyncIterator[bytes]:
        for _ in range(count):
            yield b"y" * 1000

    assert (await post(chunks(3))).status_code == 413
    fits = await post(chunks(2))
    assert fits.status_code == 200 and fits.json()["length"] == 2000


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"note": "a\\u0000b"}', "note"),
        ('{"consent": {"via": "phone", "note": "\\u0000"}}', "consent.note"),
        ('{"attachments": [{"name": "ok"}, {"name": "x\\u0000.jpg"}]}', "attachments.1.name"),
        ('{"reason": "half a pair \\ud83d here"}', "reason"),
        ('{"reason": "\\uDFFF"}', "reason"),
        ('{"a\\u0000": 1}', "a\x00"),
        ('"\\u0000"', "body"),
    ],
    ids=["NUL", "nested", "in a list", "lone high surrogate", "lone low surrogate", "in a key", "top level"],
)
async def test_unstorable_text_is_422_naming_the_field(body: str, field: str) -> None:
    response = await post(body.encode(), **{"content-type": "application/json"})
    assert response.status_code == 422, response.text
    refusal = response.json()
    assert refusal["error"] == "invalid_request"
    assert refusal["message"] and refusal["message_zh"]
    assert refusal["errors"] == [{"field": field, "type": "invalid_text", "message": refusal["message"]}]


@pytest.mark.parametrize(
    "body",
    [
        '{"note": "已联系客户 \\ud83d\\ude00"}',  # an escaped emoji: a valid surrogate pair
        '{"note": "a literal backslash-u: \\\\u0000"}',
        '{"note": "\\u4e2d\\u6587"}',
        '{"note": "\\u0000',  # not JSON: the route answers it in its own words
    ],
    ids=["surrogate pair", "escaped backslash", "escaped CJK", "not JSON"],
)
async def test_storable_or_unparsable_bodies_reach_the_route_unchanged(body: str) -> None:
    response = await post(body.encode(), **{"content-type": "application/json"})
    assert response.status_code == 200, response.text
    assert response.json()["body"] == body


async def test_the_refusal_is_valid_json_with_the_field() -> None:
    response = await post(json.dumps({"text": "\x00"}).encode())
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)
