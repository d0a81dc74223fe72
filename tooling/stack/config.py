"""The environment variables only `tousu up` reads (all prefixed TOUSU_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from tooling.stack.supervisor import RestartPolicy


class UpSettings(BaseSettings):
    """Ports of the embedded servers, and the supervisor's timings."""

    model_config = SettingsConfigDict(env_prefix="TOUSU_", extra="ignore")

    embedded_pg_port: int = Field(
        54329, description="Port of the embedded PostgreSQL (when no DATABASE_URL)."
    )
    embedded_kafka_port: int = Field(9092, description="Port of the tansu broker (when no KAFKA_BOOTSTRAP).")
    up_max_restarts: int = Field(
        5, ge=0, description="Restarts of one service within the window before giving up."
    )
    up_restart_window: float = Field(300.0, gt=0, description="Seconds over which restarts are counted.")
    up_restart_backoff: float = Field(
        1.0, ge=0, description="First restart delay in seconds; doubles each time."
    )
    up_restart_backoff_max: float = Field(30.0, ge=0, description="Longest restart delay in seconds.")
    up_ready_timeout: float = Field(
        60.0, gt=0, description="Seconds each service has to answer /readyz with 200."
    )
    up_infra_timeout: float = Field(
        60.0, gt=0, description="Seconds PostgreSQL and the broker have to answer."
    )
    up_step_timeout: float = Field(300.0, gt=0, description="Seconds migrations and topic creation may take.")
    up_stop_grace: float = Field(10.0, ge=0, description="Seconds between SIGTERM and SIGKILL when stopping.")

    def restart_policy(self) -> RestartPolicy:
        return RestartPolicy(
            max_restarts=self.up_max_restarts,
            window=self.up_restart_window,
            initial_backoff=self.up_restart_backoff,
            max_backoff=self.up_restart_backoff_max,
        )


def load_up_settings() -> UpSettings:
    return UpSettings()
