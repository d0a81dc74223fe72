"""The `tousu` command: run the stack, a service, migrations, audits, dead letters, imports and the demo."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Callable, Sequence

from shared.settings import SERVICE_NAMES, load_settings
from tooling.stack.runtime import add_stack_options, stack_environment

Subcommands = argparse._SubParsersAction  # argparse names no public type for it

Command = Callable[[argparse.Namespace], int]

NO_STACK = frozenset({"up", "serve", "asyncapi", "bench", "calendar"})
"""Commands that do not run on the stack of a running `tousu up` (tooling.stack.runtime): `up`
writes its runtime file, `serve` is started by it, `bench` starts stacks of its own; the others
need neither the database nor the broker. Every other command gets --data-dir, --database-url
and --kafka-bootstrap and says on which database and broker it runs."""


def _cmd_serve(args: argparse.Namespace) -> int:
    from tooling.serve import serve

    return serve(args.service)


def _cmd_migrate(args: argparse.Namespace) -> int:
    from shared.db.migrate import upgrade

    asyncio.run(upgrade(load_settings()))
    return 0


def _cmd_topics(args: argparse.Namespace) -> int:
    from shared.messaging.topics import ensure_topics

    asyncio.run(ensure_topics(load_settings()))
    return 0


def _cmd_up(args: argparse.Namespace) -> int:
    from tooling.stack.up import run_up

    return run_up(args)


def _letter_id(text: str) -> int:
    """A dead letter's id (a bigserial)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a letter id: {text!r}") from None
    if not 1 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"not a letter id: {text!r}")
    return value


def _lazy(module: str, attr: str) -> Command:
    def run(args: argparse.Namespace) -> int:
        fn: Command = getattr(importlib.import_module(module), attr)
        return fn(args)

    return run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tousu", description="tousu 投诉 — event-sourced complaint handling"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    _add_stack_commands(sub)
    _add_audit_commands(sub)
    _add_dead_letter_commands(sub)
    _add_privacy_commands(sub)
    _add_data_commands(sub)
    _add_demo_and_bench_commands(sub)

    add_stack_options(parser, skip=NO_STACK)
    return parser


def _add_stack_commands(sub: Subcommands) -> None:
    """The local stack: up, serve, migrate, db roles, topics."""
    p = sub.add_parser("up", help="start PostgreSQL, the broker and all five services locally")
    p.add_argument("--data-dir", default=None, help="data directory (default: $TOUSU_DATA_DIR or ./.tousu)")
    p.add_argument("--only", nargs="*", choices=SERVICE_NAMES, help="start only these services")
    p.set_defaults(func=_cmd_up)

    p = sub.add_parser("serve", help="run one service in the foreground")
    p.add_argument("service", choices=SERVICE_NAMES)
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser("migrate", help="apply database migrations")
    p.set_defaults(func=_cmd_migrate)

    database = sub.add_parser("db", help="the database's roles")
    database_sub = database.add_subparsers(dest="db_command", required=True)
    p = database_sub.add_parser(
        "roles", help="create or update each process's login role (after `tousu migrate`, as the owner)"
    )
    p.set_defaults(func=_lazy("shared.db.logins", "cmd_roles"))

    p = sub.add_parser("topics", help="create the Kafka topics")
    p.set_defaults(func=_cmd_topics)


def _add_audit_commands(sub: Subcommands) -> None:
    """Auditors: replay, verify, checkpoint, public-key."""
    audit = sub.add_parser("audit", help="auditors: replay history, verify hash chains, sign checkpoints")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    p = audit_sub.add_parser("replay", help="print a complaint's history, or all events of a period")
    p.add_argument("complaint", nargs="?", help="complaint number")
    p.add_argument("--since", help="ISO date or datetime (inclusive), organisation time zone if naive")
    p.add_argument("--until", help="ISO date or datetime (exclusive)")
    p.set_defaults(func=_lazy("shared.audit.commands", "cmd_replay"))
    p = audit_sub.add_parser(
        "verify",
        help="check every hash chain (and the store against signed checkpoints); exit 1 names what changed",
    )
    p.add_argument("--stream", help="verify one complaint only")
    p.add_argument(
        "--checkpoint",
        metavar="FILE-OR-DIR",
        help="a signed checkpoint file, or a directory of them (checks the chain of checkpoints too)",
    )
    p.add_argument(
        "--public-key",
        action="append",
        metavar="FILE",
        help="the signing key's public key (PEM); repeat for keys used before a rotation",
    )
    p.set_defaults(func=_lazy("shared.audit.commands", "cmd_verify"))
    p = audit_sub.add_parser(
        "checkpoint", help="sign a checkpoint of the whole store now; write and publish it"
    )
    p.add_argument(
        "--wait",
        type=float,
        default=60.0,
        help="longest wait for another checkpoint maker (seconds, default 60)",
    )
    p.set_defaults(func=_lazy("shared.audit.commands", "cmd_checkpoint"))
    p = audit_sub.add_parser(
        "public-key", help="print the checkpoint signing key's public key (PEM) for auditors"
    )
    p.add_argument("--output", help="write it to this file instead")
    p.set_defaults(func=_lazy("shared.audit.commands", "cmd_public_key"))


def _add_dead_letter_commands(sub: Subcommands) -> None:
    """Operators: the messages consumers gave up on."""
    letters = sub.add_parser("dead-letters", help="messages consumers gave up on: list, show, retry, discard")
    letters_sub = letters.add_subparsers(dest="dead_letters_command", required=True)
    dead_letters = "tooling.dead_letters_cli"
    p = letters_sub.add_parser("list", help="letters, newest failure first (default: open and retrying)")
    p.add_argument(
        "--status",
        action="append",
        choices=["open", "retrying", "resolved", "discarded", "all"],
        help="repeatable; default: open and retrying",
    )
    p.add_argument("--consumer", action="append", help="only this consumer's letters (repeatable)")
    p.add_argument("--limit", type=int, default=50, help="most letters shown (1..500, default 50)")
    p.add_argument("--json", action="store_true", help="machine-readable (times in UTC)")
    p.set_defaults(func=_lazy(dead_letters, "cmd_list"))
    p = letters_sub.add_parser("show", help="one letter: reason, field errors, origin, history")
    p.add_argument("id", type=_letter_id)
    p.add_argument("--json", action="store_true", help="machine-readable (times in UTC)")
    p.set_defaults(func=_lazy(dead_letters, "cmd_show"))
    p = letters_sub.add_parser("retry", help="have its consumer handle it again (its service must run)")
    p.add_argument("id", type=_letter_id)
    p.add_argument(
        "--wait",
        type=float,
        default=None,
        metavar="SECONDS",
        help="wait until it is resolved (exit 0) or failed again (exit 1); exit 3 if still retrying then",
    )
    p.set_defaults(func=_lazy(dead_letters, "cmd_retry"))
    p = letters_sub.add_parser("discard", help="give up on it for good; a sealed value becomes unreadable")
    p.add_argument("id", type=_letter_id)
    p.add_argument("--reason", required=True, help="why (kept with the letter; no personal data)")
    p.set_defaults(func=_lazy(dead_letters, "cmd_discard"))


def _add_privacy_commands(sub: Subcommands) -> None:
    """The key ring of the complainant keys."""
    privacy = sub.add_parser("privacy", help="personal data: the key ring of the complainant keys")
    privacy_sub = privacy.add_subparsers(dest="privacy_command", required=True)
    p = privacy_sub.add_parser(
        "wrap-keys", help="wrap the complainant keys still stored in plain (once, after upgrading)"
    )
    p.set_defaults(func=_lazy("tooling.privacy_cli", "cmd_wrap_keys"))
    p = privacy_sub.add_parser("backup-keys", help="copy the key ring file (after every erasure)")
    p.add_argument("--to", required=True, help="directory of the copies (kept apart from database backups)")
    p.set_defaults(func=_lazy("tooling.privacy_cli", "cmd_backup_keys"))
    p = privacy_sub.add_parser("settle-keys", help="drop the KEKs no live key needs (after a crash)")
    p.set_defaults(func=_lazy("tooling.privacy_cli", "cmd_settle_keys"))


def _add_data_commands(sub: Subcommands) -> None:
    """Documents, read models, history import, the business calendar."""
    p = sub.add_parser("asyncapi", help="write the AsyncAPI document of every topic")
    p.add_argument("--output", default="docs/asyncapi.json")
    p.set_defaults(func=_lazy("tooling.asyncapi_cli", "cmd_asyncapi"))

    analytics = sub.add_parser("analytics", help="analytics read models")
    analytics_sub = analytics.add_subparsers(dest="analytics_command", required=True)
    p = analytics_sub.add_parser("rebuild", help="rebuild the read models from zero by replaying the store")
    p.add_argument("--batch", type=int, default=None, help="events per transaction (default 1000)")
    p.set_defaults(func=_lazy("services.analytics.cli", "cmd_rebuild"))

    p = sub.add_parser("import", help="import complaint history from a CSV or JSON-lines file")
    p.add_argument("file", help="the history file (.csv, .jsonl)")
    p.add_argument(
        "--mapping", required=True, help="the mapping file (see deploy/import/mapping.example.yaml)"
    )
    p.add_argument(
        "--dry-run", action="store_true", help="report every row that would be refused; write nothing"
    )
    p.add_argument("--json", action="store_true", help="print the summary and refusals as JSON")
    p.add_argument("--batch", type=int, default=100, help="rows per transaction (default 100)")
    p.set_defaults(func=_lazy("services.intake.importing.cli", "cmd_import"))

    calendar = sub.add_parser("calendar", help="ask the SLA business calendar: a deadline, a year's days off")
    calendar_sub = calendar.add_subparsers(dest="calendar_command", required=True)
    calendar_cli = "services.sla.calendar_cli"
    p = calendar_sub.add_parser("due", help="deadline and warning of a limit started at START, local time")
    p.add_argument("start", metavar="START", help="ISO date and time, organisation time zone if naive")
    p.add_argument("duration", metavar="DURATION", help="ISO-8601 limit as in the policy: PT24H, P3D, ...")
    p.add_argument("--counting", choices=["working", "24x7"], default="working", help="default: working")
    p.set_defaults(func=_lazy(calendar_cli, "cmd_due"))
    p = calendar_sub.add_parser("show", help="the days of YEAR that differ from a plain week, with names")
    p.add_argument("year", metavar="YEAR")
    p.set_defaults(func=_lazy(calendar_cli, "cmd_show"))


def _add_demo_and_bench_commands(sub: Subcommands) -> None:
    """Trying and measuring a running stack."""
    p = sub.add_parser("demo", help="submit realistic complaints to a running stack and walk the loop")
    p.add_argument("--intake-url", default=None, help="intake's base URL (default: the stack's)")
    p.set_defaults(func=_lazy("tooling.demo", "cmd_demo"))

    p = sub.add_parser("bench", help="benchmarks: throughput, latency and scale (writes bench-results/)")
    p.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test (CI), not figures")
    p.add_argument("--full", action="store_true", help="the full sizes (1,000,000-event replay)")
    p.add_argument(
        "--only",
        nargs="*",
        default=[],
        help="run only these: append replay relay intake e2e timers burst audit",
    )
    p.add_argument("--repeats", type=int, default=None, help="runs per figure (median); default by preset")
    p.add_argument(
        "--e2e-loads", nargs="+", type=int, default=None, help="end to end: offered complaints/s (preset's)"
    )
    p.add_argument("--e2e-seconds", type=float, default=None, help="end to end: seconds per load")
    p.add_argument(
        "--e2e-drain-seconds", type=float, default=None, help="end to end: longest wait after a load"
    )
    p.add_argument("--burst", type=int, default=None, help="burst: submissions (moderate 2000)")
    p.add_argument(
        "--burst-drain-seconds", type=float, default=None, help="burst: longest wait after the burst"
    )
    p.add_argument("--output", default="bench-results", help="report directory")
    p.add_argument("--database-url", default=None, help="PostgreSQL server (default $TOUSU_DATABASE_URL)")
    p.add_argument("--kafka-bootstrap", default=None, help="broker (default $TOUSU_KAFKA_BOOTSTRAP or tansu)")
    p.set_defaults(func=_lazy("tooling.bench.cli", "cmd_bench"))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with stack_environment(args):
        result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
