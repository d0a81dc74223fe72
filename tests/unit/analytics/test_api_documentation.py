"""Every field of every response body is described, and the schema names labels zh-CN and en."""

from __future__ import annotations

import inspect

import pytest
from pydantic import BaseModel

from services.analytics.complaints import models
from services.analytics.config import AnalyticsConfig

pytestmark = pytest.mark.unit

RESPONSE_MODELS = [
    value
    for value in vars(models).values()
    if inspect.isclass(value) and issubclass(value, BaseModel) and value.__module__ == models.__name__
]


@pytest.mark.parametrize("model", [*RESPONSE_MODELS, AnalyticsConfig], ids=lambda m: m.__name__)
def test_every_field_has_a_description(model: type[BaseModel]) -> None:
    undocumented = [name for name, field in model.model_fields.items() if not field.description]
    assert undocumented == []


def test_labels_are_serialised_with_their_language_tags() -> None:
    label = models.Label(zh_cn="已结案", en="Closed")
    assert label.model_dump(mode="json") == {"zh-CN": "已结案", "en": "Closed"}
    assert set(models.Label.model_json_schema(by_alias=True)["properties"]) == {"zh-CN", "en"}
