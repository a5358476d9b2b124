"""Server mode: run MLflow's own `mlflow server`, configured for a Space, Neon and S3."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from server import auth
from server import settings as names
from server.database import sqlalchemy_uri
from server.settings import Settings, space_host

# Sized for a free Space (2 vCPU) and a small Neon compute. Each worker opens three engines
# (tracking, model registry, auth) of at most POOL_SIZE + MAX_OVERFLOW connections: at most
# 2 * 3 * 15 = 90, plus the few the start-up process keeps idle, within the ~100 a 0.25-CU
# Neon compute accepts (MLflow's default of 4 workers could need 180). The pool is not
# smaller because MLflow's log-batch holds two connections of one engine at once: with a
# pool of N, N/2 concurrent calls in one worker wait on each other until the pool times out.
WORKERS = 2
POOL_SIZE = 5
MAX_OVERFLOW = 10
MAX_CONNECTIONS = 100  # quoted in the README; tests hold the server to it

# MLflow's own environment variables, set only when the operator has not set them.
TUNING_DEFAULTS: dict[str, str] = {
    "MLFLOW_WORKERS": str(WORKERS),
    "MLFLOW_SQLALCHEMYSTORE_POOL_SIZE": str(POOL_SIZE),
    "MLFLOW_SQLALCHEMYSTORE_MAX_OVERFLOW": str(MAX_OVERFLOW),
    # Background jobs poll the database every minute: Neon's compute would never suspend
    # and a free plan's compute hours would drain. Nothing here uses them.
    "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
    # No usage data leaves the student's server.
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
}


@dataclass(frozen=True)
class Launch:
    """The command line and environment `mlflow server` runs with."""

    argv: list[str]
    env: dict[str, str]

    def exec(self) -> NoReturn:
        """Become the MLflow server: signals from the Space reach it directly."""
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(self.argv[0], self.argv, self.env)


def _mlflow_server(host: str, port: str) -> list[str]:
    return [sys.executable, "-m", "mlflow", "server", "--host", host, "--port", port]


def _base_env(environ: Mapping[str, str]) -> dict[str, str]:
    env = dict(environ)
    for key, value in TUNING_DEFAULTS.items():
        env.setdefault(key, value)
    return env


def proxy_flags(environ: Mapping[str, str]) -> list[str]:
    """Flags that let the UI work at `https://<SPACE_HOST>` and inside huggingface.co's iframe.

    `--allowed-hosts` replaces MLflow's defaults, so they are added back: localhost keeps
    answering health checks and local clients.
    """
    # Frames: the Space page on huggingface.co shows the app in an iframe.
    flags = ["--x-frame-options", "NONE"]
    host = space_host(environ)
    if host:
        from mlflow.server.security_utils import get_default_allowed_hosts

        flags += ["--allowed-hosts", ",".join([host, *get_default_allowed_hosts()])]
        flags += ["--cors-allowed-origins", f"https://{host}"]
    return flags


def space_launch(settings: Settings, environ: Mapping[str, str], *, host: str, port: str) -> Launch:
    """The launch for Neon + S3. Does no I/O: `prepare` performs what it needs first."""
    env = _base_env(environ)
    # Secrets travel in the environment, never on the command line (`ps` shows that).
    env["MLFLOW_BACKEND_STORE_URI"] = sqlalchemy_uri(settings[names.BACKEND_STORE_URI])
    env["MLFLOW_ARTIFACTS_DESTINATION"] = settings[names.ARTIFACT_ROOT]
    for name in (names.AWS_ACCESS_KEY_ID, names.AWS_SECRET_ACCESS_KEY, names.AWS_DEFAULT_REGION):
        if name in settings:
            env[name] = settings[name]
    if names.S3_ENDPOINT_URL in settings:
        env[names.S3_ENDPOINT_URL] = settings[names.S3_ENDPOINT_URL]
    # `--serve-artifacts` without `--default-artifact-root`: new experiments get
    # `mlflow-artifacts:/` locations, so clients upload through the server and need no AWS keys.
    argv = [*_mlflow_server(host, port), "--serve-artifacts", *proxy_flags(environ)]
    if settings.auth_enabled:
        argv += ["--app-name", "basic-auth"]
        env["MLFLOW_AUTH_ADMIN_USERNAME"] = settings[names.MLFLOW_TRACKING_USERNAME]
        env["MLFLOW_AUTH_ADMIN_PASSWORD"] = settings[names.MLFLOW_TRACKING_PASSWORD]
        env[names.FLASK_SECRET_KEY] = auth.flask_secret_key(settings)
    return Launch(argv, env)


def prepare(launch: Launch, settings: Settings) -> str | None:
    """Write the auth config and bring the admin in line with the secrets, before any worker.

    Returns what happened to the admin account (for the log), or None without auth.
    """
    if not settings.auth_enabled:
        return None
    database_uri = launch.env["MLFLOW_BACKEND_STORE_URI"]
    launch.env["MLFLOW_AUTH_CONFIG_PATH"] = str(auth.write_config(database_uri))
    return auth.sync_admin(
        database_uri,
        settings[names.MLFLOW_TRACKING_USERNAME],
        settings[names.MLFLOW_TRACKING_PASSWORD],
    )


def local_launch(environ: Mapping[str, str], data_dir: Path, *, host: str, port: str) -> Launch:
    """MLflow on a laptop with nothing configured: SQLite and a folder, no credentials."""
    data_dir = data_dir.resolve()
    (data_dir / "artifacts").mkdir(parents=True, exist_ok=True)
    env = _base_env(environ)
    env["MLFLOW_WORKERS"] = "1"
    # Cloud settings from the shell must not leak into a local run.
    for name in (
        "MLFLOW_BACKEND_STORE_URI",
        "MLFLOW_ARTIFACTS_DESTINATION",
        "MLFLOW_AUTH_CONFIG_PATH",
    ):
        env.pop(name, None)
    argv = [
        *_mlflow_server(host, port),
        "--backend-store-uri",
        f"sqlite:///{data_dir / 'mlflow.db'}",
        "--serve-artifacts",
        "--artifacts-destination",
        str(data_dir / "artifacts"),
        *proxy_flags(environ),
    ]
    return Launch(argv, env)
