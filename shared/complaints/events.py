"""Events of a complaint's stream (one stream per complaint, keyed by the complaint number).

Each event is declared in the module of its lifecycle stage (:mod:`shared.complaints.stages`),
beside the command that causes it, how that command is decided and how the event changes the
state; it registers itself in :data:`COMPLAINT_EVENTS`. Every event is named in the past tense,
its type is its class's name, it has a title in Simplified Chinese and English (``title``) and
its text fields are marked for what read models may show (:mod:`shared.events.disclosure`).
Field descriptions are the documentation channels and departments read, so every field has one.
A rejected command is an event too (:class:`CommandRejected`): it is appended to the stream
and changes nothing but the stream's version.

This module names the events that existed when the stages were split out, for the code that
imports them from here; an event added since is imported from its stage's module.
"""

from __future__ import annotations

from shared.complaints.kernel import COMPLAINT_EVENTS, CommandRejected, ComplaintEvent, complaint_events
from shared.complaints.stages.closure import (
    ComplainantDataErased,
    ComplaintClosed,
    ComplaintClosedAsNotAComplaint,
    ComplaintMerged,
    ComplaintReopened,
    ComplaintWithdrawn,
    DuplicateMergedInto,
)
from shared.complaints.stages.dispatch import (
    ComplaintAccepted,
    ComplaintAssigned,
    ComplaintEscalated,
    ComplaintTransferred,
)
from shared.complaints.stages.grading import ComplaintLinkedAsPossibleDuplicate, ComplaintRegraded
from shared.complaints.stages.handling import (
    ComplaintPutOnHold,
    ComplaintResolved,
    ComplaintResumed,
    ProgressRecorded,
)
from shared.complaints.stages.receipt import (
    Assessment,
    Attachment,
    Complainant,
    ComplaintAcknowledged,
    ComplaintCorrectionLapsed,
    ComplaintReceived,
    ComplaintReturnedForCorrection,
    HistoricalOutcome,
    ImportedHistory,
    IndustrialDetails,
    check_anonymity,
)
from shared.complaints.stages.revisit import FeedbackReceived, RevisitScheduled
from shared.complaints.stages.time_limits import (
    SlaBreached,
    SlaCalendarYearUnknown,
    SlaExtensionApproved,
    SlaExtensionDeclined,
    SlaExtensionRequested,
    SlaWarningRaised,
)

PRE_RECEIPT_EVENTS: frozenset[str] = frozenset(
    event.event_type for event in complaint_events() if event.before_receipt
)
"""Events that may come before ComplaintReceived on a stream (a submission returned for
correction): projections of received complaints skip them until ComplaintReceived arrives."""

__all__ = [
    "COMPLAINT_EVENTS",
    "PRE_RECEIPT_EVENTS",
    "Assessment",
    "Attachment",
    "CommandRejected",
    "Complainant",
    "ComplainantDataErased",
    "ComplaintAccepted",
    "ComplaintAcknowledged",
    "ComplaintAssigned",
    "ComplaintClosed",
    "ComplaintClosedAsNotAComplaint",
    "ComplaintCorrectionLapsed",
    "ComplaintEscalated",
    "ComplaintEvent",
    "ComplaintLinkedAsPossibleDuplicate",
    "ComplaintMerged",
    "ComplaintPutOnHold",
    "ComplaintReceived",
    "ComplaintRegraded",
    "ComplaintReopened",
    "ComplaintResolved",
    "ComplaintResumed",
    "ComplaintReturnedForCorrection",
    "ComplaintTransferred",
    "ComplaintWithdrawn",
    "DuplicateMergedInto",
    "FeedbackReceived",
    "HistoricalOutcome",
    "ImportedHistory",
    "IndustrialDetails",
    "ProgressRecorded",
    "RevisitScheduled",
    "SlaBreached",
    "SlaCalendarYearUnknown",
    "SlaExtensionApproved",
    "SlaExtensionDeclined",
    "SlaExtensionRequested",
    "SlaWarningRaised",
    "check_anonymity",
    "complaint_events",
]
