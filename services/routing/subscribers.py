"""Routing's Kafka subscriptions: dispatch on receipt, and the departments' assignments."""

from __future__ import annotations

from services.routing.eight_d_handlers import HAND_OVER_TRIGGERS, HandEightDCaseToTheDepartment
from services.routing.handlers import GREEN_CHANNEL_TRIGGERS, AssignOnReceipt, GreenChannelOnUrgency
from services.routing.notifier import Directory, Notifier
from services.routing.projection import AssignmentsProjection
from services.routing.rules import RuleTable
from shared.events import streams
from shared.messaging.consumer import subscribe_events
from shared.service.runtime import Runtime


def subscribe(runtime: Runtime, rules: RuleTable, notifier: Notifier, directory: Directory) -> None:
    topic = runtime.settings.topic_events
    subscribe_events(
        runtime.broker,
        runtime.consumer("routing"),
        topic,
        batch_handler=AssignOnReceipt(rules, runtime.clock).handle,
        types={"ComplaintReceived"},
        categories={streams.COMPLAINT},
        description="Assigns every received complaint to a department by the rule table (ComplaintAssigned).",
    )
    subscribe_events(
        runtime.broker,
        runtime.consumer("routing-assignments"),
        topic,
        batch_handler=AssignmentsProjection().handle,
        categories={streams.COMPLAINT},
        description="Keeps each department's assignments (routing_assignments) from every complaint event.",
    )
    subscribe_events(
        runtime.broker,
        runtime.consumer("routing-green-channel"),
        topic,
        batch_handler=GreenChannelOnUrgency(notifier, directory, runtime.clock).handle,
        types=GREEN_CHANNEL_TRIGGERS,
        categories={streams.COMPLAINT},
        description=(
            "Tells the department head and the supervisors of an urgent or level-3 complaint at once "
            "(GreenChannelOpened, then the notifier)."
        ),
    )
    subscribe_events(
        runtime.broker,
        runtime.consumer("routing-8d"),
        topic,
        batch_handler=HandEightDCaseToTheDepartment(runtime.clock).handle,
        types=HAND_OVER_TRIGGERS,
        categories={streams.COMPLAINT},
        description=(
            "Hands a severe complaint's open 8D case to its responsible department after a dispatch "
            "(EightDCaseHandedOver, on the department's feed)."
        ),
    )
