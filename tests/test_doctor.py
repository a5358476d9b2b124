"""`python app.py doctor`: the server's settings and a client's, against the real services."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from app_process import ROOT, AppProcess, clean_environ, seed_env
from services import PgDatabase, PostgresCluster, S3Bucket, free_port

from server.checks.client import check_client, space_url
from server.doctor import Report, doctor

PASSWORD = "CANARY-doctor-password"


def run_doctor(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "app.py"), "doctor", *args],
        env=clean_environ(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_healthy_settings_read_like_flutter_doctor(
    pg_database: PgDatabase, s3_bucket: S3Bucket, tmp_path: Path
):
    env = seed_env(pg_database.direct_url, s3_bucket, username="admin", password=PASSWORD)
    done = run_doctor(env, "--lang", "en", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "MLflow server diagnosis"
    assert [line[:3] for line in lines if line.startswith("[")] == ["[✓]"] * 4
    assert "Everything is ready." in done.stdout
    assert PASSWORD not in done.stdout + done.stderr
    assert pg_database.password not in done.stdout + done.stderr
    assert s3_bucket.secret_access_key not in done.stdout + done.stderr


def test_failures_name_the_cause_and_the_fix_and_exit_non_zero(
    pg_database: PgDatabase, s3_bucket: S3Bucket, postgres_cluster: PostgresCluster, tmp_path: Path
):
    wrong = postgres_cluster.url(
        pg_database.user, "CANARY-wrong", pg_database.dbname, sslmode="require"
    )
    env = seed_env(wrong, s3_bucket, username="admin", password=PASSWORD)
    done = run_doctor(env, "--lang", "fr", cwd=tmp_path)
    assert done.returncode == 1
    assert "[✗] Base de données (Neon)" in done.stdout
    assert f"Mot de passe refusé pour l'utilisateur {pg_database.user}." in done.stdout
    assert "→ Le mot de passe de l'URI est faux" in done.stdout
    assert "CANARY" not in done.stdout + done.stderr


def test_json_output_for_ci(pg_database: PgDatabase, s3_bucket: S3Bucket, tmp_path: Path):
    env = seed_env(pg_database.pooled_url, s3_bucket)
    done = run_doctor(env, "--json", cwd=tmp_path)
    result = json.loads(done.stdout)
    assert result["ok"] is True and done.returncode == 0
    checks = {check["name"]: check for check in result["checks"]}
    assert set(checks) == {"settings", "postgres", "s3", "access"}
    postgres_codes = [r["code"] for r in checks["postgres"]["results"]]
    assert "postgres.pooler_no_prepare" in postgres_codes
    assert pg_database.password not in done.stdout


def test_missing_settings_are_reported_not_crashed(tmp_path: Path):
    done = run_doctor({}, "--lang", "en", cwd=tmp_path)
    assert done.returncode == 1
    assert "Missing setting: BACKEND_STORE_URI" in done.stdout
    assert "not checked" in done.stdout


def test_env_file_is_read(pg_database: PgDatabase, s3_bucket: S3Bucket, tmp_path: Path):
    env = seed_env(pg_database.direct_url, s3_bucket)
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    assert run_doctor({}, cwd=tmp_path).returncode == 0


@pytest.fixture(scope="module")
def server(
    module_database: PgDatabase, module_bucket: S3Bucket, tmp_path_factory: pytest.TempPathFactory
):
    folder = tmp_path_factory.mktemp("doctor-server")
    env = seed_env(module_database.direct_url, module_bucket, username="admin", password=PASSWORD)
    with AppProcess(env, cwd=folder, log_path=folder / "app.log") as app:
        app.wait_for("/health")
        yield app


def test_client_side_writes_and_deletes_a_run(server: AppProcess, tmp_path: Path):
    env = {
        "MLFLOW_TRACKING_URI": server.url,
        "MLFLOW_TRACKING_USERNAME": "admin",
        "MLFLOW_TRACKING_PASSWORD": PASSWORD,
    }
    done = run_doctor(env, "--client", "--lang", "en", cwd=tmp_path)
    assert done.returncode == 0, done.stdout
    assert "[✓] MLflow server" in done.stdout
    found = check_client(env)
    assert [d.code for d in found][-1] == "client.write_ok"


@pytest.mark.parametrize(
    ("env", "code"),
    [
        ({}, "client.uri_missing"),
        ({"MLFLOW_TRACKING_URI": "ftp://x"}, "client.uri_scheme"),
        (
            {"MLFLOW_TRACKING_URI": "https://huggingface.co/spaces/Ann/My_Space"},
            "client.uri_space_page",
        ),
        ({"MLFLOW_TRACKING_URI": f"http://127.0.0.1:{free_port()}"}, "client.unreachable"),
        ({"MLFLOW_TRACKING_URI": "https://mlflow.invalid"}, "client.unreachable"),
    ],
)
def test_client_mistakes(env: dict[str, str], code: str):
    assert [d.code for d in check_client(env)] == [code]


def test_client_credentials(server: AppProcess):
    base = {"MLFLOW_TRACKING_URI": server.url}
    assert check_client(base)[-1].code == "client.credentials_missing"
    wrong = {**base, "MLFLOW_TRACKING_USERNAME": "admin", "MLFLOW_TRACKING_PASSWORD": "x" * 12}
    assert check_client(wrong)[-1].code == "client.credentials_rejected"


def test_space_page_url_becomes_the_app_url():
    assert (
        space_url("https://huggingface.co/spaces/Ann/My_Space") == "https://ann-my-space.hf.space"
    )
    assert space_url("https://ann-my-space.hf.space") is None


def test_callable_from_a_notebook(monkeypatch, tmp_path: Path, capsys):
    monkeypatch.chdir(tmp_path)
    for name in (
        "BACKEND_STORE_URI",
        "ARTIFACT_ROOT",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    report = doctor(language="en")
    assert isinstance(report, Report) and not report.ok
    assert "MLflow server diagnosis" in capsys.readouterr().out
