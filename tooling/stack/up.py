"""`tousu up`: PostgreSQL, a Kafka-protocol broker and the five services, in one command.

1. check every port it will need (a taken one is reported by name);
2. start an embedded PostgreSQL unless TOUSU_DATABASE_URL is set, and tansu unless
   TOUSU_KAFKA_BOOTSTRAP is set; wait until each answers;
3. run the migrations, create the topics, create development tokens if missing;
4. start the services (or ``--only`` those) as separate processes, wait for /readyz;
5. supervise: restart a service that dies (backoff), give up on one that keeps dying; the same
   for the embedded PostgreSQL (same data) and tansu (which comes back empty: the topics are
   created again);
6. on Ctrl-C / SIGTERM, or any failure, stop everything: services, broker, PostgreSQL.

While the stack is up, ``<data dir>/runtime.json`` says where it runs, so that the other commands
find it from another terminal (:mod:`tooling.stack.runtime`).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.engine import make_url

from shared.db.logins import LoginError, logins_of, provision, role_url
from shared.settings import SERVICE_NAMES, Settings, load_settings
from tooling.stack.broker import TansuBroker
from tooling.stack.config import UpSettings, load_up_settings
from tooling.stack.dev_tokens import ensure_dev_tokens
from tooling.stack.embedded_postgres import EmbeddedPostgres, wait_for_database
from tooling.stack.errors import CrashLoopError, StackError, StartupError
from tooling.stack.ports import client_host, free_port, port_problem, wait_for_tcp
from tooling.stack.process import describe_exit
from tooling.stack.runtime import (
    RuntimeFileError,
    process_running,
    read_runtime,
    remove_runtime,
    runtime_path,
    stack_environment_of,
    write_runtime,
)
from tooling.stack.signals import run_until_signalled
from tooling.stack.supervisor import (
    Reporter,
    RestartHistory,
    ServiceSpec,
    Supervisor,
    http_ready,
    print_report,
)

DATABASE_NAME = "tousu"
KEY_RING_DIR = "TOUSU_PRIVACY_KEY_RING_DIR"

NAME_POSTGRES = "postgres"
NAME_TANSU = "tansu"

SMTP_PORT = 2525
"""Port of intake's email channel (SMTP) when TOUSU_INTAKE_SMTP_PORT is unset and it is free;
otherwise any free port."""


@dataclass
class StackPlan:
    """Everything `tousu up` will do, decided from the arguments and the environment."""

    data_dir: Path
    services: tuple[str, ...]
    up: UpSettings
    base_settings: Settings
    embedded_postgres: bool
    embedded_broker: bool
    tokens_file: Path
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    smtp_port: int | None = None
    """Port of intake's email channel (SMTP listener); None: intake is not started."""

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def pg_port(self) -> int:
        return self.up.embedded_pg_port

    @property
    def kafka_port(self) -> int:
        return self.up.embedded_kafka_port

    @property
    def service_host(self) -> str:
        return client_host(self.base_settings.host)


def _env_has(environ: Mapping[str, str], name: str) -> bool:
    """Whether ``name`` is set (pydantic-settings matches names case-insensitively)."""
    return any(key.upper() == name for key in environ)


def _env_get(environ: Mapping[str, str], name: str) -> str | None:
    return next((value for key, value in environ.items() if key.upper() == name), None)


def _smtp_port(environ: Mapping[str, str], host: str) -> int:
    """TOUSU_INTAKE_SMTP_PORT if set; else 2525 when free; else any free port."""
    configured = _env_get(environ, "TOUSU_INTAKE_SMTP_PORT")
    if configured:
        if not configured.isdigit() or not 1 <= int(configured) <= 65535:
            raise StackError(f"TOUSU_INTAKE_SMTP_PORT={configured!r} is not a port number")
        return int(configured)
    return SMTP_PORT if port_problem(host, SMTP_PORT) is None else free_port(host)


def plan_stack(data_dir: str | None, only: Sequence[str] | None) -> StackPlan:
    """Decide what to start from the arguments and the environment.

    ``only=None`` means every service; an empty list, none (PostgreSQL and the broker only).
    """
    base = load_settings()
    resolved_dir = (Path(data_dir) if data_dir else base.data_dir).expanduser().resolve()
    tokens_file = (base.tokens_file or resolved_dir / "tokens.yaml").expanduser().resolve()
    wanted = set(SERVICE_NAMES if only is None else only)
    unknown = wanted - set(SERVICE_NAMES)
    if unknown:
        raise StackError(
            f"unknown service(s): {', '.join(sorted(unknown))}; known: {', '.join(SERVICE_NAMES)}"
        )
    services = tuple(name for name in SERVICE_NAMES if name in wanted)
    return StackPlan(
        data_dir=resolved_dir,
        services=services,
        up=load_up_settings(),
        base_settings=base,
        embedded_postgres=not _env_has(os.environ, "TOUSU_DATABASE_URL"),
        embedded_broker=not _env_has(os.environ, "TOUSU_KAFKA_BOOTSTRAP"),
        tokens_file=tokens_file,
        environ=dict(os.environ),
        smtp_port=_smtp_port(os.environ, base.host) if "intake" in services else None,
    )


class Stack:
    """The running pieces of `tousu up`; :meth:`stop` stops whatever of them was started."""

    def __init__(self, plan: StackPlan, report: Reporter = print_report) -> None:
        self.plan = plan
        self.report = report
        self.postgres: EmbeddedPostgres | None = None
        self.broker: TansuBroker | None = None
        self.supervisor: Supervisor | None = None
        self.child_env: dict[str, str] = dict(plan.environ)
        if plan.smtp_port is not None:  # intake's email channel listens by default
            self.child_env["TOUSU_INTAKE_SMTP_PORT"] = str(plan.smtp_port)
        self.settings: Settings = plan.base_settings
        self.runtime_file: Path | None = None
        self._stopped = False

    # -- start ---------------------------------------------------------------------------------

    def check_ports(self) -> None:
        """Every port this run needs must be free; report all taken ones by name."""
        plan = self.plan
        wanted: list[tuple[str, str, int]] = []
        if plan.embedded_postgres:
            wanted.append(("postgres", "127.0.0.1", plan.pg_port))
        if plan.embedded_broker:
            wanted.append(("tansu", "127.0.0.1", plan.kafka_port))
        wanted += [
            (name, plan.base_settings.host, plan.base_settings.port_of(name)) for name in plan.services
        ]
        if plan.smtp_port is not None:
            wanted.append(("intake email (SMTP)", plan.base_settings.host, plan.smtp_port))
        seen: dict[int, str] = {}
        problems: list[str] = []
        for name, host, port in wanted:
            if port in seen:
                problems.append(f"{name}: port {port} is also configured for {seen[port]}")
                continue
            seen[port] = name
            problem = port_problem(host, port)
            if problem is not None:
                problems.append(f"{name}: {problem}")
        if problems:
            raise StackError("\n".join(problems))

    async def start(self) -> None:
        plan = self.plan
        plan.logs_dir.mkdir(parents=True, exist_ok=True)
        self.report(f"tousu up: data directory {plan.data_dir}")
        self.refuse_a_second_stack()
        self.check_ports()
        overrides: dict[str, Any] = {"data_dir": plan.data_dir, "tokens_file": plan.tokens_file}
        env_overrides = {
            "TOUSU_DATA_DIR": str(plan.data_dir),
            "TOUSU_TOKENS_FILE": str(plan.tokens_file),
            "PYTHONUNBUFFERED": "1",
        }
        # the key ring (complainant keys' KEKs) beside the database, unless one was configured
        env_overrides[KEY_RING_DIR] = _env_get(plan.environ, KEY_RING_DIR) or str(plan.data_dir / "keyring")

        url = await self._start_database(within=plan.up.up_infra_timeout)
        if url is not None:
            overrides["database_url"] = url
            env_overrides["TOUSU_DATABASE_URL"] = url
        bootstrap = await self._start_broker(within=plan.up.up_infra_timeout)
        if bootstrap is not None:
            overrides["kafka_bootstrap"] = bootstrap
            overrides["kafka_idempotence"] = False
            env_overrides["TOUSU_KAFKA_BOOTSTRAP"] = bootstrap
            env_overrides["TOUSU_KAFKA_IDEMPOTENCE"] = "false"
        self.settings = self.plan.base_settings.model_copy(update=overrides)
        self.child_env.update(env_overrides)

        await self._step("migrations", "shared.db.migrate", "upgrade", "database schema is up to date")
        await self._provision_logins()
        await self._step("topics", "shared.messaging.topics", "ensure_topics", "Kafka topics exist")

        if ensure_dev_tokens(plan.tokens_file):
            self.report(f"tokens: created development tokens in {plan.tokens_file}")
        else:
            self.report(f"tokens: using {plan.tokens_file}")

        self.ensure_audit_key()
        await self._start_services()
        self.runtime_file = write_runtime(plan.data_dir, self.client_environment(), self.runtime_details())

    async def _start_database(self, within: float) -> str | None:
        """The embedded PostgreSQL started (its database created on the first run): its URL. With
        TOUSU_DATABASE_URL instead, None once that database answers."""
        plan = self.plan
        if not plan.embedded_postgres:
            self.report("postgres: using TOUSU_DATABASE_URL")
            dsn = make_url(plan.base_settings.database_url).set(drivername="postgresql")
            await wait_for_database(dsn.render_as_string(hide_password=False), within)
            return None
        self.postgres = EmbeddedPostgres(
            plan.data_dir / "pg", port=plan.pg_port, log_path=plan.logs_dir / "postgres.log"
        )
        what = "starting with data in" if self.postgres.initialized else "creating a new cluster in"
        self.report(f"postgres: {what} {self.postgres.pgdata}")
        await self.postgres.start(within=within)
        if await self.postgres.ensure_database(DATABASE_NAME):
            self.report(f"postgres: created database {DATABASE_NAME}")
        url = self.postgres.sqlalchemy_url(DATABASE_NAME)
        self.report(f"postgres: ready on 127.0.0.1:{plan.pg_port} (log {self.postgres.log_path})")
        return url

    async def _start_broker(self, within: float) -> str | None:
        """The embedded tansu broker started: its bootstrap address. With an external Kafka
        instead, None once it answers."""
        plan = self.plan
        if not plan.embedded_broker:
            await self._wait_for_external_kafka(within)
            return None
        self.broker = TansuBroker(port=plan.kafka_port, log_path=plan.logs_dir / "tansu.log")
        await self.broker.start(within=within)
        self.report(
            f"tansu: Kafka-protocol broker ready on {self.broker.bootstrap} (log {self.broker.log_path})"
        )
        return self.broker.bootstrap

    async def _start_services(self) -> None:
        """The chosen services, each `tousu serve NAME` under the supervisor, started and ready."""
        plan = self.plan
        if not plan.services:
            self.report("no services to start (--only without names): PostgreSQL and the broker only")
        else:
            self.report(f"starting {', '.join(plan.services)}…")
        self.supervisor = Supervisor(
            [self._service_spec(name) for name in plan.services],
            policy=plan.up.restart_policy(),
            ready_timeout=plan.up.up_ready_timeout,
            stop_grace=plan.up.up_stop_grace,
            report=self.report,
        )
        await self.supervisor.start()

    def ensure_audit_key(self) -> None:
        """A signing key for the audit checkpoints, made on the first start unless one is given
        (docs/audit.md); it stays in the data directory, never in the database."""
        from shared.audit.keys import default_key_file, ensure_key_file, public_path

        environ = self.plan.environ
        if _env_get(environ, "TOUSU_AUDIT_SIGNING_KEY") or _env_get(environ, "TOUSU_AUDIT_SIGNING_KEY_FILE"):
            self.report("audit: signing checkpoints with the configured key")
            return
        path = default_key_file(self.plan.data_dir)
        if ensure_key_file(path):
            self.report(f"audit: created a checkpoint signing key {path} (public key {public_path(path)})")
        else:
            self.report(f"audit: signing checkpoints with {path}")

    def refuse_a_second_stack(self) -> None:
        """One `tousu up` per data directory: a second would fight the first over its PostgreSQL."""
        path = runtime_path(self.plan.data_dir)
        try:
            running = read_runtime(path)
        except RuntimeFileError:
            return  # not ours to judge: it is replaced once this stack is up
        if (
            running is not None
            and running.pid != os.getpid()
            and process_running(running.pid, running.pid_started)
        ):
            raise StackError(
                f"`tousu up` is already running with data in {self.plan.data_dir} (pid {running.pid}, "
                f"{path}); stop it first (Ctrl-C in its terminal), or give this one another --data-dir"
            )

    def client_environment(self) -> dict[str, str]:
        """What the other commands need to reach this stack (the runtime file's environment)."""
        environment = stack_environment_of(self.settings)
        if self.postgres is not None:  # the plain form also works with psql
            environment["TOUSU_DATABASE_URL"] = self.postgres.dsn(DATABASE_NAME)
        environment[KEY_RING_DIR] = _env_get(self.plan.environ, KEY_RING_DIR) or str(
            self.plan.data_dir / "keyring"
        )
        return environment

    def runtime_details(self) -> dict[str, Any]:
        host = self.plan.service_host
        details: dict[str, Any] = {
            "data_dir": str(self.plan.data_dir),
            "services": {
                name: f"http://{host}:{self.plan.base_settings.port_of(name)}" for name in self.plan.services
            },
            "tokens_file": str(self.plan.tokens_file),
            "logs_dir": str(self.plan.logs_dir),
        }
        if self.plan.smtp_port is not None:
            details["smtp"] = f"smtp://{host}:{self.plan.smtp_port}"
        return details

    async def _provision_logins(self) -> None:
        """Each service (and each command run on this stack) connects as its own login role: the
        one of its TOUSU_<NAME>_DATABASE_URL, else ``tousu_<name>_login`` without a password,
        which the embedded PostgreSQL (trust authentication) lets in."""
        timeout = self.plan.up.up_step_timeout
        try:
            logins = logins_of(self.settings)
            await asyncio.wait_for(provision(self.settings.database_url, logins), timeout)
        except LoginError as exc:
            raise StackError(f"database roles: {exc}") from exc
        except TimeoutError:
            raise StackError(f"database roles: not done after {timeout:g}s") from None
        except Exception as exc:
            raise StackError(f"database roles failed: {type(exc).__name__}: {exc}") from exc
        derived: dict[str, Any] = {}
        for login in logins:
            if self.settings.role_database_url(login.role.key) is None:
                url = role_url(self.settings.database_url, login)
                derived[f"{login.role.key}_database_url"] = url
                self.child_env[f"TOUSU_{login.role.key.upper()}_DATABASE_URL"] = url
        self.settings = self.settings.model_copy(update=derived)
        names = ", ".join(login.user for login in logins if login.role.key in SERVICE_NAMES)
        self.report(f"roles: the services connect as {names}, each with only its own privileges")

    async def _wait_for_external_kafka(self, within: float) -> None:
        bootstrap = self.plan.base_settings.kafka_bootstrap
        first = bootstrap.split(",")[0].strip()
        host, _, port = first.rpartition(":")
        self.report(f"kafka: using TOUSU_KAFKA_BOOTSTRAP={bootstrap}")
        if not port.isdigit() or not await wait_for_tcp(host.strip("[]") or "127.0.0.1", int(port), within):
            raise StartupError("kafka", f"nothing accepts connections at {first} (waited {within:g}s)")

    async def _step(self, label: str, module: str, function: str, done: str) -> None:
        """Run ``module.function(settings)`` (async) with a timeout; failures name the step."""
        try:
            fn: Callable[[Settings], Awaitable[object]] = getattr(importlib.import_module(module), function)
        except (ImportError, AttributeError) as exc:
            raise StackError(f"{label}: {module}.{function} is not available ({exc})") from exc
        timeout = self.plan.up.up_step_timeout
        try:
            await asyncio.wait_for(fn(self.settings), timeout)
        except TimeoutError:
            raise StackError(f"{label}: not done after {timeout:g}s") from None
        except Exception as exc:
            raise StackError(f"{label} failed: {type(exc).__name__}: {exc}") from exc
        self.report(f"{label}: {done}")

    def _service_spec(self, name: str) -> ServiceSpec:
        port = self.plan.base_settings.port_of(name)
        host = self.plan.service_host
        return ServiceSpec(
            name=name,
            argv=[sys.executable, "-m", "tooling.cli", "serve", name],
            log_path=self.plan.logs_dir / f"{name}.log",
            env=self.child_env,
            host=self.plan.base_settings.host,
            port=port,
            ready=http_ready(f"http://{host}:{port}/readyz"),
        )

    def summary(self) -> str:
        host = self.plan.service_host
        lines = ["", "tousu is up:"]
        for name in self.plan.services:
            lines.append(f"  {name:<10} http://{host}:{self.plan.base_settings.port_of(name)}/docs")
        if "analytics" in self.plan.services:
            lines.append(f"  dashboard  http://{host}:{self.plan.base_settings.port_of('analytics')}/")
        if self.plan.smtp_port is not None:
            address = _env_get(self.plan.environ, "TOUSU_INTAKE_SMTP_ADDRESS") or "complaints@localhost"
            lines.append(f"  email      smtp://{host}:{self.plan.smtp_port} (mail to {address})")
        if self.postgres is not None:
            lines.append(f"  postgres   {self.postgres.dsn(DATABASE_NAME)}  (TOUSU_DATABASE_URL, psql)")
        if self.broker is not None:
            lines.append(f"  kafka      {self.broker.bootstrap}")
        lines.append(f"  tokens     {self.plan.tokens_file}")
        lines.append(f"  logs       {self.plan.logs_dir}/")
        if self.runtime_file is not None:
            lines.append(f"  runtime    {self.runtime_file} (the other tousu commands find this stack there)")
        lines.append(
            f"Try it from another terminal in this folder: `{self.command_hint('demo')}` walks a dozen "
            "complaints through the loop. Press Ctrl-C to stop."
        )
        return "\n".join(lines)

    def command_hint(self, command: str) -> str:
        """How to run another tousu command on this stack from the current directory."""
        program = sys.argv[0] if Path(sys.argv[0]).name == "tousu" else "tousu"
        hint = f"{program} {command}"
        if self.plan.data_dir != (Path.cwd() / ".tousu").resolve():
            hint += f" --data-dir {self.plan.data_dir}"
        return hint

    # -- run -----------------------------------------------------------------------------------

    async def supervise(self) -> None:
        """Until something fails for good: a service, PostgreSQL or tansu that keeps dying.

        A service that dies is restarted by the :class:`Supervisor`; the embedded PostgreSQL and
        tansu are brought back here, with the same restart policy (backoff, give up when they die
        too often). Returns only by raising.
        """
        watched: dict[asyncio.Task[Any], str] = {}
        if self.supervisor is not None:
            watched[asyncio.create_task(self.supervisor.supervise())] = "services"
        if self.postgres is not None:
            watched[asyncio.create_task(self._keep_up(NAME_POSTGRES, self._restart_postgres))] = "postgres"
        if self.broker is not None:
            watched[asyncio.create_task(self._keep_up(NAME_TANSU, self._restart_broker))] = "tansu"
        if not watched:
            await asyncio.Future()
        try:
            done, _ = await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()  # CrashLoopError (or the StackError of a failed restart) is raised here
                raise StackError(f"{watched[task]} stopped unexpectedly")
        finally:
            for task in watched:
                task.cancel()
            await asyncio.gather(*watched, return_exceptions=True)

    def _infra(self, name: str) -> EmbeddedPostgres | TansuBroker:
        part = self.postgres if name == NAME_POSTGRES else self.broker
        assert part is not None
        return part

    async def _keep_up(self, name: str, restart: Callable[[], Awaitable[None]]) -> None:
        """Start ``name`` (PostgreSQL or tansu) again whenever it exits; raise when it keeps exiting."""
        policy = self.plan.up.restart_policy()
        history = RestartHistory(policy)
        while True:
            part = self._infra(name)
            code = await part.wait()
            process = part.process
            assert process is not None
            process.sweep_group()  # e.g. PostgreSQL's backends after its postmaster was killed
            now = time.monotonic()
            delay = history.next_delay(now)
            if delay is None:
                tail = process.log_tail()
                reason = (
                    f"{describe_exit(code)}; it was restarted {history.recent(now)} times within "
                    f"{policy.window:g}s, giving up"
                )
                if tail.strip():
                    indented = "\n".join(f"    {line}" for line in tail.rstrip().splitlines())
                    reason += f"\n  last lines of its log:\n{indented}"
                raise CrashLoopError(name, reason)
            number = history.record(now)
            self.report(f"{name} {describe_exit(code)}; restarting in {delay:g}s (restart {number})")
            await asyncio.sleep(delay)
            try:
                await restart()
            except StartupError as exc:
                # counted as a failed restart: the next round finds it exited (or stops it first)
                self.report(f"{name} could not be restarted: {exc}")
                part.stop(grace=5)
                continue
            self.report(f"{name} is ready again (pid {part.process.pid if part.process else '?'})")

    async def _restart_postgres(self) -> None:
        assert self.postgres is not None
        await self.postgres.start(within=self.plan.up.up_infra_timeout)

    async def _restart_broker(self) -> None:
        """tansu keeps everything in memory: it comes back without topics, so create them again."""
        assert self.broker is not None
        await self.broker.start(within=self.plan.up.up_infra_timeout)
        await self._step("topics", "shared.messaging.topics", "ensure_topics", "Kafka topics created again")

    def stop(self) -> None:
        """Stop services, then the broker, then PostgreSQL. Idempotent, synchronous, bounded in time."""
        if self._stopped:
            return
        self._stopped = True
        # first: a command started now must not find a stack that is going away
        try:
            remove_runtime(self.plan.data_dir)
        except OSError as exc:
            self.report(f"error while removing {runtime_path(self.plan.data_dir)}: {exc}")
        parts: list[str] = []
        if self.supervisor is not None:
            supervisor = self.supervisor
            started = any(proc.started for proc in supervisor.processes.values())
            self._stop_part("services", started, supervisor.stop, parts)
        if self.broker is not None:
            broker = self.broker
            started = broker.process is not None and broker.process.started
            self._stop_part("tansu", started, broker.stop, parts)
        if self.postgres is not None:
            postgres = self.postgres
            started = postgres.process is not None and postgres.process.started
            self._stop_part("postgres", started, postgres.stop, parts)
        if parts:
            self.report(f"stopped {', '.join(parts)}")

    def _stop_part(self, name: str, started: bool, stop: Callable[[], None], parts: list[str]) -> None:
        """Stop one part; a failure is reported and never keeps the next part from being stopped."""
        try:
            stop()
        except Exception as exc:
            self.report(f"error while stopping {name}: {type(exc).__name__}: {exc}")
            return
        if started:
            parts.append(name)


async def bring_up(plan: StackPlan, report: Reporter = print_report) -> int:
    """Start the stack and supervise it; 1 on any failure (reported). Stops everything on exit."""
    stack = Stack(plan, report)
    try:
        await stack.start()
        report(stack.summary())
        await stack.supervise()
        return 1  # supervise() only returns by raising
    except StackError as exc:
        report(f"error: {exc}")
        report("stopping everything")
        return 1
    finally:
        stack.stop()


def run_up(args: argparse.Namespace) -> int:
    """Entry point of `tousu up` (see :mod:`tooling.cli`)."""
    report = print_report
    try:
        plan = plan_stack(getattr(args, "data_dir", None), getattr(args, "only", None))
    except ValidationError as exc:
        report(f"error: invalid configuration: {exc}")
        return 2
    except StackError as exc:
        report(f"error: {exc}")
        return 2
    return asyncio.run(run_until_signalled(bring_up(plan, report), report=report))
