"""How the other `tousu` commands find the stack `tousu up` runs: ``<data dir>/runtime.json``.

`tousu up` starts PostgreSQL and tansu on ports of its own. Once the stack is up it writes the
runtime file (mode 0600: the database URL may hold a password) and removes it when it stops; a
command run from another terminal in the same folder reads it, so it reaches that stack with no
environment. Where a command's database and broker come from, first found wins:

1. its flags (``--database-url``, ``--kafka-bootstrap``);
2. the environment (``TOUSU_DATABASE_URL``, ``TOUSU_KAFKA_BOOTSTRAP``, …);
3. the runtime file of a running `tousu up` in ``--data-dir``, else ``$TOUSU_DATA_DIR``, else
   ``./.tousu``;
4. the defaults of :class:`shared.settings.Settings`.

A runtime file whose `tousu up` is gone (killed with SIGKILL, the machine restarted) is ignored
with a note: its process id is dead, or now belongs to another process (told apart by the
process's start time).

Every setting is an environment variable, so the file holds the ``TOUSU_*`` variables a client of
the stack needs, and the command runs with those of them that neither a flag nor the environment
gives (:func:`stack_environment`); it says in one line (on stderr) which database and broker it
uses.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Collection, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from shared.settings import DATABASE_ROLE_KEYS, SERVICE_NAMES, Settings, database_label

RUNTIME_FILE = "runtime.json"
FORMAT = 1
DEFAULT_DATA_DIR = ".tousu"

DATABASE = "TOUSU_DATABASE_URL"
KAFKA = "TOUSU_KAFKA_BOOTSTRAP"
IDEMPOTENCE = "TOUSU_KAFKA_IDEMPOTENCE"
DATA_DIR = "TOUSU_DATA_DIR"
ROLE_URLS = frozenset(f"TOUSU_{key.upper()}_DATABASE_URL" for key in DATABASE_ROLE_KEYS)
"""Each process's own login to the database: they belong to the database they came with."""

STACK_FIELDS: tuple[str, ...] = (
    "database_url",
    *(f"{key}_database_url" for key in DATABASE_ROLE_KEYS),
    "kafka_bootstrap",
    "kafka_idempotence",
    "timezone",
    "data_dir",
    "tokens_file",
    "host",
    *(f"{name}_port" for name in SERVICE_NAMES),
    "topic_intake",
    "topic_events",
    "topic_assignments",
    "topic_dead_letters",
    "topic_service_volume",
    "consumer_group_prefix",
)
"""The settings a client of a running stack needs to reach it as its services do."""


class RuntimeFileError(Exception):
    """A runtime file that cannot be read or is not one `tousu up` wrote."""


@dataclass(frozen=True)
class StackRuntime:
    """What a running `tousu up` left in its runtime file."""

    path: Path
    pid: int
    pid_started: int | None
    """The process's start time (clock ticks after boot; None where /proc is not there)."""
    environment: dict[str, str]
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"`tousu up` (pid {self.pid}, {self.path})"


def runtime_path(data_dir: Path) -> Path:
    return data_dir / RUNTIME_FILE


def stack_environment_of(settings: Settings) -> dict[str, str]:
    """The ``TOUSU_*`` variables that point a command at the stack running with ``settings``."""
    values = settings.model_dump(include=set(STACK_FIELDS))
    environment: dict[str, str] = {}
    for name in STACK_FIELDS:
        value = values.get(name)
        if value is None:
            continue
        text = str(value).lower() if isinstance(value, bool) else str(value)
        environment[f"TOUSU_{name.upper()}"] = text
    return environment


# -- the process that wrote it -----------------------------------------------------------------


def process_started(pid: int) -> int | None:
    """The start time of process ``pid`` (field 22 of /proc/PID/stat), None if unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) is in parentheses and may itself hold spaces or parentheses
    fields = stat.rpartition(")")[2].split()
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    fields = stat.rpartition(")")[2].split()
    return bool(fields) and fields[0] in ("Z", "X")


def process_running(pid: int, started: int | None) -> bool:
    """Whether ``pid`` is the same live process that wrote the file (not a reused pid)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, another user's
    if _is_zombie(pid):
        return False
    if started is None:
        return True
    now = process_started(pid)
    return now is None or now == started


# -- write, remove, read ------------------------------------------------------------------------


def write_runtime(
    data_dir: Path, environment: Mapping[str, str], details: Mapping[str, Any], pid: int | None = None
) -> Path:
    """Write the runtime file atomically (readers never see half of it), owner-only."""
    pid = os.getpid() if pid is None else pid
    document = {
        "format": FORMAT,
        "pid": pid,
        "pid_started": process_started(pid),
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **details,
        "environment": dict(environment),
    }
    path = runtime_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{RUNTIME_FILE}.{pid}.tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(document, out, ensure_ascii=False, indent=2)
        out.write("\n")
    os.replace(partial, path)
    return path


def remove_runtime(data_dir: Path, pid: int | None = None) -> bool:
    """Remove the runtime file if process ``pid`` (default: this one) wrote it; True if removed.

    A second `tousu up` that fails to start on the same data directory must not remove the file
    of the one that runs.
    """
    pid = os.getpid() if pid is None else pid
    path = runtime_path(data_dir)
    try:
        current = read_runtime(path)
    except RuntimeFileError:
        return False
    if current is None or current.pid != pid:
        return False
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    return True


def read_runtime(path: Path) -> StackRuntime | None:
    """The runtime file at ``path``; None if there is none."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RuntimeFileError(f"cannot read it ({exc.strerror or exc})") from None
    try:
        document = json.loads(text)
    except ValueError:
        raise RuntimeFileError("it is not JSON") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise RuntimeFileError(f"not a runtime file of format {FORMAT}")
    pid, started, environment = document.get("pid"), document.get("pid_started"), document.get("environment")
    if (
        not isinstance(pid, int)
        or not (started is None or isinstance(started, int))
        or not isinstance(environment, dict)
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in environment.items())
    ):
        raise RuntimeFileError("its pid or environment is missing or malformed")
    details = {k: v for k, v in document.items() if k not in ("format", "pid", "pid_started", "environment")}
    return StackRuntime(path, pid, started, dict(environment), details)


# -- which database and broker a command uses ---------------------------------------------------


@dataclass(frozen=True)
class Resolution:
    """What a command runs with: variables to set, the line that says so, and notes."""

    environment: dict[str, str]
    """Variables to set for the command (each replaces any other spelling of its name)."""
    message: str
    notes: tuple[str, ...] = ()
    runtime: StackRuntime | None = None


def _lookup(environ: Mapping[str, str], name: str) -> str | None:
    """``environ[name]``, matched case-insensitively as pydantic-settings matches names."""
    return next((value for key, value in environ.items() if key.upper() == name), None)


def data_dir_of(environ: Mapping[str, str], flag: str | None, cwd: Path) -> Path:
    """--data-dir, else $TOUSU_DATA_DIR, else ./.tousu; relative to ``cwd``."""
    raw = flag or _lookup(environ, DATA_DIR) or DEFAULT_DATA_DIR
    path = Path(raw).expanduser()
    return path if path.is_absolute() else cwd / path


def resolve(
    environ: Mapping[str, str],
    *,
    cwd: Path,
    data_dir: str | None = None,
    database_url: str | None = None,
    kafka_bootstrap: str | None = None,
    running: Callable[[int, int | None], bool] = process_running,
) -> Resolution:
    """Decide, without side effects, where a command's database and broker come from."""
    directory = data_dir_of(environ, data_dir, cwd)
    runtime, notes = _live_runtime(runtime_path(directory), running)
    environment: dict[str, str] = {}
    if data_dir is not None:
        environment[DATA_DIR] = str(directory)
    flags = {DATABASE: ("--database-url", database_url), KAFKA: ("--kafka-bootstrap", kafka_bootstrap)}
    sources: dict[str, str] = {}
    for name, (flag, value) in flags.items():
        if value:
            environment[name] = value
            sources[name] = flag
        elif _lookup(environ, name):
            sources[name] = name
        elif runtime is not None and name in runtime.environment:
            sources[name] = "runtime"
        else:
            sources[name] = "default"
    if runtime is not None:
        _take_from_runtime(environment, runtime, sources, environ)
    if sources[DATABASE] == "--database-url":
        # the logins of the environment or a stack are for their own database, not the flag's
        environment.update(dict.fromkeys(ROLE_URLS, ""))
    merged = {**{k.upper(): v for k, v in environ.items()}, **environment}
    defaults = Settings.model_fields
    database = merged.get(DATABASE) or str(defaults["database_url"].default)
    broker = merged.get(KAFKA) or str(defaults["kafka_bootstrap"].default)
    return Resolution(
        environment=environment,
        message=_message(database, broker, sources, runtime, directory),
        notes=tuple(notes),
        runtime=runtime,
    )


def _live_runtime(
    path: Path, running: Callable[[int, int | None], bool]
) -> tuple[StackRuntime | None, list[str]]:
    """The runtime file at ``path`` if the `tousu up` that wrote it still runs; notes on why a
    file there is ignored."""
    notes: list[str] = []
    runtime: StackRuntime | None = None
    try:
        runtime = read_runtime(path)
    except RuntimeFileError as exc:
        notes.append(f"tousu: ignoring {path}: {exc}")
    if runtime is not None and not running(runtime.pid, runtime.pid_started):
        notes.append(
            f"tousu: ignoring {path}: the `tousu up` that wrote it (pid {runtime.pid}) is no longer "
            "running (it was stopped without cleaning up)"
        )
        runtime = None
    return runtime, notes


def _take_from_runtime(
    environment: dict[str, str], runtime: StackRuntime, sources: Mapping[str, str], environ: Mapping[str, str]
) -> None:
    """Add the stack's variables to ``environment``: the database's and broker's where the stack
    is their source (with what belongs to them), any other unless the command has its own."""
    for name, value in runtime.environment.items():
        if name in (DATABASE, KAFKA):
            if sources[name] == "runtime":
                environment[name] = value
        elif name == IDEMPOTENCE:
            # tansu lacks the idempotent producer: the flag belongs to the broker it came with
            if sources[KAFKA] == "runtime" and _lookup(environ, name) is None:
                environment[name] = value
        elif name in ROLE_URLS:
            if sources[DATABASE] == "runtime" and _lookup(environ, name) is None:
                environment[name] = value
        elif name == DATA_DIR:
            continue  # the directory is where the file was found
        elif name not in environment and _lookup(environ, name) is None:
            environment[name] = value


def _message(
    database: str, broker: str, sources: Mapping[str, str], runtime: StackRuntime | None, directory: Path
) -> str:
    what = f"database {database_label(database)}, Kafka {broker}"
    if runtime is not None and set(sources.values()) == {"runtime"}:
        return f"tousu: using the stack of {runtime.label}: {what}"

    def source(name: str) -> str:
        found = sources[name]
        if found == "runtime":
            assert runtime is not None
            return runtime.label
        return found

    line = (
        f"tousu: database {database_label(database)} ({source(DATABASE)}), Kafka {broker} ({source(KAFKA)})"
    )
    if runtime is None and "default" in sources.values():
        line += f"; no `tousu up` is running with data in {directory}"
    return line


@contextlib.contextmanager
def stack_environment(
    args: argparse.Namespace,
    environ: MutableMapping[str, str] | None = None,
    err: TextIO | None = None,
    cwd: Path | None = None,
) -> Iterator[Resolution | None]:
    """Run a command (``with``) on the stack :func:`resolve` finds, then restore the environment.

    A no-op for commands without the stack options (:func:`add_stack_options`).
    """
    if not getattr(args, "uses_stack", False):
        yield None
        return
    environ = os.environ if environ is None else environ
    err = sys.stderr if err is None else err
    resolution = resolve(
        environ,
        cwd=Path.cwd() if cwd is None else cwd,
        data_dir=getattr(args, "stack_data_dir", None),
        database_url=getattr(args, "stack_database_url", None),
        kafka_bootstrap=getattr(args, "stack_kafka_bootstrap", None),
    )
    for note in resolution.notes:
        print(note, file=err)
    print(resolution.message, file=err)
    saved: dict[str, str] = {}
    for name in resolution.environment:
        for key in [key for key in environ if key.upper() == name]:
            saved[key] = environ.pop(key)
    environ.update(resolution.environment)
    try:
        yield resolution
    except Exception as exc:
        reason = unreachable(exc)
        if reason is None:
            raise
        print(f"tousu: the database or the broker named above is not there: {reason}", file=err)
        raise SystemExit(1) from None
    finally:
        for name in resolution.environment:
            environ.pop(name, None)
        environ.update(saved)


UNREACHABLE = frozenset(
    {
        "ConnectionRefusedError",
        "gaierror",
        "InvalidCatalogNameError",
        "InvalidPasswordError",
        "InvalidAuthorizationSpecificationError",
        "CannotConnectNowError",
        "KafkaConnectionError",
    }
)
"""Errors (by class name: no driver is imported for this) that mean "nothing of that name answers"."""


def unreachable(exc: BaseException) -> str | None:
    """One line for an error that says the database or broker is not there, else None (a bug keeps
    its traceback)."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if type(current).__name__ in UNREACHABLE:
            return f"{type(current).__name__}: {current}"
        orig = getattr(current, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's
        pending += [orig if isinstance(orig, BaseException) else None, current.__cause__, current.__context__]
    return None


# -- the command-line options -------------------------------------------------------------------


def add_stack_options(parser: argparse.ArgumentParser, skip: Collection[str]) -> None:
    """Give every command under ``parser``, but the top-level ones named in ``skip``, the options
    that choose its stack (and mark it as a command that uses one)."""
    for name, sub in _subcommands(parser):
        if name not in skip:
            _add_to_leaves(sub, set())


def _subcommands(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    return [
        (name, sub)
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for name, sub in action.choices.items()
    ]


def _add_to_leaves(parser: argparse.ArgumentParser, seen: set[int]) -> None:
    if id(parser) in seen:  # an alias names the same parser twice
        return
    seen.add(id(parser))
    children = _subcommands(parser)
    if children:
        for _, child in children:
            _add_to_leaves(child, seen)
        return
    taken = parser._option_string_actions
    group = parser.add_argument_group(
        "stack", "default: the environment, else the running `tousu up` with data in ./.tousu"
    )
    if "--data-dir" not in taken:
        group.add_argument(
            "--data-dir",
            dest="stack_data_dir",
            metavar="DIR",
            help="look for a running `tousu up` there (default: $TOUSU_DATA_DIR or ./.tousu)",
        )
    if "--database-url" not in taken:
        group.add_argument(
            "--database-url",
            dest="stack_database_url",
            metavar="URL",
            help="PostgreSQL, e.g. postgresql://postgres@127.0.0.1:5432/tousu",
        )
    if "--kafka-bootstrap" not in taken:
        group.add_argument("--kafka-bootstrap", dest="stack_kafka_bootstrap", metavar="HOST:PORT")
    parser.set_defaults(uses_stack=True)
