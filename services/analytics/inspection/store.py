"""The weekly quality inspection against the event store: draw a week's sample once, score it.

Load → decide → append (expected version) as every handler does: the draw is appended at
expected version 0 (a second draw of the same week is refused, never silently replaced); a
score is appended at the stream's current version after checking the complaint was drawn.
The relay publishes both on the events topic like every stored event; complaint consumers skip
them by type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from services.analytics.insights.queries import InsightsReadModel
from services.analytics.inspection.events import (
    INSPECTION_EVENTS,
    QualityInspectionSampleDrawn,
    QualityInspectionScored,
)
from services.analytics.inspection.sample import IsoWeek, draw, total
from shared.clock import Clock
from shared.events import Actor, NewEvent, RecordedEvent
from shared.eventstore import ConcurrencyError, PostgresEventStore


class InspectionRefused(ValueError):
    """A draw or a score that the rules do not allow; ``code`` is machine-readable."""

    def __init__(self, code: str, message: str, message_zh: str, status: int = 409) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.message_zh = message_zh
        self.status = status


@dataclass
class WeekInspection:
    """A week's stream, folded: the draw and the latest score of each sampled complaint."""

    week: IsoWeek
    drawn: QualityInspectionSampleDrawn | None = None
    drawn_event: RecordedEvent | None = None
    scores: dict[str, QualityInspectionScored] = field(default_factory=dict)
    scored_at: dict[str, datetime] = field(default_factory=dict)
    version: int = 0


def fold_week(week: IsoWeek, events: list[RecordedEvent]) -> WeekInspection:
    state = WeekInspection(week)
    for event in events:
        payload = INSPECTION_EVENTS.decode(event)
        state.version = event.stream_version
        if isinstance(payload, QualityInspectionSampleDrawn):
            state.drawn, state.drawn_event = payload, event
        elif isinstance(payload, QualityInspectionScored):
            state.scores[payload.complaint_no] = payload
            state.scored_at[payload.complaint_no] = event.occurred_at
    return state


class Inspections:
    def __init__(self, store: PostgresEventStore, insights: InsightsReadModel, clock: Clock) -> None:
        self.store = store
        self.insights = insights
        self.clock = clock

    async def week(self, week: IsoWeek) -> WeekInspection:
        return fold_week(week, await self.store.read_stream(week.stream_id))

    async def draw(
        self, week: IsoWeek, seed: int, ratio: float, actor: Actor
    ) -> QualityInspectionSampleDrawn:
        """Draw the week's sample from the complaints closed in it; only once the week is over."""
        start, end = week.bounds(self.insights.zone)
        if self.clock.now() < end:
            raise InspectionRefused(
                "week_not_over",
                f"{week} is not over yet: its sample is drawn from the week's closed complaints",
                f"{week} 尚未结束，抽查样本须在该周结束后抽取",
                status=422,
            )
        population = await self.insights.closed_between(start, end)
        if not population:
            # An empty sample would be recorded for good (a week is drawn once) and could never
            # be redrawn once late closures show up; nothing is recorded instead.
            raise InspectionRefused(
                "nothing_closed",
                f"no complaint was closed in {week}: there is nothing to draw",
                f"{week} 没有已结案的投诉，无可抽取的样本",
                status=422,
            )
        drawn = draw(week, population, seed, ratio)
        try:
            await self.store.append(week.stream_id, 0, [NewEvent.of(drawn, actor=actor, clock=self.clock)])
        except ConcurrencyError:
            raise InspectionRefused(
                "already_drawn", f"the sample of {week} was drawn already", f"{week} 的抽查样本已抽取"
            ) from None
        return drawn

    async def score(
        self, week: IsoWeek, complaint_no: str, items: dict[str, int], pass_mark: int, actor: Actor
    ) -> QualityInspectionScored:
        for _attempt in range(3):
            state = await self.week(week)
            if state.drawn is None:
                raise InspectionRefused(
                    "not_drawn", f"no sample of {week} was drawn", f"{week} 尚未抽取质检样本", status=404
                )
            if complaint_no not in state.drawn.complaint_nos:
                raise InspectionRefused(
                    "not_in_sample",
                    f"complaint {complaint_no} is not in the sample of {week}",
                    f"投诉 {complaint_no} 不在 {week} 的抽查样本中",
                    status=422,
                )
            holder = (await self.insights.holders([complaint_no])).get(complaint_no, {})
            points = total(items)
            scored = QualityInspectionScored(
                week=str(week),
                complaint_no=complaint_no,
                department=holder.get("department"),
                agent=holder.get("agent"),
                total=points,
                passed=points >= pass_mark,
                pass_mark=pass_mark,
                **items,
            )
            try:
                await self.store.append(
                    week.stream_id, state.version, [NewEvent.of(scored, actor=actor, clock=self.clock)]
                )
            except ConcurrencyError:
                continue  # another inspector scored at the same moment: reload and try again
            return scored
        raise InspectionRefused("busy", "the week's inspection is being changed; try again", "请稍后重试")

    async def weeks(self, weeks: list[IsoWeek]) -> list[WeekInspection]:
        return [await self.week(week) for week in weeks]
