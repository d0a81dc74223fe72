"""The one handler of a complaint submission, whatever brought it.

HTTP (``POST /v1/complaints``), the Kafka intake topic, the email channel and ``tousu import``
each translate their input into a :class:`ComplaintSubmission` and a :class:`Submitter`, call
:meth:`Submissions.submit`, and translate what it gives back: a :class:`Submitted`, or a
:class:`SubmissionRefused` with its stable code (HTTP: 403 / 422 with the code; Kafka: a dead
letter whose reason starts with the code; email: ``554`` naming the code; import: the row's
refusal). The steps, in the caller's transaction:

1. **who may submit** on the channel (the policy's ``submitters``): ``channel_not_allowed``;
2. **claim the idempotency key** (when one is given): the same key with the same submission is
   the earlier complaint again, nothing written (``Submitted.replayed``); with a different
   submission it is refused ``idempotency_key_reused``;
   then the caller's ``admit`` (HTTP: the token's rate limit), so a replay spends none of it;
3. **receive** (:func:`services.intake.receive.receive`): ``received_at`` within the window
   (``received_at_too_old`` / ``received_at_in_future``; live channels get the configured one,
   ``tousu import`` passes :data:`~services.intake.window.IMPORT_WINDOW`), the policy's required
   fields (``missing_fields``) and grades (``grade_not_in_scheme``), then ``ReceiveComplaint`` through
   the complaint's rules — a refusal there is refused with the rule's reason code (e.g.
   ``already_received``);
4. **record the outcome** under the key: a retry gets the same complaint number.

Every refusal is raised, never returned: what the steps wrote for a refused submission (the
claimed key, a number, a ``CommandRejected``) must not stay, so the caller lets the exception end
its transaction (or the savepoint it opened for this submission). A key is kept only for a
submission that was received, so a refused one may be sent again, corrected, with the same key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from services.intake import idempotency
from services.intake.duplicates import DuplicateCheck
from services.intake.policy import GradingPolicy
from services.intake.receive import SubmissionRefused, check_received_at, receive
from services.intake.risk import RiskRules
from services.intake.schemas import ComplaintSubmission
from services.intake.submitters import may_submit, refusal
from services.intake.window import LIVE_WINDOW, ReceivedWindow
from shared.clock import Clock
from shared.complaints.events import ImportedHistory
from shared.events import Actor, Role
from shared.eventstore import PostgresEventStore
from shared.eventstore.unit_of_work import UnitOfWork
from shared.privacy.config import PrivacySettings

__all__ = ["IDEMPOTENCY_KEY_REUSED", "SubmissionRefused", "Submissions", "Submitted", "Submitter"]

IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"

GOVERNED_ROLES = frozenset({Role.CHANNEL, Role.AGENT, Role.SUPERVISOR})
"""The submitters the policy's ``submitters`` section speaks of."""


@dataclass(frozen=True)
class Submitter:
    """Who submits.

    ``actor``: recorded on ``ComplaintReceived`` (an anonymous submission is recorded with
    ``ANONYMOUS_SUBMISSION`` instead); its role and ``subject`` are what the policy's
    ``submitters`` check (a channel token's subject, a Kafka ``channel_id``, ``email``).
    ``scope``: the namespace of this submitter's idempotency keys (a token's subject,
    ``kafka:<channel_id>``, ``channel:email``, an import's source), so two submitters' keys
    never meet.
    """

    actor: Actor
    subject: str
    scope: str


@dataclass(frozen=True)
class Submitted:
    """A submission received (or, ``replayed``, received earlier under the same key)."""

    complaint_no: str
    stream_version: int
    """The complaint's stream version after the receipt (for a replay: as recorded then)."""
    replayed: bool = False
    """The key was used before for the same submission: the earlier complaint, nothing written."""
    possible_duplicate_of: str | None = None
    """An earlier complaint of the same complainant about the same subject (None on a replay)."""


def request_digest(submission: ComplaintSubmission, imported: ImportedHistory | None = None) -> bytes:
    """What a key is kept with, to tell the same submission from a different one (an imported
    row's history included: a row whose outcome changed since is not the same row)."""
    body = submission.model_dump(mode="json")
    if imported is None:
        return idempotency.request_hash(body)
    return idempotency.request_hash({"submission": body, "history": imported.model_dump(mode="json")})


def key_reused(key: str) -> SubmissionRefused:
    return SubmissionRefused(
        IDEMPOTENCY_KEY_REUSED,
        f"the idempotency key {key!r} was used for a different submission",
        f"幂等键 {key} 已用于另一份不同的投诉提交",
    )


class Submissions:
    """The one handler of complaint submissions (see the module docstring).

    Built once per process with what every submission needs, then called per submission::

        submissions = Submissions(store, policy, clock, zone, duplicates=duplicates)
        async with sql_units_of_work(engine)() as uow:
            submitted = await submissions.submit(uow, submission, submitter, key="row-17")
    """

    def __init__(
        self,
        store: PostgresEventStore,
        policy: GradingPolicy,
        clock: Clock,
        zone: ZoneInfo,
        *,
        privacy: PrivacySettings | None = None,
        duplicates: DuplicateCheck | None = None,
        window: ReceivedWindow = LIVE_WINDOW,
        risk: RiskRules | None = None,
    ) -> None:
        self.store = store
        self.policy = policy
        self.clock = clock
        self.zone = zone
        self.privacy = privacy or PrivacySettings()
        self.duplicates = duplicates
        self.window = window
        """How far from now a live channel's ``received_at`` may be (the configured window)."""
        self.risk = risk
        """The risk rules evaluated at receipt (services/intake/risk.py); None: no risk flags."""

    def check_received_at(
        self, submission: ComplaintSubmission, window: ReceivedWindow | None = None
    ) -> None:
        """Raises SubmissionRefused ``received_at_too_old`` / ``received_at_in_future`` (naming
        ``received_at``) when it lies outside ``window`` (default the live one). :meth:`submit`
        checks it; a caller that acts on a submission before submitting it (a return for
        correction gives out a number) checks it first."""
        check_received_at(submission, self.clock.now(), window or self.window)

    def check_submitter(self, submission: ComplaintSubmission, submitter: Submitter) -> None:
        """Raises SubmissionRefused ``channel_not_allowed`` unless the policy's ``submitters``
        let ``submitter`` submit on the submission's channel (step 1 of :meth:`submit`).

        The policy governs channel systems and staff (agent, supervisor); a service or an admin
        recording what was received elsewhere (an import of history) is not one of them."""
        role, channel = submitter.actor.role, submission.channel
        if role not in GOVERNED_ROLES:
            return
        if not may_submit(self.policy.submitters, channel, role, submitter.subject):
            body = refusal(channel, role, submitter.subject)
            raise SubmissionRefused(body["error"], body["message"], body["message_zh"], detail=body)

    async def submit(
        self,
        uow: UnitOfWork,
        submission: ComplaintSubmission,
        submitter: Submitter,
        key: str | None = None,
        *,
        complaint_no: str | None = None,
        window: ReceivedWindow | None = None,
        admit: Callable[[], None] | None = None,
        imported: ImportedHistory | None = None,
    ) -> Submitted:
        """Receive ``submission`` from ``submitter`` as one complaint, in ``uow``'s transaction (a
        SQL unit of work: the idempotency keys, the numbers and the complainants' keys are the
        service's own tables, written with the events).

        ``key``: the submitter's idempotency key for this submission (an Idempotency-Key header,
        a Kafka ``submission_id``, a Message-ID, an import's row id); None: no retry protection.
        ``complaint_no``: the number reserved when the submission was returned for correction
        (Kafka); default a new number. ``imported``: the row's history (``tousu import``).
        ``window``: how far from now ``received_at`` may be; default the live one this handler was
        built with (``tousu import`` passes :data:`~services.intake.window.IMPORT_WINDOW`).
        ``admit``: called once the key is claimed and the submission is no replay, before anything
        is received (HTTP takes the token's rate there); what it raises ends the submission, and
        the caller's rollback releases the claimed key.

        Raises :class:`SubmissionRefused` (``code``, ``message``, ``message_zh``, ``fields``) when
        the submission is refused; the caller must then roll back its transaction (or savepoint).
        """
        actor, conn = submitter.actor, uow.connection
        self.check_submitter(submission, submitter)
        if key is not None:
            digest = request_digest(submission, imported)
            earlier = await idempotency.claim(conn, submitter.scope, key, digest)
            if earlier is not None:
                if not earlier.same_request:
                    raise key_reused(key)
                return Submitted(earlier.complaint_no, earlier.stream_version, replayed=True)
        if admit is not None:
            admit()
        outcome = await receive(
            conn,
            self.store,
            submission,
            policy=self.policy,
            actor=actor,
            clock=self.clock,
            zone=self.zone,
            submission_id=key,
            privacy=self.privacy,
            complaint_no=complaint_no,
            window=window or self.window,
            duplicates=self.duplicates,
            imported=imported,
            risk=self.risk,
        )
        rejection = outcome.rejection
        if rejection is not None:
            raise SubmissionRefused(rejection.reason_code, rejection.reason, rejection.reason_zh)
        if key is not None:
            await idempotency.record(conn, submitter.scope, key, outcome.complaint_no, outcome.stream_version)
        return Submitted(
            outcome.complaint_no,
            outcome.stream_version,
            possible_duplicate_of=outcome.state.possible_duplicate_of,
        )
