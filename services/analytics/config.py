"""Settings of the analytics service alone (environment variables TOUSU_ANALYTICS_*)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AnalyticsConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOUSU_ANALYTICS_", extra="ignore")

    rebuild_batch: int = Field(
        1000, ge=1, description="Events replayed per transaction by `tousu analytics rebuild`."
    )
    max_page_size: int = Field(100, ge=1, description="Most complaints one page of GET /v1/complaints holds.")
