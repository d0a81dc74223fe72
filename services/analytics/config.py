"""Settings of the analytics service alone (environment variables TOUSU_ANALYTICS_*)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.analytics.kpis.targets import Kpi, Target


class AnalyticsConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOUSU_ANALYTICS_", extra="ignore")

    rebuild_batch: int = Field(
        1000, ge=1, description="Events replayed per transaction by `tousu analytics rebuild`."
    )
    max_page_size: int = Field(100, ge=1, description="Most complaints one page of GET /v1/complaints holds.")
    targets: dict[Kpi, Target] = Field(
        default_factory=dict,
        description="KPI targets overriding the defaults of services/analytics/kpis/targets.py, as JSON, "
        'e.g. {"satisfaction": {"value": 85, "direction": "at_least", "amber_margin": 5}}.',
    )
    backlog_age_edges_hours: list[int] = Field(
        default_factory=lambda: [24, 72, 168],
        min_length=1,
        description="Upper bounds (hours, ascending) of the backlog age buckets; one more bucket holds "
        "the older ones.",
    )
    kpi_max_days: int = Field(400, ge=1, description="Longest range (days) one GET /v1/kpis may cover.")
    live_keepalive_seconds: float = Field(
        15, gt=0, description="Seconds between keep-alive comments on the dashboard's event stream."
    )
    live_session_check_seconds: float = Field(
        5,
        gt=0,
        le=60,
        description="How often an event stream opened with the session cookie asks whether its session "
        "is still live; it ends within this long of a sign-out, revocation or expiry.",
    )
    session_prune_interval_seconds: float = Field(
        3600,
        gt=0,
        description="How often the web pages' sessions that expired over 30 days ago are deleted.",
    )
    inspection_ratio: float = Field(
        0.1, gt=0, le=1, description="Share of a week's closed complaints drawn for quality inspection."
    )
    inspection_schedule: bool = Field(
        False,
        description="Draw last week's inspection sample automatically (checked hourly; a week already "
        "drawn is left alone). Off by default: operators draw with POST /v1/inspections/{week}/draw.",
    )
    scorecard_file: Path | None = Field(
        None, description="Department scorecard rules (YAML); default: the packaged scorecard.yaml."
    )
