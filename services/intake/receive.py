"""Receiving a complaint: check the policy, allocate its number, decide, append — inside the
caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.admission import Plan, admit
from services.intake.duplicates import DuplicateCheck, forget_one, subject_key
from services.intake.numbers import number_prefix
from services.intake.policy import GradingPolicy
from services.intake.risk import RiskFacts, RiskRules, flag_risk, text_of
from services.intake.schemas import ComplaintSubmission
from services.intake.window import LIVE_WINDOW, ReceivedWindow
from shared.clock import Clock
from shared.complaints.commands import ReceiveComplaint
from shared.complaints.events import Assessment, ImportedHistory
from shared.complaints.values import Grade
from shared.events import Actor, Role
from shared.eventstore import PostgresEventStore
from shared.eventstore.complaint_handling import Outcome, execute, left_by, new_stream
from shared.privacy.config import PrivacySettings
from shared.privacy.crypto import seal
from shared.privacy.envelope import key_ring
from shared.privacy.keys import Identity, identified, identify_params

ANONYMOUS_SUBMISSION = Actor(role=Role.CHANNEL, id="anonymous")
"""The actor of an anonymous submission, whoever's token sent it: the identity is stored nowhere."""

ANONYMOUS_COMPLAINANT = Actor(role=Role.COMPLAINANT, id="anonymous")
"""The actor of what an anonymous submitter does later with the follow-up code (the revisit answer)."""

SUBMITTED_RULE = "submitted"
"""The ``grade_rule`` recorded when the grade the channel sent is more severe than the policy's."""


@dataclass
class SubmissionRefused(Exception):
    """The submission is refused (the policy, its idempotency key, the complaint's rules): the
    caller's transaction must end without it. ``code`` is stable and machine-readable."""

    code: str
    message: str
    message_zh: str
    fields: list[str] = field(default_factory=list)
    detail: dict[str, str] = field(default_factory=dict)
    """More about the refusal, for the answer (``channel_not_allowed``: channel, role, subject)."""


def check_received_at(submission: ComplaintSubmission, now: datetime, window: ReceivedWindow) -> None:
    """Raises SubmissionRefused (naming ``received_at``) when it lies outside ``window``."""
    if submission.received_at is None:
        return
    refusal = window.refusal(submission.received_at, now)
    if refusal is not None:
        raise SubmissionRefused(*refusal, ["received_at"])


def graded(submission: ComplaintSubmission, policy: GradingPolicy) -> tuple[Grade, Assessment]:
    """The submission's grade by the policy, or the channel's own when more severe. Raises
    SubmissionRefused for fields the policy requires and a grade outside its scheme."""
    missing = policy.missing_fields(submission)
    if missing:
        raise SubmissionRefused(
            "missing_fields",
            f"required for this channel or category: {', '.join(missing)}",
            f"该渠道或分类的必填项缺失：{'、'.join(missing)}",
            missing,
        )
    grade, assessment = policy.assess(submission)
    if submission.grade is not None:
        if submission.grade not in policy.grades:
            raise SubmissionRefused(
                "grade_not_in_scheme",
                f"grade {submission.grade.value!r} is not in the scheme {policy.scheme} "
                f"({', '.join(policy.grades)})",
                f"级别 {submission.grade.value} 不属于本组织的分级方案（{'、'.join(policy.grades)}）",
                ["grade"],
            )
        if policy.grades.index(submission.grade) > policy.grades.index(grade):
            grade = submission.grade
            assessment = assessment.model_copy(update={"grade_rule": SUBMITTED_RULE})
    return grade, assessment


def _admission(
    submission: ComplaintSubmission,
    policy: GradingPolicy,
    zone: ZoneInfo,
    received_at: datetime,
    complaint_no: str | None,
    duplicates: DuplicateCheck | None,
) -> tuple[Plan, dict[str, Any], str]:
    """What the admission's one statement does (services/intake/admission.py) and its parameters
    but the complainant's; and the subject key the duplicate check compares ("" without it)."""
    rule = policy.recurrence
    fresh = not complaint_no
    refs = sorted(set(submission.product_refs))
    person = submission.complainant
    history = duplicates is not None and person is not None and fresh
    plan = Plan(
        allocate=fresh,
        count=rule is not None and bool(refs),
        products=bool(refs),
        complainant=person is not None,
        history=history,
    )
    params: dict[str, Any] = {"category": submission.category.value, "received_at": received_at}
    if fresh:
        params["prefix"] = number_prefix(received_at, zone)
    else:
        params["no"] = complaint_no
    if refs:
        params["refs"] = refs
    if plan.count:
        assert rule is not None
        params["since"] = received_at - timedelta(days=rule.days)
    key = subject_key(submission.subject) if history else ""
    if history:
        assert duplicates is not None
        params["dup_since"] = received_at - timedelta(days=duplicates.rule.window_days)
        params["subject_key"] = key
    return plan, params, key


async def receive(
    conn: AsyncConnection,
    store: PostgresEventStore,
    submission: ComplaintSubmission,
    *,
    policy: GradingPolicy,
    actor: Actor,
    clock: Clock,
    zone: ZoneInfo,
    submission_id: str | None = None,
    privacy: PrivacySettings | None = None,
    complaint_no: str | None = None,
    window: ReceivedWindow = LIVE_WINDOW,
    duplicates: DuplicateCheck | None = None,
    imported: ImportedHistory | None = None,
    risk: RiskRules | None = None,
) -> Outcome:
    """Raises SubmissionRefused for missing required fields, a grade outside the scheme, or a
    ``received_at`` outside ``window`` (the configured one for live channels; the import path
    passes a wider one, services/intake/window.py).

    The complainant's personal data is sealed here, with their own key, before the command is
    built: the domain only ever sees the pseudonymous id and ciphertext. An anonymous submission
    is recorded with the ANONYMOUS_SUBMISSION actor instead of the caller.

    ``complaint_no``: the number reserved when the submission was returned for correction (its
    stream goes on); default a new number. With ``duplicates``, a possible duplicate of an
    earlier complaint is linked right after the receipt (the outcome is then the link's).
    ``imported``: a complaint from another system's records (``tousu import``), recorded as history.
    With ``risk``, the risk rules that fire flag it right after (services/intake/risk.py).
    """
    # long: what remains is the one admission round trip, the sealing that needs its
    # row and the append, which share the complainant's key and the admitted number; split
    # further they would pass a dozen values between them.
    now = clock.now()
    check_received_at(submission, now, window)
    grade, assessment = graded(submission, policy)
    received_at = submission.received_at or now
    rule, fresh, person = policy.recurrence, not complaint_no, submission.complainant
    plan, params, key = _admission(submission, policy, zone, received_at, complaint_no, duplicates)
    history = plan.history
    identity: Identity | None = None
    ring = None
    if person is not None:
        settings = privacy or PrivacySettings()
        ring = await key_ring(conn, settings.key_ring_dir)
        identity, who = identify_params(settings.secret, person, now, ring)
        params.update(who)
    # the number, the recurrence count and memory, the complainant, the duplicate check's
    # history: one round trip (services/intake/admission.py)
    admitted = await admit(conn, plan, params)
    complaint_no = str(admitted.no)
    if rule is not None and admitted.earlier + 1 >= rule.count:
        grade, assessment = policy.raise_grade(grade, assessment, rule.grade, rule.name)
        assessment = assessment.model_copy(update={"recurrence": assessment.grade_rule == rule.name})
    complainant_id, personal_data = None, None
    if person is not None:
        assert ring is not None and identity is not None
        complainant_id, key_bytes = await identified(conn, ring, identity, admitted)
        personal_data = seal(key_bytes, complainant_id, complaint_no, person)
    # a concurrent submission registered the same person first: what was remembered under our
    # (dropped) id is taken back, and the duplicate check runs for theirs after the receipt
    noted = history and complainant_id == admitted.who_id
    if history and not noted:
        await forget_one(conn, str(admitted.who_id), complaint_no)
    command = ReceiveComplaint(
        actor=ANONYMOUS_SUBMISSION if submission.anonymous else actor,
        at=now,
        complaint_no=complaint_no,
        submission_id=submission_id,
        complainant_id=complainant_id,
        personal_data=personal_data,
        **submission.model_dump(exclude={"grade", "complainant"}),
        grade=grade,
        assessment=assessment,
        imported=imported,
    )
    # a new number's stream cannot exist yet: no read of it
    outcome = await execute(
        store.bound(conn),
        complaint_no,
        command,
        clock=clock,
        attempts=1,
        current=new_stream() if fresh else None,
    )
    if outcome.rejection is not None:
        if noted:  # not received: nothing to remember
            await forget_one(conn, str(complainant_id), complaint_no)
        return outcome
    if duplicates is not None:
        linked = await _link_duplicate(
            conn,
            store,
            duplicates,
            submission,
            outcome,
            admitted,
            complainant_id,
            key,
            noted,
            clock,
            received_at,
        )
        outcome = linked or outcome
    if risk is None or imported is not None:  # history: nobody is told of it, nor flagged for it
        return outcome
    return await _flag_risk(conn, store, risk, submission, grade, admitted.earlier + 1, outcome, clock)


async def _flag_risk(
    conn: AsyncConnection,
    store: PostgresEventStore,
    risk: RiskRules,
    submission: ComplaintSubmission,
    grade: Grade,
    repeats: int,
    outcome: Outcome,
    clock: Clock,
) -> Outcome:
    """After the receipt (and the duplicate link): the risk rules that fire flag it."""
    text = text_of(submission.subject, submission.content)
    fired = risk.fired(RiskFacts(submission.channel, grade, text, repeats))
    flagged = await flag_risk(store.bound(conn), outcome.complaint_no, fired, clock, left_by(outcome))
    return flagged or outcome


async def _link_duplicate(
    conn: AsyncConnection,
    store: PostgresEventStore,
    duplicates: DuplicateCheck,
    submission: ComplaintSubmission,
    outcome: Outcome,
    admitted: Any,
    complainant_id: UUID | None,
    key: str,
    noted: bool,
    clock: Clock,
    received_at: datetime,
) -> Outcome | None:
    """After the receipt: the link to an earlier possible duplicate, if any. ``admitted``: the
    admission's row; ``noted``: it already read the complainant's history (one round trip fewer)."""
    complaint_no = outcome.complaint_no
    if noted:
        found = duplicates.best(
            key, zip(admitted.earlier_nos or [], admitted.earlier_subjects or [], strict=True)
        )
        linked = await duplicates.record(conn, store, complaint_no, found, clock, left_by(outcome))
    else:
        linked = await duplicates.link(
            conn,
            store,
            complaint_no=complaint_no,
            complainant_id=complainant_id,
            subject=submission.subject,
            received_at=received_at,
            clock=clock,
            current=left_by(outcome),
        )
    return linked
