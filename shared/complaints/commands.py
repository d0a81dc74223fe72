"""Commands to the complaint aggregate, in the imperative.

Each command is declared in the module of its lifecycle stage (:mod:`shared.complaints.stages`),
beside its decision (``@decides``, which also says which roles may issue it). Every command carries
who asks (``actor``) and the handler's clock reading (``at``), so the domain never reads a clock.
Pydantic validates shape only; whether a command is allowed is ``decide``'s business, and a
refusal becomes a ``CommandRejected`` event.

This module names the commands that existed when the stages were split out, for the code that
imports them from here; a command added since is imported from its stage's module.
"""

from __future__ import annotations

from shared.complaints.kernel import DECISIONS, Command
from shared.complaints.stages.closure import (
    CloseAsNotAComplaint,
    MergeComplaint,
    RecordMergedDuplicate,
    ReopenComplaint,
    WithdrawComplaint,
)
from shared.complaints.stages.dispatch import (
    AcceptComplaint,
    AssignComplaint,
    EscalateComplaint,
    TransferComplaint,
)
from shared.complaints.stages.grading import LinkPossibleDuplicate, RegradeComplaint
from shared.complaints.stages.handling import (
    PutComplaintOnHold,
    RecordProgress,
    ResolveComplaint,
    ResumeComplaint,
)
from shared.complaints.stages.receipt import (
    AcknowledgeComplaint,
    LapseCorrection,
    ReceiveComplaint,
    ReturnForCorrection,
)
from shared.complaints.stages.revisit import GiveFeedback, ScheduleRevisit
from shared.complaints.stages.time_limits import (
    ApproveSlaExtension,
    DeclineSlaExtension,
    RaiseSlaWarning,
    RecordSlaBreach,
    RequestSlaExtension,
)

ComplaintCommand = Command
"""Any command to the complaint aggregate."""

ALL_COMMANDS: tuple[type[Command], ...] = tuple(DECISIONS)
"""Every command the aggregate decides."""

__all__ = [
    "ALL_COMMANDS",
    "AcceptComplaint",
    "AcknowledgeComplaint",
    "ApproveSlaExtension",
    "AssignComplaint",
    "CloseAsNotAComplaint",
    "Command",
    "ComplaintCommand",
    "DeclineSlaExtension",
    "EscalateComplaint",
    "GiveFeedback",
    "LapseCorrection",
    "LinkPossibleDuplicate",
    "MergeComplaint",
    "PutComplaintOnHold",
    "RaiseSlaWarning",
    "ReceiveComplaint",
    "RecordMergedDuplicate",
    "RecordProgress",
    "RecordSlaBreach",
    "RegradeComplaint",
    "ReopenComplaint",
    "RequestSlaExtension",
    "ResolveComplaint",
    "ResumeComplaint",
    "ReturnForCorrection",
    "ScheduleRevisit",
    "TransferComplaint",
    "WithdrawComplaint",
]
