"""The committed AsyncAPI document is the one the services generate, and it explains every field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tooling.asyncapi import render
from tooling.asyncapi_cli import documented_settings

pytestmark = pytest.mark.unit

COMMITTED = Path(__file__).resolve().parents[3] / "docs" / "asyncapi.json"


def test_the_committed_document_is_current() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render(documented_settings()), (
        "docs/asyncapi.json is out of date: run `tousu asyncapi`"
    )


def test_every_topic_and_message_field_is_explained() -> None:
    document = json.loads(COMMITTED.read_text(encoding="utf-8"))
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == {
        "tousu.intake.submissions",
        "tousu.complaint.events",
        "tousu.department.assignments",
        "tousu.dead-letters",
        "tousu.service.volume",
        "tousu.audit.checkpoints",
    }
    assert all(channel.get("description") for channel in document["channels"].values())
    schemas = document["components"]["schemas"]

    def explained(spec: dict[str, object]) -> bool:
        # pydantic leaves out a field's description when it repeats the referenced type's own
        ref = str(spec.get("$ref", "")).rsplit("/", 1)[-1]
        return bool(spec.get("description")) or bool(ref and schemas.get(ref, {}).get("description"))

    undocumented = [
        f"{name}.{field}"
        for name, schema in schemas.items()
        for field, spec in schema.get("properties", {}).items()
        if not explained(spec)
    ]
    assert undocumented == []
