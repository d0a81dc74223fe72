"""The AsyncAPI document of every topic, generated from the five services' FastStream brokers.

FastStream documents channels and operations from the subscribers and publishers each service
registers. Our subscribers take raw bytes (so that bad input is dead-lettered, not crashed on),
so their message schemas are filled in here from the models they declared; complaint events
document their payload as one of the registered event types.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

from faststream.specification import AsyncAPI
from pydantic import BaseModel

from shared.events import EventRegistry
from shared.messaging.consumer import SUBSCRIBER_SCHEMAS
from shared.settings import SERVICE_NAMES, Settings

REF = "#/components/schemas/{model}"

DESCRIPTION = """tousu 投诉 — the Kafka interface.

* Channels publish new complaints on the **intake** topic (schema IntakeMessage); invalid ones
  are answered with a dead letter naming each bad field.
* Every complaint event is published on the **events** topic, key = complaint number (so one
  complaint's events stay in order), value = the event envelope; headers carry event_id,
  event_type, schema_version, stream_id, stream_version, stream_category and the W3C
  traceparent. The topic also carries the weekly quality inspections' streams
  (stream_category `inspection`, key inspection-<ISO week>): a consumer of complaints passes
  over every stream_category but `complaint`.
* Departments subscribe to the **assignments** topic: key = department code; the same envelope
  for ComplaintAssigned, ComplaintTransferred and ComplaintReopened (to the lead department) and
  CooperationRequested (to each co-operating department, keyed by its own code).
* Messages no consumer could process land on the **dead-letters** topic with the reason and
  the original topic/partition/offset.
* Signed checkpoints of the whole event store go to the **audit checkpoints** topic (schema
  AuditCheckpoint, key `tousu-audit`): auditors keep every message and verify the store
  against them with `tousu audit verify --checkpoint` (docs/audit.md). Deduplicate on
  `sequence`.
Delivery is at-least-once: deduplicate on event_id.
"""


def _add_model(schemas: dict[str, Any], model: type[BaseModel]) -> dict[str, str]:
    schema = model.model_json_schema(ref_template=REF)
    for name, definition in schema.pop("$defs", {}).items():
        schemas.setdefault(name, definition)
    schemas[model.__name__] = schema
    return {"$ref": REF.format(model=model.__name__)}


def _document_event_payloads(schemas: dict[str, Any], registry: EventRegistry) -> None:
    envelope = schemas.get("RecordedEvent")
    if envelope is None:
        return
    earlier = envelope["properties"].get("payload", {}).get("oneOf", [])  # another registry's types
    refs = [*earlier, *(_add_model(schemas, registry.model_for(name)) for name in registry.types())]
    envelope["properties"]["payload"] = {
        "description": "The event's data: the schema named by `type` (and `schema_version`).",
        "oneOf": refs,
    }


def build_document(settings: Settings, services: tuple[str, ...] = SERVICE_NAMES) -> dict[str, Any]:
    from shared.complaints.events import COMPLAINT_EVENTS
    from shared.service.auth import TokenEntry, TokenRegistry

    placeholder = TokenRegistry([TokenEntry(token="documentation-only-token", subject="docs", role="admin")])
    brokers = []
    for name in services:
        module = importlib.import_module(f"services.{name}.main")
        app = module.create_app(settings, tokens=placeholder)
        brokers.append(app.state.runtime.broker)
    spec = AsyncAPI(*brokers, title="tousu", version="0.1.0", description=DESCRIPTION, schema_version="3.0.0")
    document: dict[str, Any] = spec.to_specification().to_jsonable()
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    messages = components.get("messages", {})
    for title, model in SUBSCRIBER_SCHEMAS.items():
        message = messages.get(f"{title}:SubscribeMessage")
        if message is not None:
            message["payload"] = _add_model(schemas, model)
    _document_event_payloads(schemas, COMPLAINT_EVENTS)
    from services.analytics.inspection.events import INSPECTION_EVENTS  # on the events topic too

    _document_event_payloads(schemas, INSPECTION_EVENTS)
    if REF.format(model="EmptyPayload") not in json.dumps(document["components"].get("messages", {})):
        schemas.pop("EmptyPayload", None)  # FastStream's placeholder for our raw subscribers
    return document


def render(settings: Settings) -> str:
    return json.dumps(build_document(settings), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
