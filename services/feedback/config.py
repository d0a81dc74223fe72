"""Settings of the feedback service alone (environment variables TOUSU_FEEDBACK_*)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class FeedbackSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOUSU_FEEDBACK_", extra="ignore")

    revisit_hours: float = Field(
        72,
        gt=0,
        le=24 * 90,
        description="The revisit (回访) is due this many hours after the resolution; default 3 days.",
    )
    revisit_department: str = Field(
        "customer_service",
        min_length=1,
        description="The department whose agents work the revisit list and record feedback (客服部).",
    )

    @property
    def revisit_delay(self) -> timedelta:
        return timedelta(hours=self.revisit_hours)
