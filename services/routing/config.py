"""Settings of the routing service alone (environment variables TOUSU_ROUTING_*)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RoutingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOUSU_ROUTING_", extra="ignore")

    rules_file: Path | None = Field(
        None,
        description="The routing rule table (YAML); default: services/routing/rules.yaml in the package.",
    )
