"""Every field of every response body is described, and the schema names labels zh-CN and en."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from importlib.util import find_spec

import pytest
from pydantic import BaseModel

import services.analytics
from services.analytics.complaints import models
from services.analytics.config import AnalyticsConfig

pytestmark = pytest.mark.unit

MODEL_MODULES = [
    importlib.import_module(f"{package.name}.models")
    for package in pkgutil.iter_modules(services.analytics.__path__, "services.analytics.")
    if package.ispkg and find_spec(f"{package.name}.models") is not None
]
"""Every read model's models.py (complaints, kpis, insights, inspection, scorecards, attention)."""

RESPONSE_MODELS = [
    value
    for module in MODEL_MODULES
    for value in vars(module).values()
    if inspect.isclass(value) and issubclass(value, BaseModel) and value.__module__ == module.__name__
]


@pytest.mark.parametrize("model", [*RESPONSE_MODELS, AnalyticsConfig], ids=lambda m: m.__name__)
def test_every_field_has_a_description(model: type[BaseModel]) -> None:
    undocumented = [name for name, field in model.model_fields.items() if not field.description]
    assert undocumented == []


def test_labels_are_serialised_with_their_language_tags() -> None:
    label = models.Label(zh_cn="已结案", en="Closed")
    assert label.model_dump(mode="json") == {"zh-CN": "已结案", "en": "Closed"}
    assert set(models.Label.model_json_schema(by_alias=True)["properties"]) == {"zh-CN", "en"}


def test_every_read_model_with_an_api_has_its_models_checked() -> None:
    assert {module.__name__.split(".")[2] for module in MODEL_MODULES} >= {
        "complaints",
        "kpis",
        "insights",
        "inspection",
        "scorecards",
        "attention",
    }
