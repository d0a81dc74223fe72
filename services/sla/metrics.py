"""The SLA service's figures for GET /metrics: its running clocks and breaches."""

from __future__ import annotations

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.complaints import SlaStage

SLA_OPEN = text(
    "SELECT stage, CASE WHEN breached_at IS NOT NULL THEN 'breached' "
    "WHEN warned_at IS NOT NULL THEN 'warned' ELSE 'on_time' END AS state, count(*) AS n "
    "FROM sla_deadlines WHERE stopped_at IS NULL GROUP BY 1, 2"
)
SLA_BREACHES = text("SELECT stage, count(*) AS n FROM sla_deadlines WHERE breached_at IS NOT NULL GROUP BY 1")
SLA_STAGES = tuple(stage.value for stage in SlaStage)
SLA_STATES = ("on_time", "warned", "breached")


async def sla_metrics(conn: AsyncConnection) -> list[Metric]:
    """The SLA service's deadlines (its table sla_deadlines)."""
    counts = {(row.stage, row.state): int(row.n) for row in await conn.execute(SLA_OPEN)}
    open_ = GaugeMetricFamily(
        "tousu_sla_open_deadlines",
        "Running SLA clocks by stage and state (on_time, warned = past the warning, breached).",
        labels=["stage", "state"],
    )
    for stage in SLA_STAGES:
        for state in SLA_STATES:
            open_.add_metric([stage, state], counts.get((stage, state), 0))
    breached = {row.stage: int(row.n) for row in await conn.execute(SLA_BREACHES)}
    breaches = CounterMetricFamily(
        "tousu_sla_breaches", "SLA deadlines ever breached, by stage.", labels=["stage"]
    )
    for stage in SLA_STAGES:
        breaches.add_metric([stage], breached.get(stage, 0))
    return [open_, breaches]
