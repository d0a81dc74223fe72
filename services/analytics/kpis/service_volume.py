"""Service volume over Kafka: channels publish how much service they gave, per local day.

Topic ``settings.topic_service_volume`` (default tousu.service.volume), key = the channel code
(advisory), value = JSON :class:`ServiceVolumeMessage` — the body of PUT /v1/service-volume plus
a ``message_id`` and who reports. The analytics consumer stores it exactly like the API does (a
day and channel reported again replaces the earlier figure) in the consumer's transaction, with
the message id recorded for deduplication: a redelivered message changes nothing. An unknown
channel or an invalid body goes to the dead-letter topic with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.analytics.kpis.models import ServiceVolumeEntry
from shared.clock import Clock
from shared.complaints import Channel
from shared.messaging.consumer import Decoded, HandlerContext, PoisonMessage

UPSERT_VOLUME = text(
    "INSERT INTO analytics_service_volume (day, channel, volume, reported_by, reported_at) "
    "VALUES (:day, :channel, :volume, :by, :at) ON CONFLICT (day, channel) DO UPDATE SET "
    "volume = excluded.volume, reported_by = excluded.reported_by, reported_at = excluded.reported_at"
)


class ServiceVolumeMessage(BaseModel):
    """One channel system's service volume report on Kafka."""

    model_config = ConfigDict(extra="forbid")

    message_id: str = Field(
        min_length=1,
        max_length=200,
        description="Unique per report: a redelivery with the same id is ignored.",
    )
    reported_by: str = Field(
        min_length=1, max_length=200, description="Which system reports (e.g. app-backend)."
    )
    entries: list[ServiceVolumeEntry] = Field(
        min_length=1, max_length=10_000, description="The figures, one per local day and channel."
    )


async def store_volume(
    conn: AsyncConnection, entries: Sequence[tuple[date, str, int]], reported_by: str, at: datetime
) -> int:
    """Store (or replace) the figures in ``conn``'s transaction."""
    await conn.execute(
        UPSERT_VOLUME,
        [{"day": d, "channel": c, "volume": v, "by": reported_by, "at": at} for d, c, v in entries],
    )
    return len(entries)


def unknown_channels(entries: Sequence[ServiceVolumeEntry]) -> list[str]:
    known = {channel.value for channel in Channel}
    return sorted({entry.channel for entry in entries if entry.channel not in known})


def decode_volume(value: bytes) -> Decoded[ServiceVolumeMessage]:
    message = ServiceVolumeMessage.model_validate_json(value)  # ValidationError → dead letter
    return Decoded(message, f"service-volume:{message.message_id}", {}, "ServiceVolumeMessage")


class VolumeHandler:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def __call__(self, message: ServiceVolumeMessage, ctx: HandlerContext) -> None:
        unknown = unknown_channels(message.entries)
        if unknown:
            raise PoisonMessage(
                f"unknown channel(s) {unknown}",
                [
                    {
                        "field": "entries.channel",
                        "type": "unknown_channel",
                        "message": f"unknown channel {c!r}",
                    }
                    for c in unknown
                ],
            )
        await store_volume(
            ctx.connection,
            [(e.day, e.channel, e.volume) for e in message.entries],
            f"kafka:{message.reported_by}",
            self.clock.now(),
        )
