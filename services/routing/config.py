"""Settings of the routing service (environment variables TOUSU_ROUTING_*, and the business calendar's
TOUSU_SLA_CALENDAR_FILE, which it shares with the SLA)."""

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
    calendar_file: Path | None = Field(
        None,
        validation_alias="TOUSU_SLA_CALENDAR_FILE",
        description="The organisation's business calendar, the one the SLA counts on (an objection "
        "to an assignment is due by the end of its working day); default: shared/calendar/calendar.yaml.",
    )
