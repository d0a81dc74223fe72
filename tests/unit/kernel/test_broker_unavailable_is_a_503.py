"""A request that needs the broker while it cannot be reached (no connection, no leader, timed
out) is a 503 with Retry-After, like an unreachable database; other Kafka errors stay 500s.
(No request of today's APIs needs the broker: writes go to the outbox, see
tests/integration/test_a_broker_outage_fails_no_write.py.)"""

from __future__ import annotations

import httpx
import pytest
from aiokafka import errors
from fastapi import FastAPI

from shared.service.app import RETRY_AFTER_SECONDS, broker_unavailable, install_error_handlers

pytestmark = pytest.mark.unit

UNAVAILABLE = {
    "no connection": errors.KafkaConnectionError("Unable to bootstrap from [('127.0.0.1', 9)]"),
    "no brokers": errors.NoBrokersAvailable(),
    "node not ready": errors.NodeNotReadyError(),
    "request timed out": errors.RequestTimedOutError(),
    "timed out waiting": errors.KafkaTimeoutError(),
    "no leader": errors.LeaderNotAvailableError(),
}


def app_raising(error: Exception) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/publish")
    async def publish() -> None:
        raise error

    return app


async def post(app: FastAPI) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        return await client.post("/publish")


@pytest.mark.parametrize("error", UNAVAILABLE.values(), ids=UNAVAILABLE.keys())
async def test_an_unreachable_broker_is_a_503_with_retry_after(error: Exception) -> None:
    assert broker_unavailable(error)
    response = await post(app_raising(error))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.json() == {
        "error": "broker_unavailable",
        "message": "the broker is unavailable right now; retry after the Retry-After seconds",
        "message_zh": "消息服务暂时不可用，请稍后重试",
        "retry_after_seconds": RETRY_AFTER_SECONDS,
    }


@pytest.mark.parametrize(
    "error",
    [errors.MessageSizeTooLargeError(), errors.TopicAuthorizationFailedError(), errors.ProducerClosed()],
    ids=["message too large", "not authorised", "producer closed"],
)
async def test_other_kafka_errors_stay_server_errors(error: Exception) -> None:
    assert not broker_unavailable(error)
    response = await post(app_raising(error))
    assert response.status_code == 500
    assert "Retry-After" not in response.headers
