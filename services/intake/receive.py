"""Receiving a complaint: check the policy, allocate its number, decide, append — inside the
caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake import recurrence
from services.intake.duplicates import DuplicateCheck
from services.intake.numbers import format_number, next_number
from services.intake.policy import GradingPolicy
from services.intake.submission import ComplaintSubmission
from shared.clock import Clock
from shared.complaints.commands import ReceiveComplaint
from shared.complaints.handling import Outcome, execute
from shared.events import Actor, Role
from shared.eventstore import PostgresEventStore
from shared.privacy.config import PrivacySettings
from shared.privacy.crypto import seal
from shared.privacy.keys import complainant_key

ANONYMOUS_SUBMISSION = Actor(role=Role.CHANNEL, id="anonymous")
"""The actor of an anonymous submission, whoever's token sent it: the identity is stored nowhere."""

ANONYMOUS_COMPLAINANT = Actor(role=Role.COMPLAINANT, id="anonymous")
"""The actor of what an anonymous submitter does later with the follow-up code (the revisit answer)."""

SUBMITTED_RULE = "submitted"
"""The ``grade_rule`` recorded when the grade the channel sent is more severe than the policy's."""


@dataclass(frozen=True)
class SubmissionRefused(Exception):
    """The submission breaks the organisation's policy; nothing was recorded."""

    code: str
    message: str
    message_zh: str
    fields: list[str] = field(default_factory=list)


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
    duplicates: DuplicateCheck | None = None,
) -> Outcome:
    """Raises SubmissionRefused for missing required fields or a grade outside the scheme.

    The complainant's personal data is sealed here, with their own key, before the command is
    built: the domain only ever sees the pseudonymous id and ciphertext. An anonymous submission
    is recorded with the ANONYMOUS_SUBMISSION actor instead of the caller.

    ``complaint_no``: the number reserved when the submission was returned for correction (its
    stream goes on); default a new number. With ``duplicates``, a possible duplicate of an
    earlier complaint is linked right after the receipt (the outcome is then the link's).
    """
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
    now = clock.now()
    received_at = submission.received_at or now
    rule = policy.recurrence
    sequence: int | None = None
    if rule is not None:
        # the new number comes with the count: one round trip instead of two
        earlier, sequence = await recurrence.earlier_count(
            conn,
            submission.product_refs,
            submission.category.value,
            received_at,
            rule.days,
            allocate_number=not complaint_no,
        )
        if earlier + 1 >= rule.count:
            grade, assessment = policy.raise_grade(grade, assessment, rule.grade, rule.name)
    if not complaint_no:
        complaint_no = (
            format_number(sequence, received_at, zone)
            if sequence is not None
            else await next_number(conn, received_at, zone)
        )
    await recurrence.remember(
        conn, submission.product_refs, submission.category.value, received_at, complaint_no
    )
    complainant_id, personal_data = None, None
    if submission.complainant is not None:
        secret = (privacy or PrivacySettings()).secret
        complainant_id, key = await complainant_key(conn, secret, submission.complainant, now)
        personal_data = seal(key, complainant_id, complaint_no, submission.complainant)
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
    )
    outcome = await execute(store.bound(conn), complaint_no, command, clock=clock, attempts=1)
    if outcome.rejection is not None or duplicates is None:
        return outcome
    linked = await duplicates.link(
        conn,
        store,
        complaint_no=complaint_no,
        complainant_id=complainant_id,
        subject=submission.subject,
        received_at=received_at,
        clock=clock,
    )
    return linked or outcome
