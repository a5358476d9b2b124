"""Server mode under load and when what it stands on fails: what it acknowledged stays.

Behaviour, not timings: eight clients log through the server at once; the server is
SIGKILLed mid-load; PostgreSQL restarts under it; PgBouncer and the S3 endpoint go away
and come back; the server starts with the database unreachable or a revoked key. Every
request is bounded by a timeout and every retry loop by a count and a deadline.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests
from app_process import AppProcess, group_pids, seed_env
from services import (
    LOCALHOST,
    MotoS3,
    PgBouncer,
    PgDatabase,
    PostgresCluster,
    S3Bucket,
    free_port,
    fresh_database,
)

USERNAME = "admin"
PASSWORD = "CANARY-load-" + secrets.token_hex(8)
AUTH = (USERNAME, PASSWORD)

CLIENTS = 8
BATCHES = 30
PER_BATCH = 10
METRICS = BATCHES * PER_BATCH  # per client
KEY = "loss"
REQUEST_TIMEOUT = 60  # seconds: a server that hangs fails the test instead of stalling it
RETRY_PAUSE = 0.5
RETRY_ATTEMPTS = 400  # with RETRY_PAUSE, longer than a server restart, still bounded
RETRY_DEADLINE = 150.0

LOG_BATCH = "/api/2.0/mlflow/runs/log-batch"
SEARCH = "/api/2.0/mlflow/experiments/search?max_results=5"


# -- the clients -------------------------------------------------------------------------------


class Target:
    """Where the clients send their calls: it changes when the server is started again."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        with self._lock:
            return self._url

    @url.setter
    def url(self, value: str) -> None:
        with self._lock:
            self._url = value


@dataclasses.dataclass
class Client:
    """One student's run; what the server acknowledged (HTTP 200) to this client."""

    index: int
    run_id: str
    artifact_dir: str  # `<experiment>/<run>/artifacts` under the proxied artifact root
    acked_steps: set[int] = dataclasses.field(default_factory=set)
    artifact_acked: bool = False
    failures: list[str] = dataclasses.field(default_factory=list)

    @property
    def artifact_name(self) -> str:
        return f"note-{self.index}.txt"

    @property
    def artifact_body(self) -> bytes:
        return f"client {self.index} of run {self.run_id}\n".encode()

    def value(self, step: int) -> float:
        return self.index * 1000 + step + 0.5  # exact in binary: equality checks are safe


class Progress:
    """Batches acknowledged so far, over all clients."""

    def __init__(self) -> None:
        self._count = 0
        self._lock = threading.Lock()

    def add(self) -> None:
        with self._lock:
            self._count += 1

    @property
    def count(self) -> int:
        with self._lock:
            return self._count


def call(
    target: Target,
    client: Client,
    method: str,
    path: str,
    *,
    retry: bool,
    **kwargs: Any,
) -> requests.Response:
    """One API call; with `retry`, again until it is acknowledged (bounded in count and time)."""
    deadline = time.monotonic() + RETRY_DEADLINE
    for attempt in range(1, RETRY_ATTEMPTS + 1):
        try:
            response = requests.request(
                method, target.url + path, auth=AUTH, timeout=REQUEST_TIMEOUT, **kwargs
            )
            if response.status_code == 200:
                return response
            problem = f"{method} {path}: {response.status_code} {response.text[:300]}"
        except requests.RequestException as error:
            problem = f"{method} {path}: {type(error).__name__}"
        client.failures.append(problem)
        if not retry or attempt == RETRY_ATTEMPTS or time.monotonic() > deadline:
            raise AssertionError(f"client {client.index} gave up after {attempt} tries: {problem}")
        time.sleep(RETRY_PAUSE)
    raise AssertionError("unreachable")


def run_client(target: Target, client: Client, progress: Progress, *, retry: bool) -> None:
    """Log METRICS metrics in BATCHES log-batch calls, and one artifact half-way."""
    for batch in range(BATCHES):
        steps = range(batch * PER_BATCH, (batch + 1) * PER_BATCH)
        metrics = [
            {"key": KEY, "value": client.value(s), "timestamp": 1_700_000_000_000 + s, "step": s}
            for s in steps
        ]
        body = {"run_id": client.run_id, "metrics": metrics}
        call(target, client, "POST", LOG_BATCH, retry=retry, json=body)
        client.acked_steps.update(steps)
        progress.add()
        if batch == BATCHES // 2:
            path = (
                f"/api/2.0/mlflow-artifacts/artifacts/{client.artifact_dir}/{client.artifact_name}"
            )
            call(target, client, "PUT", path, retry=retry, data=client.artifact_body)
            client.artifact_acked = True


def create_runs(url: str, experiment: str, count: int = CLIENTS) -> list[Client]:
    created = requests.post(
        url + "/api/2.0/mlflow/experiments/create",
        json={"name": experiment},
        auth=AUTH,
        timeout=REQUEST_TIMEOUT,
    )
    assert created.status_code == 200, created.text
    experiment_id = created.json()["experiment_id"]
    clients = []
    for index in range(count):
        run = requests.post(
            url + "/api/2.0/mlflow/runs/create",
            json={"experiment_id": experiment_id, "run_name": f"client-{index}"},
            auth=AUTH,
            timeout=REQUEST_TIMEOUT,
        )
        assert run.status_code == 200, run.text
        info = run.json()["run"]["info"]
        assert info["artifact_uri"].startswith("mlflow-artifacts:/")
        artifact_dir = info["artifact_uri"].removeprefix("mlflow-artifacts:").strip("/")
        clients.append(Client(index, info["run_id"], artifact_dir))
    return clients


def run_clients(
    target: Target,
    clients: list[Client],
    *,
    retry: bool,
    while_running: Callable[[Progress], None] | None = None,
) -> None:
    progress = Progress()
    with ThreadPoolExecutor(len(clients)) as pool:
        futures = [pool.submit(run_client, target, c, progress, retry=retry) for c in clients]
        if while_running is not None:
            while_running(progress)
        for future in futures:
            future.result(timeout=RETRY_DEADLINE * 3)


# -- what is stored --------------------------------------------------------------------------


def stored_metrics(
    database: PgDatabase, clients: list[Client]
) -> dict[str, set[tuple[int, float]]]:
    """(step, value) of each client's metric, read from Postgres itself."""
    run_ids = [c.run_id for c in clients]
    with psycopg.connect(database.direct_url, connect_timeout=10) as connection:
        rows = connection.execute(
            "SELECT run_uuid, step, value FROM metrics WHERE key = %s AND run_uuid = ANY(%s)",
            (KEY, run_ids),
        ).fetchall()
    stored: dict[str, set[tuple[int, float]]] = {run_id: set() for run_id in run_ids}
    for run_id, step, value in rows:
        stored[run_id].add((step, value))
    return stored


def assert_everything_acknowledged_is_stored(
    url: str,
    clients: list[Client],
    database: PgDatabase,
    bucket: S3Bucket,
    moto_s3: MotoS3,
) -> None:
    """The clients finished, and every metric and artifact the server acknowledged is there:
    through the API, in Postgres and in S3. (Each batch is acknowledged once: a client
    resends only what was not acknowledged.)"""
    in_database = stored_metrics(database, clients)
    keys = set(moto_s3.list_keys(bucket.bucket, bucket.prefix + "/"))
    s3 = moto_s3.client("s3")

    for client in clients:
        assert client.acked_steps == set(range(METRICS)) and client.artifact_acked
        acked = {(step, client.value(step)) for step in client.acked_steps}
        assert acked <= in_database[client.run_id], f"client {client.index}: lost in Postgres"
        # Retried batches are the same rows: MLflow keeps one of each, nothing else appears.
        assert len(in_database[client.run_id]) == len({s for s, _ in in_database[client.run_id]})
        assert in_database[client.run_id] <= {(s, client.value(s)) for s in range(METRICS)}

        history = requests.get(
            url + "/api/2.0/mlflow/metrics/get-history",
            params={"run_id": client.run_id, "metric_key": KEY, "max_results": 10_000},
            auth=AUTH,
            timeout=REQUEST_TIMEOUT,
        )
        assert history.status_code == 200, history.text
        through_api = {(m["step"], m["value"]) for m in history.json().get("metrics", [])}
        assert acked <= through_api, f"client {client.index}: lost through the API"

        listed = requests.get(
            url + "/api/2.0/mlflow/artifacts/list",
            params={"run_id": client.run_id},
            auth=AUTH,
            timeout=REQUEST_TIMEOUT,
        )
        assert listed.status_code == 200, listed.text
        assert client.artifact_name in {f["path"] for f in listed.json().get("files", [])}
        downloaded = requests.get(
            f"{url}/api/2.0/mlflow-artifacts/artifacts/{client.artifact_dir}/"
            f"{client.artifact_name}",
            auth=AUTH,
            timeout=REQUEST_TIMEOUT,
        )
        assert downloaded.status_code == 200 and downloaded.content == client.artifact_body
        key = f"{bucket.prefix}/{client.artifact_dir}/{client.artifact_name}"
        assert key in keys, sorted(keys)
        stored = s3.get_object(Bucket=bucket.bucket, Key=key)["Body"].read()
        assert stored == client.artifact_body


# -- processes -------------------------------------------------------------------------------


def process_group(app: AppProcess) -> set[int]:
    """The pids of the server's process group (uvicorn and its workers)."""
    assert app.process is not None
    return group_pids(app.process.pid)


def api_calls_succeed(url: str, run_id: str, rounds: int = 6) -> list[str]:
    """A mix of reads and writes, enough to reach both workers; returns the failures."""
    failures = []
    for index in range(rounds):
        for method, path, body in (
            ("GET", SEARCH, None),
            ("GET", f"/api/2.0/mlflow/runs/get?run_id={run_id}", None),
            ("POST", LOG_BATCH, {"run_id": run_id, "params": [{"key": f"p{index}", "value": "1"}]}),
        ):
            try:
                response = requests.request(
                    method, url + path, json=body, auth=AUTH, timeout=REQUEST_TIMEOUT
                )
                if response.status_code != 200:
                    failures.append(f"{method} {path}: {response.status_code} {response.text}")
            except requests.RequestException as error:
                failures.append(f"{method} {path}: {error!r}")
    return failures


def wait_until(check: Callable[[], bool], timeout: float, pause: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(pause)
    return check()


def assert_error_response(response: requests.Response) -> None:
    """A failure the client can read: a 5xx status with a message, not a hang or a 200."""
    assert 500 <= response.status_code < 600, (response.status_code, response.text[:500])
    assert response.text.strip(), "an error without any message"


# -- fixtures --------------------------------------------------------------------------------


class OwnS3Endpoint:
    """A second moto server in this process, on a port of its own, that can go away.

    moto's backends (buckets, IAM users, the auth switch) are global to the process: this
    endpoint serves the session's state with IAM enforced, and stopping it leaves the shared
    endpoint alone. Started again on the same port, it serves the same state.
    """

    def __init__(self) -> None:
        self._server: Any = None
        self.port: int | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://{LOCALHOST}:{self.port}"

    def start(self) -> None:
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address=LOCALHOST, port=self.port or 0, verbose=False)
        self._server.start()
        self.port = self._server.get_host_and_port()[1]

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


def own_bucket(moto_s3: MotoS3, endpoint_url: str | None = None, user: str = "") -> S3Bucket:
    """A bucket and an IAM user (named `user`, or at random) allowed what MLflow needs."""
    suffix = secrets.token_hex(6)
    name, prefix = f"mlflow-faults-{suffix}", "mlflow-artifacts"
    moto_s3.create_bucket(name, region=moto_s3.region)
    policy = moto_s3.s3_policy(name, prefix + "/")
    key_id, secret = moto_s3.create_user(user or f"faults-{suffix}", policy)
    return S3Bucket(
        bucket=name,
        prefix=prefix,
        artifact_root=f"s3://{name}/{prefix}",
        access_key_id=key_id,
        secret_access_key=secret,
        region=moto_s3.region,
        endpoint_url=endpoint_url or moto_s3.endpoint_url,
    )


@pytest.fixture(scope="module")
def server(
    module_database: PgDatabase, module_bucket: S3Bucket, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppProcess]:
    """Basic auth on, Postgres direct, S3 through moto."""
    folder = tmp_path_factory.mktemp("load")
    env = seed_env(module_database.direct_url, module_bucket, username=USERNAME, password=PASSWORD)
    with AppProcess(env, cwd=folder, log_path=folder / "app.log") as app:
        app.wait_for("/health")
        yield app


@pytest.fixture(scope="module")
def s3_endpoint(moto_s3: MotoS3) -> Iterator[OwnS3Endpoint]:
    endpoint = OwnS3Endpoint()
    endpoint.start()
    yield endpoint
    endpoint.stop()


@pytest.fixture(scope="module")
def fragile(
    postgres_cluster: PostgresCluster,
    pgbouncer: PgBouncer,
    moto_s3: MotoS3,
    s3_endpoint: OwnS3Endpoint,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[AppProcess, PgDatabase, S3Bucket, Client]]:
    """A server through PgBouncer (the `-pooler` URL) and through the S3 endpoint that can
    go away, with one run created."""
    folder = tmp_path_factory.mktemp("fragile")
    bucket = own_bucket(moto_s3, s3_endpoint.endpoint_url)
    with fresh_database(postgres_cluster, pgbouncer) as database:
        env = seed_env(database.pooled_url, bucket, username=USERNAME, password=PASSWORD)
        with AppProcess(env, cwd=folder, log_path=folder / "app.log") as app:
            app.wait_for("/health")
            (client,) = create_runs(app.url, "fragile", count=1)
            yield app, database, bucket, client


# -- load ------------------------------------------------------------------------------------


def test_concurrent_clients_lose_nothing(
    server: AppProcess, module_database: PgDatabase, module_bucket: S3Bucket, moto_s3: MotoS3
):
    clients = create_runs(server.url, "load")
    run_clients(Target(server.url), clients, retry=False)

    assert [c.failures for c in clients] == [[] for _ in clients]
    assert_everything_acknowledged_is_stored(
        server.url, clients, module_database, module_bucket, moto_s3
    )


def test_server_reconnects_after_postgres_restarts(
    server: AppProcess, module_database: PgDatabase, postgres_cluster: PostgresCluster
):
    """MLflow's engines ping a pooled connection before use: the server itself needs no
    restart when the database drops every session (as Neon does when it suspends)."""
    (client,) = create_runs(server.url, "before-restart", count=1)
    assert api_calls_succeed(server.url, client.run_id, rounds=2) == []
    workers = process_group(server)
    held = postgres_cluster.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE usename = %s", params=(module_database.user,)
    )[0][0]
    assert held > 0, "the server should hold pooled connections, for the restart to cut"

    postgres_cluster.restart()

    assert api_calls_succeed(server.url, client.run_id) == []
    assert server.process is not None and server.process.poll() is None
    assert process_group(server) == workers, "the server (or a worker) was restarted"


# -- the server is killed ----------------------------------------------------------------------


def test_sigkill_mid_load_loses_nothing_acknowledged(
    pg_database: PgDatabase, s3_bucket: S3Bucket, moto_s3: MotoS3, tmp_path: Path
):
    env = seed_env(pg_database.direct_url, s3_bucket, username=USERNAME, password=PASSWORD)
    first = AppProcess(env, cwd=tmp_path, log_path=tmp_path / "first.log")
    second = AppProcess(env, cwd=tmp_path, log_path=tmp_path / "second.log")
    killed_at: list[int] = []

    def kill_and_restart(progress: Progress) -> None:
        # A quarter of the batches in, while the others are in flight: kill -9 the group.
        assert wait_until(lambda: progress.count >= CLIENTS * BATCHES // 4, 60, pause=0.02)
        assert first.process is not None
        os.killpg(first.process.pid, signal.SIGKILL)
        killed_at.append(progress.count)
        first.process.wait(timeout=10)
        assert wait_until(lambda: not process_group(first), 10, pause=0.1)
        # Already, with no server running: what the killed server acknowledged is stored.
        acknowledged = {c.run_id: {(s, c.value(s)) for s in set(c.acked_steps)} for c in clients}
        stored = stored_metrics(pg_database, clients)
        assert all(acknowledged[run] <= stored[run] for run in acknowledged)
        second.start()
        second.wait_for("/health")
        target.url = second.url

    try:
        first.start()
        first.wait_for("/health")
        target = Target(first.url)
        clients = create_runs(first.url, "killed")
        run_clients(target, clients, retry=True, while_running=kill_and_restart)

        assert killed_at and killed_at[0] < CLIENTS * BATCHES, "the kill came after the load"
        assert any(c.failures for c in clients), "no client noticed the kill"
        assert_everything_acknowledged_is_stored(
            second.url, clients, pg_database, s3_bucket, moto_s3
        )
    finally:
        second.stop()
        first.stop()


# -- PgBouncer and S3 go away ------------------------------------------------------------------


def test_pooler_outage_gives_errors_then_recovers(
    fragile: tuple[AppProcess, PgDatabase, S3Bucket, Client], pgbouncer: PgBouncer
):
    app, _database, _bucket, client = fragile
    assert api_calls_succeed(app.url, client.run_id, rounds=2) == []
    # A second account, never used before the outage: its password is checked against the
    # database, not found in the workers' credential cache.
    student = ("student", "student-password-" + secrets.token_hex(4))
    created = requests.post(
        app.url + "/api/2.0/mlflow/users/create",
        json={"username": student[0], "password": student[1]},
        auth=AUTH,
        timeout=REQUEST_TIMEOUT,
    )
    assert created.status_code == 200, created.text
    workers = process_group(app)

    pgbouncer.stop()
    try:
        for credentials in (AUTH, student):
            for method, path, body in (
                ("GET", SEARCH, None),
                ("GET", f"/api/2.0/mlflow/runs/get?run_id={client.run_id}", None),
                (
                    "POST",
                    LOG_BATCH,
                    {"run_id": client.run_id, "params": [{"key": "x", "value": "1"}]},
                ),
            ):
                for _ in range(3):  # several calls, so that both workers answer
                    response = requests.request(
                        method, app.url + path, json=body, auth=credentials, timeout=REQUEST_TIMEOUT
                    )
                    assert_error_response(response)
        assert app.process is not None and app.process.poll() is None
        assert requests.get(app.url + "/health", timeout=10).status_code == 200
    finally:
        pgbouncer.start()

    assert wait_until(lambda: not api_calls_succeed(app.url, client.run_id, rounds=1), 30)
    assert api_calls_succeed(app.url, client.run_id) == []
    assert process_group(app) == workers, "the server (or a worker) was restarted"


def test_s3_outage_gives_errors_then_recovers(
    fragile: tuple[AppProcess, PgDatabase, S3Bucket, Client],
    s3_endpoint: OwnS3Endpoint,
    moto_s3: MotoS3,
):
    app, _database, bucket, client = fragile
    artifacts = f"{app.url}/api/2.0/mlflow-artifacts/artifacts/{client.artifact_dir}"
    before = requests.put(f"{artifacts}/before.txt", data=b"before", auth=AUTH, timeout=60)
    assert before.status_code == 200, before.text
    workers = process_group(app)

    s3_endpoint.stop()
    try:
        for method, url, kwargs in (
            ("PUT", f"{artifacts}/during.txt", {"data": b"during"}),
            ("GET", f"{artifacts}/before.txt", {}),
            ("GET", f"{app.url}/api/2.0/mlflow/artifacts/list?run_id={client.run_id}", {}),
        ):
            response = requests.request(method, url, auth=AUTH, timeout=REQUEST_TIMEOUT, **kwargs)
            assert_error_response(response)
        # What does not touch S3 keeps working.
        assert api_calls_succeed(app.url, client.run_id, rounds=1) == []
        assert app.process is not None and app.process.poll() is None
    finally:
        s3_endpoint.start()

    after = requests.put(f"{artifacts}/after.txt", data=b"after", auth=AUTH, timeout=60)
    assert after.status_code == 200, after.text
    kept = requests.get(f"{artifacts}/before.txt", auth=AUTH, timeout=60)
    assert kept.status_code == 200 and kept.content == b"before"
    keys = moto_s3.list_keys(bucket.bucket, bucket.prefix + "/")
    names = {key.rsplit("/", 1)[1] for key in keys}
    assert {"before.txt", "after.txt"} <= names and "during.txt" not in names
    assert process_group(app) == workers, "the server (or a worker) was restarted"


# -- start-up with a service out of reach ------------------------------------------------------


def revoked_bucket(moto_s3: MotoS3) -> S3Bucket:
    """A bucket whose IAM user's access key was deleted: AWS no longer knows the key."""
    user = f"revoked-{secrets.token_hex(6)}"
    bucket = own_bucket(moto_s3, user=user)
    moto_s3.client("iam").delete_access_key(UserName=user, AccessKeyId=bucket.access_key_id)
    return bucket


@pytest.mark.parametrize("broken", ["database_unreachable", "key_revoked"])
def test_start_with_a_service_out_of_reach_shows_the_setup_page(
    broken: str, pg_database: PgDatabase, moto_s3: MotoS3, tmp_path: Path
):
    if broken == "database_unreachable":
        backend = f"postgresql://nobody:secret@{LOCALHOST}:{free_port()}/neondb?sslmode=require"
        env = seed_env(backend, own_bucket(moto_s3), username=USERNAME, password=PASSWORD)
        code = "[postgres."
    else:
        env = seed_env(
            pg_database.direct_url, revoked_bucket(moto_s3), username=USERNAME, password=PASSWORD
        )
        code = "[aws."
    with AppProcess(env, cwd=tmp_path, log_path=tmp_path / "app.log") as app:
        started = time.monotonic()
        page = app.wait_for("/", timeout=20)
        assert time.monotonic() - started < 20
        assert "text/html" in page.headers["content-type"]
        assert "Starting MLflow" not in app.log()
        reported = [line for line in app.log().splitlines() if code in line]
        assert reported, app.log()

        time.sleep(5)  # no exit, no restart loop: the same process keeps answering
        assert app.process is not None and app.process.poll() is None
        assert requests.get(app.url + "/", timeout=10).status_code == 200
        assert [line for line in app.log().splitlines() if code in line] == reported
        assert PASSWORD not in app.log()
