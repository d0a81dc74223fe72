"""Settings of the sla service alone, from TOUSU_SLA_* environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SlaConfig(BaseSettings):
    """TOUSU_SLA_POLICY_FILE, TOUSU_SLA_CALENDAR_FILE, TOUSU_SLA_TICK_SECONDS, TOUSU_SLA_BATCH_SIZE."""

    model_config = SettingsConfigDict(env_prefix="TOUSU_SLA_", extra="ignore")

    policy_file: Path | None = Field(
        None, description="YAML SLA policy replacing the packaged services/sla/policy.yaml."
    )
    calendar_file: Path | None = Field(
        None, description="YAML business calendar replacing the packaged shared/calendar/calendar.yaml."
    )
    tick_seconds: float = Field(1.0, gt=0, description="How often the fire loop looks for due timers.")
    batch_size: int = Field(
        100, ge=1, le=10_000, description="Timers fired per transaction; memory stays bounded by it."
    )
