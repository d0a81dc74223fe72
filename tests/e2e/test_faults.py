"""The store-to-services pipeline strands nothing, whatever restarts (real processes, bounded in time).

One `tousu up` (embedded PostgreSQL, tansu with memory storage, five services), shared by four
scenarios that run in turn. Each one offers a burst of submissions over HTTP (open loop, distinct
complainants) and injects its fault in the middle of it:

(a) SIGTERM to `tousu up` (an ordinary stop), then `tousu up` again on the same data directory;
(b) SIGKILL to the tansu broker (`tousu up` brings it back, empty);
(c) PostgreSQL restarted: fast shutdown (SIGINT) of the embedded postmaster, `tousu up` brings it
    back after its restart backoff (set to 5 s here: a restart as long as a real one may take);
    while it is down, a submission gets 503 with Retry-After, never a 500;
(d) SIGKILL to each of the five services once (`tousu up` restarts them).

Then, straight in PostgreSQL (tests/e2e/invariants.py): every complaint that got a 202 (and any
stored without one) has exactly one ComplaintReceived, ComplaintAssigned and
ComplaintAcknowledged, its SLA clocks, its analytics and routing rows at the store's version, its
timeline without gaps or doubles; and `tousu audit verify` passes.

Before each fault a canary (three submissions) must go all the way through: a stack left broken
by an earlier scenario is restarted first and said so, so that each scenario fails only for its
own fault.

Slow parts (each is timed in the output): starting `tousu up` (five Python services, ~20-60 s on
two cores), scenario (a)'s stop and start, and waiting for the pipeline to converge (gives up
after 30 s without any progress).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from shared.settings import SERVICE_NAMES
from tests.e2e.fault_stack import Burst, FaultStack, audit_verify, burst
from tests.e2e.invariants import wait_until_complete
from tests.e2e.running_stack import READY_WITHIN

pytestmark = pytest.mark.e2e

RUN = uuid.uuid4().hex[:6].upper()
COUNT = 200
"""Submissions per burst ..."""
RATE = 50.0
"""... offered per second (4 s) ..."""
CONNECTIONS = 24
"""... over this many keep-alive connections."""
RETRY_AFTER = "5"
RESTART_BACKOFF = 5.0
"""Seconds `tousu up` waits before it restarts a dead child (service, tansu, PostgreSQL)."""


@pytest_asyncio.fixture(scope="module")
async def stack(request: pytest.FixtureRequest) -> AsyncIterator[FaultStack]:
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")

    def say(line: str) -> None:
        """Straight to the terminal, also when output is captured: what ran, how long it took."""
        if reporter is None or capture is None:
            print(f"[faults] {line}")
            return
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"[faults] {line}")

    # A PostgreSQL restart (c) takes as long as a real one may: down for about the restart
    # backoff, longer than a consumer's retries of one message (5 attempts, 0.2 s doubling).
    env = {"TOUSU_UP_RESTART_BACKOFF": str(RESTART_BACKOFF)}
    # Not under pytest's tmp_path: as root, the embedded PostgreSQL runs as another user that
    # must traverse the data directory's parents, and every pytest session that starts on the
    # machine resets /tmp/pytest-of-<user> to 0700 (PostgreSQL then PANICs on pg_control).
    root = Path(tempfile.mkdtemp(prefix="tousu-faults-"))
    failed_before = request.session.testsfailed
    fault_stack = FaultStack(root, say, env_extra=env)
    try:
        took = await fault_stack.start()
        say(f"`tousu up` ready after {took:.1f}s (slow: five services starting)")
        say(f"backends: {fault_stack.backends()}")
        yield fault_stack
    finally:
        await fault_stack.close()
        if request.session.testsfailed == failed_before:
            shutil.rmtree(root, ignore_errors=True)
        else:
            say(f"kept the stack's data and logs for a look: {root}")


async def canary(stack: FaultStack, letter: str) -> str | None:
    """Three submissions that must go all the way through; None if they did, else why not."""
    if stack.up is None or stack.up.proc.poll() is not None:
        return "tousu up is not running"
    tag = f"CANARY-{RUN}-{letter}-{stack.starts}"
    try:
        sent = await burst(
            stack.intake_url,
            stack.channel_token(),
            tag,
            count=3,
            rate=10,
            connections=1,
            # complainants of their own: the same person again would be linked as a possible duplicate
            phone_base=9_000_000 + 1_000 * (ord(letter) - ord("a")) + 10 * stack.starts,
        )
    except OSError as error:
        return f"{type(error).__name__}: {error}"
    if len(sent.accepted) != 3:
        return f"submissions: {sent.describe()}"
    findings, _ = await wait_until_complete(stack.dsn, sent.accepted, tag, within=60, stalled_after=30)
    return None if findings.ok else findings.summary()


async def healthy(stack: FaultStack, letter: str) -> None:
    """The stack works before the fault; restarted first when an earlier scenario broke it."""
    why = await canary(stack, letter)
    if why is None:
        return
    stack.say(f"({letter}) before the fault: the stack is not healthy ({why}); restarting it first")
    await stack.restart()
    why = await canary(stack, letter)
    assert why is None, f"the stack does not work even after a restart, before any fault: {why}"


Fault = Callable[[], Awaitable[None]]


async def scenario(
    stack: FaultStack,
    letter: str,
    title: str,
    fault: Fault,
    *,
    fault_at: float,
    phone_base: int,
    judge_answers: Callable[[Burst], list[str]] | None = None,
) -> None:
    """Canary, burst with the fault in the middle, wait for the pipeline, check, report."""
    began = time.monotonic()
    await healthy(stack, letter)
    tag = f"FAULT-{RUN}-{letter}"
    sent = await burst(
        stack.intake_url,
        stack.channel_token(),
        tag,
        count=COUNT,
        rate=RATE,
        connections=CONNECTIONS,
        phone_base=phone_base,
        fault=fault,
        fault_at=fault_at,
    )
    problems: list[str] = []
    server_errors = [a for a in sent.answers if a.status is not None and a.status >= 500 and a.status != 503]
    if server_errors:
        problems.append(
            f"{len(server_errors)} submissions got a server error (never allowed): "
            + ", ".join(f"#{a.index} {a.status} {a.body}" for a in server_errors[:5])
        )
    if judge_answers is not None:
        problems += judge_answers(sent)
    if sent.fault_failed is not None:
        stack.say(f"({letter}) {title}: the stack did not recover; answers: {sent.describe()}")
        problems.append(f"the stack did not recover from the fault: {sent.fault_failed}")
        raise AssertionError(f"({letter}) {title}:\n" + "\n".join(problems))
    findings, waited = await wait_until_complete(stack.dsn, sent.accepted, tag)
    code, audit = await audit_verify(stack)
    first_line = findings.summary().splitlines()[0].split(": TS-")[0]
    stack.say(
        f"({letter}) {title}: {COUNT} offered at {RATE:g}/s, fault at {fault_at:g}s; answers: "
        f"{sent.describe()} (burst and fault took {sent.seconds:.1f}s); "
        f"{'converged' if findings.ok else 'NOT converged'} after {waited:.1f}s "
        f"({first_line}{' …' if not findings.ok else ''}); "
        f"audit verify {'ok' if code == 0 else 'FAILED'}; {time.monotonic() - began:.0f}s in all"
    )
    if not findings.ok:
        problems.append(
            f"after {waited:.0f}s (nothing moved for the last 30s or the deadline passed):\n"
            + findings.summary()
        )
    if code != 0:
        problems.append(f"`tousu audit verify` exited with {code}:\n{audit[-2000:]}")
    assert not problems, (
        f"({letter}) {title} — {len(sent.accepted)} of {COUNT} submissions got a 202 "
        f"({sent.describe()}); logs in {stack.data_dir / 'logs'}\n" + "\n".join(problems)
    )


@pytest.mark.timeout(360)
async def test_a_sigterm_of_the_whole_stack_and_a_start_again_strands_nothing(stack: FaultStack) -> None:
    async def fault() -> None:
        stack.terminate()
        stopped = await stack.wait_stopped()  # and nothing it started is left running
        started = await stack.start()  # slow: the whole stack starts again
        stack.say(f"(a) `tousu up` stopped in {stopped:.1f}s, was ready again {started:.1f}s later")

    title = "SIGTERM to tousu up, then tousu up again"
    await scenario(stack, "a", title, fault, fault_at=2.0, phone_base=1_000_000)


@pytest.mark.timeout(240)
async def test_b_sigkill_of_the_broker_strands_nothing(stack: FaultStack) -> None:
    async def fault() -> None:
        mark = stack.mark()
        stack.tansu().kill()
        back = await stack.wait_for_line_after(mark, "tansu is ready again", within=60 + RESTART_BACKOFF)
        await stack.wait_for_line_after(mark, "topics: Kafka topics created again", within=60)
        stack.say(f"(b) tansu killed; `tousu up` had it back, with its topics, {back:.1f}s later")

    await scenario(stack, "b", "SIGKILL to tansu", fault, fault_at=2.0, phone_base=2_000_000)


@pytest.mark.timeout(240)
async def test_c_a_postgresql_restart_strands_nothing_and_submitters_get_503s(stack: FaultStack) -> None:
    outage: dict[str, float] = {}
    loop = asyncio.get_running_loop()

    async def fault() -> None:
        mark = stack.mark()
        outage["from"] = loop.time()
        stack.postmaster().send_signal(signal.SIGINT)  # fast shutdown: sessions end with 57P01
        await stack.wait_for_line_after(mark, "postgres is ready again", within=60 + RESTART_BACKOFF)
        outage["to"] = loop.time()
        down = outage["to"] - outage["from"]
        stack.say(f"(c) PostgreSQL stopped; `tousu up` had it back {down:.1f}s later")

    def judge(sent: Burst) -> list[str]:
        """While PostgreSQL is down a submission gets 503 + Retry-After + the code, never a 500."""
        problems = []
        unavailable = sent.with_status(503)
        if not unavailable:
            problems.append(
                "no submission got a 503 although PostgreSQL was down during the burst "
                f"(answers: {sent.describe()})"
            )
        wrong = [
            a
            for a in unavailable
            if a.retry_after != RETRY_AFTER
            or a.code != "database_unavailable"
            or not (a.body or {}).get("message_zh")
        ]
        if wrong:
            problems.append(
                f"{len(wrong)} of {len(unavailable)} 503s lack Retry-After: {RETRY_AFTER} or the code "
                "database_unavailable with both messages: "
                + ", ".join(f"#{a.index} Retry-After={a.retry_after} {a.body}" for a in wrong[:5])
            )
        others = [a for a in sent.answers if a.status not in (202, 503)]
        if others:
            problems.append(
                f"{len(others)} submissions got neither 202 nor 503 while PostgreSQL restarted: "
                + ", ".join(f"#{a.index} {a.status or a.error} {a.body or ''}" for a in others[:5])
            )
        stack.say(f"(c) answers while PostgreSQL was restarting: {len(unavailable)}× 503")
        return problems

    await scenario(
        stack,
        "c",
        "PostgreSQL fast shutdown, brought back by tousu up",
        fault,
        fault_at=1.5,
        phone_base=3_000_000,
        judge_answers=judge,
    )


@pytest.mark.timeout(300)
async def test_d_sigkill_of_each_service_strands_nothing(stack: FaultStack) -> None:
    order = ("routing", "sla", "feedback", "analytics", "intake")  # intake last: it takes the burst
    assert sorted(order) == sorted(SERVICE_NAMES)

    async def fault() -> None:
        mark = stack.mark()
        for name in order:
            os.kill(stack.running.service_pid(name), signal.SIGKILL)
            await asyncio.sleep(0.5)
        began = time.monotonic()
        for name in order:
            await stack.wait_for_line_after(
                mark, f"{name} is ready again", within=READY_WITHIN + RESTART_BACKOFF
            )
        stack.say(
            f"(d) all five services killed 0.5s apart; all ready again {time.monotonic() - began:.1f}s "
            "after the last kill (slow: five services restarting)"
        )

    await scenario(stack, "d", "SIGKILL to each service once", fault, fault_at=1.0, phone_base=4_000_000)
