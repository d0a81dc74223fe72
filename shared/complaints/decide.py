"""decide(state, command) -> events: the complaint's rules, pure.

Each command is decided in the module of its lifecycle stage (:mod:`shared.complaints.stages`,
registered with ``@decides``); this module checks what is common to all of them first.

A command is checked in this order, and the first failure is the reason given:

1. the actor's role may issue the command at all (``not_permitted``, see :data:`PERMITTED`);
2. the complaint exists (``unknown_complaint``), or for ReceiveComplaint does not yet
   (``already_received``);
3. the complaint is not final (``already_closed``), except the permitted reopen of a closed one;
4. the command fits the status (``not_assigned``, ``not_accepted``, ``wrong_state``,
   ``feedback_on_open_complaint``, ``already_acknowledged``, ``already_on_hold``, ``not_on_hold``);
5. an agent acts only for the responsible department (``not_owner``, see :data:`OWNER_ONLY`);
6. the command's own values make sense (``same_department``, ``invalid_score``,
   ``already_escalated``, ``already_recorded``, ``extension_pending``, ``no_extension_pending``,
   ``consent_in_future``, ``extension_too_late`` (the SLA service passes the deadline and the end
   of one working day's notice, counted on its calendar, so the rule stays pure here),
   ``merge_into_self``, ``merge_target_unknown``, ``merge_target_final``).

A stream that starts with ComplaintReturnedForCorrection (status ``awaiting_correction``) is not
received yet: only ReceiveComplaint (the corrected submission) and LapseCorrection apply to it,
anything else is ``awaiting_correction``. MergeComplaint carries the surviving complaint's
status, read by the handler, so that this stays pure.

A refused command yields exactly ``[CommandRejected(...)]``; the caller appends it like any
other event, and folding it changes nothing but the version.

**Already done.** A service's command whose effect is already there (see :data:`ALREADY_DONE`:
acknowledged, the SLA warning or breach recorded, escalated to that level) yields ``[]``: nothing
to append, and the handler goes on as if it had succeeded. Services re-issue their commands
after races and redeliveries (intake's acknowledgement and the SLA service's out-of-hours one),
so such a refusal says nothing about the complaint; the audit trail keeps the real refusals, of
people's and channels' commands, and of services' commands refused for any other reason.
"""

from __future__ import annotations

from shared.complaints import stages  # noqa: F401  (registers every stage's decisions)
from shared.complaints.errors import Rejection, RejectionCode, reject
from shared.complaints.kernel import DECISIONS, Command, CommandRejected, fail
from shared.complaints.stages.closure import ReopenComplaint
from shared.complaints.stages.receipt import LapseCorrection, ReceiveComplaint, ReturnForCorrection
from shared.complaints.state import ComplaintState
from shared.complaints.values import Status, label
from shared.events.envelope import Event, Role

S = Status

PERMITTED: dict[type[Command], frozenset[Role]] = {
    command: rule.permitted for command, rule in DECISIONS.items()
}
"""Which roles may issue each command (each stage says so where it decides the command).
Operators and auditors issue none (they run and read the system); channels only receive;
complainants give feedback and withdraw. Only intake links possible duplicates and lapses
corrections; only a supervisor merges a duplicate."""

OWNER_ONLY: frozenset[type[Command]] = frozenset(
    command for command, rule in DECISIONS.items() if rule.owner_only
)
"""Commands an agent may issue only for the responsible department (supervisors and admins
act on any complaint). While nobody owns the complaint yet, any agent may escalate it or close
it as not a complaint: that is the front line's initial assessment (e.g. the green channel for
an urgent complaint)."""

ALREADY_DONE: frozenset[RejectionCode] = frozenset(
    {RejectionCode.ALREADY_ACKNOWLEDGED, RejectionCode.ALREADY_RECORDED, RejectionCode.ALREADY_ESCALATED}
)
"""Refusals that only say the command's effect is already there: for a service, no refusal
(``decide`` returns ``[]``, see the module docstring)."""


def decide(state: ComplaintState, command: Command) -> list[Event]:
    """The events that ``command`` causes, or exactly ``[CommandRejected]`` with the reason, or
    ``[]`` when a service's command is already done (:func:`already_done`)."""
    rule = DECISIONS.get(type(command))
    if rule is None:
        raise TypeError(f"{type(command).__name__} is not a complaint command")
    try:
        _check_role(command, rule.permitted)
        _check_exists(state, command)
        return rule.decide(state, command)
    except Rejection as rejection:
        if already_done(command, rejection.code):
            return []
        return [
            CommandRejected(
                command=command.name(),
                reason_code=rejection.code.value,
                reason=rejection.reason,
                reason_zh=rejection.reason_zh,
            )
        ]


def already_done(command: Command, code: RejectionCode) -> bool:
    """Whether refusing ``command`` for ``code`` only says that its effect is already there, and
    the command is a service's, which then is no refusal (see the module docstring)."""
    return command.actor.role is Role.SERVICE and code in ALREADY_DONE


def _check_role(command: Command, allowed: frozenset[Role]) -> None:
    role = command.actor.role
    if role not in allowed:
        raise reject(
            RejectionCode.NOT_PERMITTED,
            verb=command.verb,
            verb_zh=command.verb_zh,
            role=label(role, "en").lower(),
            role_zh=label(role, "zh-CN"),
        )


def _check_exists(state: ComplaintState, command: Command) -> None:
    awaiting = state.status is S.AWAITING_CORRECTION
    if isinstance(command, ReceiveComplaint):
        if state.exists and not awaiting:  # a returned submission is received once corrected
            raise fail(RejectionCode.ALREADY_RECEIVED, state, command, complaint_no=state.complaint_no)
        return
    if isinstance(command, ReturnForCorrection):
        if state.exists:
            raise fail(RejectionCode.ALREADY_RECEIVED, state, command, complaint_no=state.complaint_no)
        return
    if not state.exists:
        raise fail(RejectionCode.UNKNOWN_COMPLAINT, state, command)
    if awaiting and not isinstance(command, LapseCorrection):
        raise fail(RejectionCode.AWAITING_CORRECTION, state, command)
    if state.is_final and not (isinstance(command, ReopenComplaint) and state.status is S.CLOSED):
        raise fail(RejectionCode.ALREADY_CLOSED, state, command)
