"""Shared pieces of the benchmark: the backing services, the three servers, and sampling.

Everything listens on 127.0.0.1. The services are the test suite's own (tests/services.py):
a TLS + SCRAM PostgreSQL cluster and moto's S3 with IAM enforced.
"""

from __future__ import annotations

import configparser
import logging
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from app_process import clean_environ, group_pids, seed_env  # noqa: E402
from services import MotoS3, PgDatabase, PostgresCluster, S3Bucket, free_port  # noqa: E402

USERNAME = "admin"
PASSWORD = "bench-password-" + secrets.token_hex(6)
AUTH = (USERNAME, PASSWORD)
REGION = "eu-west-3"
PREFIX = "mlflow-artifacts"
SEARCH = "/api/2.0/mlflow/experiments/search?max_results=5"

OURS, PLAIN_AUTH, PLAIN = "ours", "plain-auth", "plain"
KINDS = (OURS, PLAIN_AUTH, PLAIN)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- services --------------------------------------------------------------------------------


@dataclass
class Services:
    folder: Path
    postgres: PostgresCluster
    moto: MotoS3

    def database(self) -> PgDatabase:
        suffix = secrets.token_hex(5)
        user, name, password = f"bench_{suffix}", f"bench_{suffix}", secrets.token_urlsafe(24)
        self.postgres.create_role(user, password)
        self.postgres.create_database(name, owner=user)
        direct = self.postgres.url(user, password, name, sslmode="require")
        return PgDatabase(user, password, name, direct_url=direct, pooled_url=direct)

    def bucket(self) -> S3Bucket:
        suffix = secrets.token_hex(5)
        name = f"bench-{suffix}"
        self.moto.create_bucket(name, region=REGION)
        key, secret = self.moto.create_user(f"bench-{suffix}", self.moto.s3_policy(name, PREFIX))
        return S3Bucket(
            name, PREFIX, f"s3://{name}/{PREFIX}", key, secret, REGION, self.moto.endpoint_url
        )

    def connections(self, user: str) -> int:
        return self.postgres.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE usename = %s", params=(user,)
        )[0][0]


@contextmanager
def services() -> Iterator[Services]:
    folder = Path(tempfile.mkdtemp(prefix="mlflow-bench-"))
    folder.chmod(0o755)  # the cluster runs as `postgres` when we are root
    postgres = PostgresCluster(folder / "postgres")
    moto = MotoS3(region=REGION)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    try:
        postgres.start()
        moto.start()
        yield Services(folder, postgres, moto)
    finally:
        moto.stop()
        postgres.stop()


# -- servers ---------------------------------------------------------------------------------


@dataclass
class Server:
    """One of the three servers, on its own database and bucket; started and stopped at will."""

    kind: str
    database: PgDatabase
    bucket: S3Bucket
    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def auth(self) -> tuple[str, str] | None:
        return None if self.kind == PLAIN else AUTH

    def command(self) -> tuple[list[str], dict[str, str]]:
        if self.kind == OURS:
            env = seed_env(
                self.database.direct_url, self.bucket, username=USERNAME, password=PASSWORD
            )
            env["PORT"] = str(self.port)
            argv = [sys.executable, str(ROOT / "app.py"), "server", "--host", "127.0.0.1"]
            return argv, clean_environ(env)
        # MLflow's defaults, told only what it must be told: where the data goes. The URI
        # names the psycopg 3 driver, as MLflow needs on PostgreSQL (FACTS.md); nothing else.
        backend = self.database.direct_url.replace("postgresql://", "postgresql+psycopg://", 1)
        env = clean_environ(
            {
                "AWS_ACCESS_KEY_ID": self.bucket.access_key_id,
                "AWS_SECRET_ACCESS_KEY": self.bucket.secret_access_key,
                "AWS_DEFAULT_REGION": self.bucket.region,
                "MLFLOW_S3_ENDPOINT_URL": self.bucket.endpoint_url,
                # Loopback only: no usage data leaves this machine (not a performance knob).
                "MLFLOW_DISABLE_TELEMETRY": "true",
                "DO_NOT_TRACK": "true",
            }
        )
        argv = [
            sys.executable, "-m", "mlflow", "server",
            "--host", "127.0.0.1", "--port", str(self.port),
            "--backend-store-uri", backend,
            "--artifacts-destination", self.bucket.artifact_root,
        ]  # fmt: skip
        if self.kind == PLAIN_AUTH:
            argv += ["--app-name", "basic-auth"]
            env["MLFLOW_FLASK_SERVER_SECRET_KEY"] = secrets.token_hex(32)
            env["MLFLOW_AUTH_ADMIN_PASSWORD"] = PASSWORD
            env["MLFLOW_AUTH_CONFIG_PATH"] = str(self._auth_config(backend))
        return argv, env

    def _auth_config(self, backend: str) -> Path:
        """MLflow's shipped basic_auth.ini, with the users in the same database."""
        config = configparser.ConfigParser(interpolation=None)
        config["mlflow"] = {
            "default_permission": "READ",
            "database_uri": backend,
            "admin_username": USERNAME,
            "authorization_function": "mlflow.server.auth:authenticate_request_basic_auth",
        }
        path = self.folder / f"{self.kind}-basic_auth.ini"
        with path.open("w") as handle:
            config.write(handle)
        path.chmod(0o600)
        return path

    def start(self) -> float:
        """Start the process; return the monotonic time just before it was started."""
        argv, env = self.command()
        log_file = (self.folder / f"{self.kind}.log").open("ab")
        started = time.monotonic()
        self.process = subprocess.Popen(
            argv,
            cwd=self.folder,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log_file.close()
        return started

    def wait(self, path: str, timeout: float, auth: tuple[str, str] | None = None) -> float:
        """Monotonic time at which `path` first answered 200 (raises after `timeout`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} exited: {self.log_tail()}")
            try:
                if requests.get(self.url + path, auth=auth, timeout=5).status_code == 200:
                    return time.monotonic()
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{self.kind}: {path} did not answer in {timeout}s: {self.log_tail()}")

    def cold_start(self) -> tuple[float, float]:
        """(seconds to /health, seconds to a first authenticated API call) from process start."""
        started = self.start()
        healthy = self.wait("/health", 180)
        answered = self.wait(SEARCH, 120, auth=self.auth)
        return healthy - started, answered - started

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        # uvicorn's workers and MLflow's job runner are in the group too.
        deadline = time.monotonic() + 15
        while group_pids(self.process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        for pid in group_pids(self.process.pid):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def rss_kib(self) -> int:
        assert self.process is not None
        return group_rss_kib(self.process.pid)

    def log_tail(self) -> str:
        path = self.folder / f"{self.kind}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def group_rss_kib(pgid: int) -> int:
    """Sum of VmRSS over a process group (shared pages count once per process)."""
    total = 0
    for pid in group_pids(pgid):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


class Sampler:
    """Call `probe` every `interval` seconds in a thread; keep the largest value."""

    def __init__(self, probe: Callable[[], int], interval: float = 0.5) -> None:
        self.probe = probe
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            with suppress(Exception):  # a sample lost is not a benchmark lost
                self.peak = max(self.peak, self.probe())
            self._stop.wait(self.interval)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def median(values: list[float]) -> float:
    return statistics.median(values)
