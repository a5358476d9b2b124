"""Server mode as a Space runs it: Neon-like Postgres over TLS, S3, basic auth, the proxy.

One server is shared by the module (starting MLflow costs seconds); tests that restart a
server get their own database.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import requests
from app_process import AppProcess, run_tracking_client, seed_env
from services import MotoS3, PgDatabase, PostgresCluster, S3Bucket

from server.launch import MAX_CONNECTIONS

SPACE_HOST = "someone-mlflow.hf.space"
USERNAME = "admin"
PASSWORD = "CANARY-pw-" + secrets.token_hex(8)
SEARCH = "/api/2.0/mlflow/experiments/search?max_results=5"


@pytest.fixture(scope="module")
def space(
    module_database: PgDatabase, module_bucket: S3Bucket, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppProcess]:
    folder = tmp_path_factory.mktemp("space")
    env = seed_env(
        module_database.direct_url,
        module_bucket,
        username=USERNAME,
        password=PASSWORD,
        space_host=SPACE_HOST,
    )
    with AppProcess(env, cwd=folder, log_path=folder / "app.log") as app:
        app.wait_for("/health")
        yield app


def auth(password: str = PASSWORD) -> tuple[str, str]:
    return (USERNAME, password)


def test_student_client_logs_everything_without_aws_keys(
    space: AppProcess,
    module_database: PgDatabase,
    module_bucket: S3Bucket,
    moto_s3: MotoS3,
    postgres_cluster: PostgresCluster,
):
    result = run_tracking_client(space.url, "bootcamp", username=USERNAME, password=PASSWORD)

    assert result["artifact_uri"].startswith("mlflow-artifacts:/")  # proxied, not s3://
    assert result["prediction"] == pytest.approx(result["expected"])
    assert result["note"] == "trained on the bootcamp data\n"
    with psycopg.connect(module_database.direct_url) as connection:
        experiment = connection.execute(
            "SELECT experiment_id FROM experiments WHERE name = 'bootcamp'"
        ).fetchone()
        assert experiment is not None and str(experiment[0]) == result["experiment_id"]
        losses = connection.execute(
            "SELECT count(*) FROM metrics WHERE run_uuid = %s AND key = 'loss'",
            (result["run_id"],),
        ).fetchone()
        assert losses == (5,)
        params = connection.execute(
            "SELECT key, value FROM params WHERE run_uuid = %s ORDER BY key", (result["run_id"],)
        ).fetchall()
        assert params == [("alpha", "0.5"), ("solver", "lstsq")]
    keys = moto_s3.list_keys(module_bucket.bucket, module_bucket.prefix + "/")
    run_keys = [key for key in keys if result["run_id"] in key]
    assert any(key.endswith("/artifacts/notes.txt") for key in run_keys), keys
    assert any(key.endswith("/MLmodel") for key in keys), keys

    connections = postgres_cluster.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE usename = %s", params=(module_database.user,)
    )
    assert connections[0][0] <= MAX_CONNECTIONS


def test_requests_for_the_space_host_are_served(space: AppProcess):
    headers = {"Host": SPACE_HOST}
    assert requests.get(space.url + SEARCH, headers=headers, auth=auth(), timeout=10).ok
    created = requests.post(
        space.url + "/ajax-api/2.0/mlflow/experiments/create",
        json={"name": "from-the-browser"},
        headers={**headers, "Origin": f"https://{SPACE_HOST}"},
        auth=auth(),
        timeout=10,
    )
    assert created.status_code == 200, created.text


def test_other_origins_are_still_refused(space: AppProcess):
    refused = requests.post(
        space.url + "/ajax-api/2.0/mlflow/experiments/create",
        json={"name": "from-elsewhere"},
        headers={"Host": SPACE_HOST, "Origin": "https://evil.example"},
        auth=auth(),
        timeout=10,
    )
    assert refused.status_code == 403
    unknown_host = requests.get(
        space.url + SEARCH, headers={"Host": "evil.example"}, auth=auth(), timeout=10
    )
    assert unknown_host.status_code == 403


def test_ui_may_be_framed_by_huggingface(space: AppProcess):
    page = requests.get(space.url + "/", headers={"Host": SPACE_HOST}, auth=auth(), timeout=10)
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "x-frame-options" not in {name.lower() for name in page.headers}
    policy = page.headers.get("content-security-policy", "")
    assert "frame-ancestors" not in policy


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", SEARCH),
        ("GET", "/ajax-api/2.0/mlflow/experiments/search?max_results=5"),
        ("POST", "/api/2.0/mlflow/experiments/create"),
        ("POST", "/api/2.0/mlflow/runs/log-batch"),
        ("GET", "/api/2.0/mlflow-artifacts/artifacts"),
        ("GET", "/api/2.0/mlflow/users/get?username=admin"),
        ("POST", "/api/2.0/mlflow/users/create"),
        ("GET", "/api/2.0/mlflow/registered-models/search"),
        ("POST", "/graphql"),
    ],
)
def test_routes_need_credentials(space: AppProcess, method: str, path: str):
    anonymous = requests.request(method, space.url + path, json={}, timeout=10)
    assert anonymous.status_code == 401
    wrong = requests.request(method, space.url + path, json={}, auth=auth("x" * 16), timeout=10)
    assert wrong.status_code == 401


def test_only_health_and_data_free_routes_are_public(space: AppProcess):
    """MLflow's auth app leaves /health, the UI's static files and server-info open."""
    assert requests.get(space.url + "/health", headers={"Host": SPACE_HOST}, timeout=10).ok
    assert requests.get(space.url + "/static-files/index.html", timeout=10).ok
    info = requests.get(space.url + "/api/3.0/mlflow/server-info", timeout=10)
    assert info.ok and PASSWORD not in info.text and "bootcamp" not in info.text


def test_right_password_is_accepted(space: AppProcess):
    assert requests.get(space.url + SEARCH, auth=auth(), timeout=10).status_code == 200


def test_idle_server_sends_no_query(
    space: AppProcess, module_database: PgDatabase, postgres_cluster
):
    """Neon suspends an idle compute only if nothing queries it (no background jobs)."""
    assert requests.get(space.url + SEARCH, auth=auth(), timeout=10).ok
    marker = len(postgres_cluster.log_text())
    time.sleep(70)
    idle_lines = [
        line
        for line in postgres_cluster.log_text()[marker:].splitlines()
        if f"{module_database.user}@{module_database.dbname}" in line
    ]
    assert idle_lines == []


def test_password_secret_change_applies_and_users_survive_restart(
    pg_database: PgDatabase, s3_bucket: S3Bucket, tmp_path: Path
):
    env = seed_env(pg_database.direct_url, s3_bucket, username=USERNAME, password=PASSWORD)
    with AppProcess(env, cwd=tmp_path, log_path=tmp_path / "first.log") as first:
        first.wait_for("/health")
        created = requests.post(
            first.url + "/api/2.0/mlflow/users/create",
            json={"username": "student2", "password": "student2-password"},
            auth=auth(),
            timeout=10,
        )
        assert created.status_code == 200, created.text

    new_password = "CANARY-rotated-" + secrets.token_hex(6)
    env["MLFLOW_TRACKING_PASSWORD"] = new_password
    with AppProcess(env, cwd=tmp_path, log_path=tmp_path / "second.log") as second:
        second.wait_for("/health")
        assert requests.get(second.url + SEARCH, auth=auth(new_password), timeout=10).ok
        assert requests.get(second.url + SEARCH, auth=auth(), timeout=10).status_code == 401
        student = requests.get(
            second.url + SEARCH, auth=("student2", "student2-password"), timeout=10
        )
        assert student.status_code == 200
    for log in (first.log(), second.log()):
        assert PASSWORD not in log and new_password not in log
        assert pg_database.password not in log
