"""docker-compose.yml and deploy/Dockerfile: validated without a Docker engine.

`docker-compose config` parses, interpolates and validates the compose file the same way
`up` would, and needs no engine. The images themselves are never built or run here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from shared.events.envelope import Role
from shared.privacy.config import PrivacySettings
from shared.settings import DATABASE_ROLE_KEYS, SERVICE_NAMES, Settings

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
TOUSU_IMAGE_SERVICES = (*SERVICE_NAMES, "migrate")


def _compose_command() -> list[str]:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    pytest.fail(
        "docker-compose is not installed, so docker-compose.yml cannot be validated. "
        "Install it (CI does, in .ci/run): apt-get update && apt-get install -y docker-compose"
    )


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """The compose file as `docker-compose config` resolves it (anchors merged, paths absolute)."""
    result = subprocess.run(
        [*_compose_command(), "-f", str(COMPOSE_FILE), "config"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"docker-compose config failed:\n{result.stderr}\n{result.stdout}"
    config: dict[str, Any] = yaml.safe_load(result.stdout)
    return config


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # KEY=VALUE form
        env = dict(item.split("=", 1) for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def _argv(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return value.split() if isinstance(value, str) else [str(v) for v in value]


def test_all_services_present(compose: dict[str, Any]) -> None:
    services = set(compose["services"])
    expected = {"postgres", "kafka", "migrate", *SERVICE_NAMES}
    assert expected <= services, f"missing services: {sorted(expected - services)}"


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_service_runs_its_own_command_from_the_shared_image(compose: dict[str, Any], name: str) -> None:
    service = compose["services"][name]
    assert _argv(service.get("command")) == ["serve", name]
    assert not service.get("entrypoint"), "services use the image's `tousu` entrypoint"
    build = service["build"]
    assert Path(build["context"]).resolve() == ROOT
    assert build.get("dockerfile") == "deploy/Dockerfile"
    assert service.get("restart") == "unless-stopped"
    depends = service.get("depends_on")
    assert isinstance(depends, dict), "depends_on must use the long form with conditions"
    assert depends["migrate"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_service_publishes_its_configured_port(compose: dict[str, Any], name: str) -> None:
    port = Settings().port_of(name)
    published: set[tuple[str, str]] = set()
    for entry in compose["services"][name].get("ports") or []:
        if isinstance(entry, dict):
            published.add((str(entry.get("published")), str(entry.get("target"))))
        else:
            host, _, container = str(entry).rpartition(":")
            published.add((host.rpartition(":")[2], container.split("/")[0]))
    assert (str(port), str(port)) in published, f"{name}: expected {port}:{port}, got {published}"


def test_image_services_share_one_image(compose: dict[str, Any]) -> None:
    images = {compose["services"][name].get("image") for name in TOUSU_IMAGE_SERVICES}
    assert len(images) == 1, f"the tousu services should build one image, got {images}"


def test_migrate_is_one_shot_after_healthy_infrastructure(compose: dict[str, Any]) -> None:
    migrate = compose["services"]["migrate"]
    script = " ".join(_argv(migrate.get("entrypoint")) + _argv(migrate.get("command")))
    assert script.index("tousu migrate") < script.index("tousu topics"), script
    assert migrate.get("restart") in (None, "no"), "a one-shot job must not be restarted"
    depends = migrate["depends_on"]
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["kafka"]["condition"] == "service_healthy"


def test_environment_names_are_settings_fields(compose: dict[str, Any]) -> None:
    prefix = str(Settings.model_config.get("env_prefix", "")).upper()
    assert prefix == "TOUSU_"
    known = {
        str(model.model_config.get("env_prefix", "")).upper() + field.upper()
        for model in (Settings, PrivacySettings)
        for field in model.model_fields
    }
    for name in TOUSU_IMAGE_SERVICES:
        env = _env(compose["services"][name])
        tousu_keys = [key for key in env if key.startswith(prefix)]
        assert tousu_keys, f"{name} sets no TOUSU_* variables"
        unknown = [key for key in tousu_keys if key not in known]
        assert not unknown, f"{name}: {unknown} do not match any field of Settings or PrivacySettings"


def _database_variables(env: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in env.items() if key.endswith("DATABASE_URL")}


def test_environment_parses_and_points_at_the_compose_services(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    services = compose["services"]
    envs = [_env(services[name]) for name in TOUSU_IMAGE_SERVICES]
    shared = [{k: v for k, v in env.items() if k not in _database_variables(env)} for env in envs]
    assert all(env == shared[0] for env in shared), "every tousu container shares all but its database login"
    env = _env(services["migrate"])
    for key in [key for key in os.environ if key.startswith("TOUSU_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = Settings()

    db = urlsplit(settings.database_url)
    assert db.scheme == "postgresql+asyncpg"
    assert db.hostname in services and services[db.hostname]["image"].startswith("postgres:16")
    assert (db.port or 5432) == 5432
    postgres_env = _env(services["postgres"])
    assert db.username == postgres_env["POSTGRES_USER"]
    assert db.password == postgres_env["POSTGRES_PASSWORD"]
    assert db.path.lstrip("/") == postgres_env["POSTGRES_DB"]

    assert settings.kafka_bootstrap == "kafka:9092"
    assert settings.kafka_idempotence is True
    assert settings.timezone == "Asia/Shanghai"
    assert settings.host == "0.0.0.0"
    assert settings.tokens_file is not None


def test_each_process_has_its_own_login_and_only_migrate_the_owner(compose: dict[str, Any]) -> None:
    services = compose["services"]
    migrate = _database_variables(_env(services["migrate"]))
    owner = urlsplit(migrate["TOUSU_DATABASE_URL"])
    logins = {key: urlsplit(migrate[f"TOUSU_{key.upper()}_DATABASE_URL"]) for key in DATABASE_ROLE_KEYS}
    users = [url.username for url in logins.values()]
    assert len(set(users)) == len(users) and owner.username not in users
    for url in logins.values():
        assert (url.hostname, url.port, url.path) == (owner.hostname, owner.port, owner.path)
        assert url.password and url.password != owner.password
    for name in SERVICE_NAMES:
        variable = f"TOUSU_{name.upper()}_DATABASE_URL"
        assert _database_variables(_env(services[name])) == {variable: migrate[variable]}, name
    assert "tousu db roles" in " ".join(_argv(services["migrate"].get("command")))


def test_tokens_secret_is_mounted_where_settings_look(compose: dict[str, Any]) -> None:
    tokens_path = Path(_env(compose["services"]["intake"])["TOUSU_TOKENS_FILE"])
    assert tokens_path.parent == Path("/run/secrets")
    for name in TOUSU_IMAGE_SERVICES:
        mounts = compose["services"][name].get("secrets") or []
        targets = {
            (m["source"], m.get("target") or m["source"]) if isinstance(m, dict) else (m, m) for m in mounts
        }
        assert any(target in (tokens_path.name, str(tokens_path)) for _, target in targets), (
            f"{name} does not mount a secret at {tokens_path}: {targets}"
        )
        source = next(src for src, target in targets if target in (tokens_path.name, str(tokens_path)))
        secret_file = Path(compose["secrets"][source]["file"])
        if not secret_file.is_absolute():
            secret_file = ROOT / secret_file
        assert secret_file.resolve() == (ROOT / "deploy" / "tokens.example.yaml").resolve()


def test_example_tokens_cover_every_role() -> None:
    data = yaml.safe_load((ROOT / "deploy" / "tokens.example.yaml").read_text(encoding="utf-8"))
    tokens = data["tokens"]
    human_roles = {Role.CHANNEL, Role.AGENT, Role.SUPERVISOR, Role.OPERATOR, Role.AUDITOR, Role.ADMIN}
    assert {Role(t["role"]) for t in tokens} == human_roles | {
        Role.PR_OWNER,
        Role.DEPARTMENT_HEAD,
        Role.QUALITY_ENGINEER,
    }
    assert len({t["token"] for t in tokens}) == len(tokens), "tokens must be unique"
    for entry in tokens:
        assert set(entry) <= {"token", "subject", "role", "department"}
        assert entry["subject"]
        assert "example" in entry["token"].lower(), "example tokens must look obviously fake"
        if entry["role"] in (Role.AGENT, Role.DEPARTMENT_HEAD):
            assert entry.get("department"), "agents and heads belong to a department"


def test_kafka_is_apache_kafka_in_kraft_mode(compose: dict[str, Any]) -> None:
    kafka = compose["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    env = _env(kafka)
    assert "KAFKA_ZOOKEEPER_CONNECT" not in env
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    node_id = env["KAFKA_NODE_ID"]
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{node_id}@kafka:9093"
    assert "CONTROLLER" in env["KAFKA_CONTROLLER_LISTENER_NAMES"].split(",")
    listeners = env["KAFKA_LISTENERS"].split(",")
    assert "PLAINTEXT://:9092" in listeners and "CONTROLLER://:9093" in listeners
    assert env["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://kafka:9092"
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"
    assert env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"] == "1"
    test = " ".join(_argv(kafka["healthcheck"]["test"]))
    assert "/opt/kafka/bin/kafka-broker-api-versions.sh" in test


def test_postgres_has_healthcheck_and_volume(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]
    assert postgres["image"] == "postgres:16"
    assert "pg_isready" in " ".join(_argv(postgres["healthcheck"]["test"]))
    assert any("/var/lib/postgresql/data" in str(v) for v in postgres.get("volumes") or [])


# --- deploy/Dockerfile ---------------------------------------------------------------------


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    logical: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    if current:
        logical.append(current)
    pairs = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        pairs.append((keyword.upper(), rest.strip()))
    return pairs


def _final_stage() -> list[tuple[str, str]]:
    instructions = _dockerfile_instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def test_dockerfile_uses_the_tousu_entrypoint() -> None:
    assert DOCKERFILE.is_file(), "deploy/Dockerfile is missing"
    stage = dict(_final_stage())
    assert stage["FROM"].split()[0] == "python:3.11-slim"
    assert json.loads(stage["ENTRYPOINT"]) == ["tousu"]
    assert json.loads(stage["CMD"]) == ["serve", "intake"]
    assert stage.get("USER") not in (None, "root", "0"), "the image must run as a non-root user"
    exposed = {int(p.split("/")[0]) for p in stage["EXPOSE"].split()}
    assert exposed == {Settings().port_of(name) for name in SERVICE_NAMES}
    install = " ".join(args for keyword, args in _dockerfile_instructions() if keyword == "RUN")
    assert "pip install" in install and "pip install -e" not in install, "install the project, not editable"


def _healthcheck_code() -> str:
    args = dict(_final_stage())["HEALTHCHECK"]
    match = re.search(r"\bCMD\s+(\[.*\])\s*$", args)
    assert match, f"HEALTHCHECK must use the exec form: {args}"
    argv = json.loads(match.group(1))
    assert argv[:2] == ["python", "-c"], argv
    code: str = argv[2]
    assert "/proc/1/cmdline" in code
    return code


class _Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[HTTPServer]:
    server = HTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _run_healthcheck(tmp_path: Path, argv: list[str], env: dict[str, str]) -> int:
    """The HEALTHCHECK snippet, reading a fake PID-1 command line instead of /proc/1/cmdline."""
    cmdline = tmp_path / "cmdline"
    cmdline.write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    code = _healthcheck_code().replace("/proc/1/cmdline", str(cmdline))
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("TOUSU_")}
    result = subprocess.run(
        [sys.executable, "-c", code], env={**clean_env, **env}, capture_output=True, timeout=60, check=False
    )
    return result.returncode


def test_dockerfile_healthcheck_probes_the_served_service(tmp_path: Path, health_server: HTTPServer) -> None:
    port = str(health_server.server_address[1])
    pid1 = ["/opt/tousu/bin/python", "/opt/tousu/bin/tousu", "serve", "routing"]
    _Health.status = 200
    assert _run_healthcheck(tmp_path, pid1, {"TOUSU_ROUTING_PORT": port}) == 0
    _Health.status = 503
    assert _run_healthcheck(tmp_path, pid1, {"TOUSU_ROUTING_PORT": port}) != 0
    _Health.status = 200
    # Probing another service's port (nothing listens there) must fail.
    assert _run_healthcheck(tmp_path, pid1, {"TOUSU_INTAKE_PORT": port, "TOUSU_ROUTING_PORT": "1"}) != 0
    # One-shot commands (migrate) have no HTTP endpoint and count as healthy.
    assert _run_healthcheck(tmp_path, ["sh", "-c", "tousu migrate && tousu topics"], {}) == 0
