"""Settings of the intake service alone (environment variables TOUSU_INTAKE_*)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.intake.window import DEFAULT_MAX_AGE, DEFAULT_MAX_SKEW, ReceivedWindow


class IntakeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOUSU_INTAKE_", extra="ignore")

    grading_file: Path | None = Field(
        None,
        description="The grading and required-fields policy (YAML); default: services/intake/grading.yaml.",
    )
    risk_file: Path | None = Field(
        None,
        description="Risk rules (YAML) for the PR owner; default: services/intake/risk.yaml.",
    )
    max_body_bytes: int = Field(
        256 * 1024, ge=1024, description="Largest accepted request body; larger ones get 413."
    )
    rate_per_minute: float = Field(
        120, gt=0, description="Submissions per minute each token may send, on average (token bucket)."
    )
    rate_burst: int = Field(30, ge=1, description="Submissions a token may send at once (bucket size).")
    smtp_port: int | None = Field(
        None,
        ge=1,
        le=65535,
        description="Port of the email channel's SMTP listener; unset: no email channel.",
    )
    smtp_address: str = Field(
        "complaints@localhost", description="The complaints address: the only recipient the listener accepts."
    )
    smtp_relay: str | None = Field(
        None, description="host:port of an outbound SMTP server for acknowledgement emails to senders."
    )
    smtp_max_bytes: int = Field(10 * 1024 * 1024, ge=1024, description="Largest email accepted (bytes).")
    correction_hours: float = Field(
        24, gt=0, description="How long a channel has to correct a submission returned for missing fields."
    )
    received_max_age_days: int = Field(
        DEFAULT_MAX_AGE.days,
        ge=1,
        le=3650,
        description="How long ago a channel may say a complaint was received (received_at); older "
        "ones are refused (422 received_at_too_old) and come in as history through `tousu import`.",
    )
    received_max_skew_seconds: int = Field(
        int(DEFAULT_MAX_SKEW.total_seconds()),
        ge=0,
        le=3600,
        description="How far ahead of intake's clock a received_at may be (clock skew); later ones are "
        "refused (422 received_at_in_future).",
    )
    correction_tick_seconds: float = Field(
        5, gt=0, description="How often intake looks for returned submissions whose correction lapsed."
    )

    def received_window(self) -> ReceivedWindow:
        return ReceivedWindow(
            max_age=timedelta(days=self.received_max_age_days),
            max_skew=timedelta(seconds=self.received_max_skew_seconds),
        )
