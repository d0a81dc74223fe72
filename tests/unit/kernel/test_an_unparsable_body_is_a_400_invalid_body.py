"""A body FastAPI cannot even parse (bytes that are not UTF-8 under a JSON content type) is the
documented 400 with a machine-readable code, not the generic ``error``."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from shared.service.app import install_error_handlers
from shared.service.error_responses import ErrorBody

pytestmark = [pytest.mark.unit, pytest.mark.asyncio]


class Note(BaseModel):
    text: str


async def test_the_400_names_invalid_body() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/notes")
    async def post_note(note: Note) -> dict[str, str]:
        return {"text": note.text}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.post(
            "/notes", content=b"\x1e\xff\xfe)", headers={"content-type": "application/json"}
        )
    assert response.status_code == 400
    body = ErrorBody.model_validate(response.json())
    assert body.error == "invalid_body"
