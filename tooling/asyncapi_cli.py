"""`tousu asyncapi`: regenerate docs/asyncapi.json (a test checks the committed one is current)."""

from __future__ import annotations

import argparse
from pathlib import Path

from shared.settings import Settings
from tooling.asyncapi import render


def documented_settings() -> Settings:
    """Default topic names and a placeholder server: the document must not depend on the environment."""
    defaults = {name: field.default for name, field in Settings.model_fields.items()}
    return Settings(**{**defaults, "kafka_bootstrap": "kafka:9092"})


def cmd_asyncapi(args: argparse.Namespace) -> int:
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render(documented_settings()), encoding="utf-8")
    print(f"wrote {output}")
    return 0
