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

    link_days: float = Field(
        7,
        gt=0,
        le=90,
        description="A questionnaire link (问卷回访) expires this many days after it was issued.",
    )
    public_url: str | None = Field(
        None,
        max_length=500,
        pattern=r"^https?://[^\s]+$",
        description="Where complainants reach this service (e.g. https://survey.example.com), for the "
        "questionnaire links; default the address the issuing request came to.",
    )

    @property
    def link_ttl(self) -> timedelta:
        return timedelta(days=self.link_days)

    @property
    def revisit_delay(self) -> timedelta:
        return timedelta(hours=self.revisit_hours)
