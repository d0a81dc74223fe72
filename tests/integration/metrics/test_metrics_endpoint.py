"""GET /metrics of a running service (sla): Prometheus text with consumer, relay, outbox,
SLA deadline and HTTP figures, no token needed."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from services.sla.config import SlaConfig
from services.sla.main import create_app
from shared.clock import FakeClock
from shared.complaints import Grade
from shared.messaging.topics import ensure_topics
from shared.service.runtime import Runtime
from tests.builders import T0
from tests.conftest import DatabaseFactory
from tests.integration.sla.support import WALL_CLOCK_POLICY, Complaints, sla_settings
from tests.support.auth import test_tokens as tokens_for_tests
from tests.support.backends import Backend
from tests.support.running import eventually, running

pytestmark = pytest.mark.integration

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


async def test_a_running_service_exports_its_figures(
    new_database: DatabaseFactory, kafka_backend: Backend
) -> None:
    settings = sla_settings(await new_database(), kafka_backend)
    await ensure_topics(settings)
    clock = FakeClock(T0)
    app = create_app(
        settings,
        clock,
        tokens_for_tests(),
        config=SlaConfig(policy_file=WALL_CLOCK_POLICY),
        fire_in_background=False,
    )
    async with running(app) as client:
        runtime: Runtime = app.state.runtime
        complaints = Complaints(runtime.store, clock)
        await complaints.receive(Grade.GENERAL)
        await complaints.receive(Grade.GENERAL)

        async def clocks_running() -> Samples | None:
            samples = await scrape(client)
            on_time = value(samples, "tousu_sla_open_deadlines", stage="resolution", state="on_time")
            # the consumer counts a batch once its commit returned, a moment after the rows show
            handled = value(samples, "tousu_consumer_messages_total", consumer="sla", outcome="processed")
            return samples if on_time == 2 and handled == 2 else None

        samples = await eventually(clocks_running, timeout=20, what="two resolution clocks in /metrics")
        assert value(samples, "tousu_consumer_messages_total", consumer="sla", outcome="processed") == 2
        assert value(samples, "tousu_consumer_messages_total", consumer="sla", outcome="dead_lettered") == 0
        assert value(samples, "tousu_relay_published_total") == 2
        assert value(samples, "tousu_relay_leader") == 1
        assert value(samples, "tousu_outbox_backlog") == 0
        assert value(samples, "tousu_eventstore_last_position") == 2
        assert value(samples, "tousu_metrics_database_up") == 1
        lags = [v for (name, _), v in samples.items() if name == "tousu_consumer_lag"]
        assert lags and all(v == 0 for v in lags)

        # both clocks breach: shown as open-and-breached, and as breaches ever recorded
        clock.advance(timedelta(hours=80))
        await app.state.firer.fire_due()
        samples = await scrape(client)
        assert value(samples, "tousu_sla_breaches_total", stage="resolution") == 2
        assert value(samples, "tousu_sla_open_deadlines", stage="resolution", state="breached") == 2
        assert value(samples, "tousu_sla_open_deadlines", stage="resolution", state="on_time") == 0

        # HTTP: requests are counted by route template and status, unauthenticated ones too
        assert (await client.get("/v1/deadlines")).status_code == 401
        samples = await scrape(client)
        assert (
            value(samples, "tousu_http_requests_total", method="GET", route="/v1/deadlines", status="401")
            == 1
        )
        assert (
            value(samples, "tousu_http_requests_total", method="GET", route="/readyz", status="200") or 0
        ) >= 1
        assert (
            value(samples, "tousu_http_request_duration_seconds_count", method="GET", route="/metrics") or 0
        ) >= 1
