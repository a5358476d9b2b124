"""`python app.py` picks its mode; older Spaces and bad settings get a clear answer."""

from __future__ import annotations

from pathlib import Path

import requests
from app_process import AppProcess, run_tracking_client, seed_env
from services import PgDatabase, S3Bucket


def page_text(app: AppProcess) -> str:
    """Every Markdown block of the Gradio page (what the student reads)."""
    config = requests.get(app.url + "/config", timeout=10).json()
    return "\n".join(
        component["props"].get("value") or ""
        for component in config["components"]
        if component.get("type") == "markdown"
    )


def test_nothing_configured_opens_the_setup_page(tmp_path: Path):
    with AppProcess({}, cwd=tmp_path, log_path=tmp_path / "app.log") as app:
        app.wait_for("/", timeout=90)
        text = page_text(app)
    for name in (
        "BACKEND_STORE_URI",
        "ARTIFACT_ROOT",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ):
        assert f"Réglage manquant : {name}" in text
        assert f"Missing setting: {name}" in text
    assert "Neon" in text and "S3" in text
    assert "[settings.missing] Missing setting: BACKEND_STORE_URI" in app.log()


def test_on_a_space_the_wizard_asks_for_proof_of_ownership(tmp_path: Path):
    env = {"SPACE_ID": "someone/mlflow", "SPACE_HOST": "someone-mlflow.hf.space"}
    with AppProcess(env, cwd=tmp_path, log_path=tmp_path / "app.log") as app:
        app.wait_for("/", timeout=90)
        config = requests.get(app.url + "/config", timeout=10).json()
    ids = {c["props"].get("elem_id") for c in config["components"]}
    assert {"hf-token", "db-uri", "s3-path", "auth-password", "apply"} <= ids
    # Nothing a visitor could call directly: every handler is hidden from Gradio's API.
    assert {d.get("api_visibility") for d in config["dependencies"]} == {"private"}


def test_short_password_is_refused_naming_the_rule(
    tmp_path: Path, pg_database: PgDatabase, s3_bucket: S3Bucket
):
    env = seed_env(pg_database.direct_url, s3_bucket, username="admin", password="short-pw")
    server = AppProcess(env, ["server"], cwd=tmp_path, log_path=tmp_path / "server.log").start()
    assert server.wait_exit() == 2
    assert "MLflow requires at least 12" in server.log()
    assert "short-pw" not in server.log()

    # Without an explicit mode, the Space shows the same diagnosis instead of crash-looping.
    with AppProcess(env, cwd=tmp_path, log_path=tmp_path / "auto.log") as app:
        app.wait_for("/", timeout=90)
        text = page_text(app)
    assert "MLflow en exige au moins 12" in text
    assert "MLflow requires at least 12" in text
    assert "short-pw" not in text


def test_settings_can_come_from_a_dotenv_file(
    tmp_path: Path, pg_database: PgDatabase, s3_bucket: S3Bucket
):
    lines = [f"{k}={v}" for k, v in seed_env(pg_database.direct_url, s3_bucket).items()]
    (tmp_path / ".env").write_text("\n".join(lines) + "\n")
    with AppProcess({}, cwd=tmp_path, log_path=tmp_path / "app.log") as app:
        app.wait_for("/health")
        assert requests.get(
            app.url + "/api/2.0/mlflow/experiments/search?max_results=1", timeout=10
        ).ok


def test_a_space_configured_with_older_names_still_starts(
    tmp_path: Path, pg_database: PgDatabase, s3_bucket: S3Bucket
):
    env = {
        "MLFLOW_BACKEND_STORE_URI": pg_database.direct_url,
        "ARTIFACT_STORE_URI": s3_bucket.artifact_root,
        "AWS_ACCESS_KEY_ID": s3_bucket.access_key_id,
        "AWS_SECRET_ACCESS_KEY": s3_bucket.secret_access_key,
        "AWS_DEFAULT_REGION": s3_bucket.region,
        "AWS_ENDPOINT_URL": s3_bucket.endpoint_url,
    }
    with AppProcess(env, cwd=tmp_path, log_path=tmp_path / "app.log") as app:
        app.wait_for("/health")
        created = requests.post(
            app.url + "/api/2.0/mlflow/experiments/create", json={"name": "legacy"}, timeout=10
        )
        assert created.status_code == 200, created.text


def test_local_mode_needs_nothing(tmp_path: Path):
    with AppProcess({}, ["server", "--local"], cwd=tmp_path, log_path=tmp_path / "app.log") as app:
        app.wait_for("/health")
        assert "text/html" in requests.get(app.url + "/", timeout=10).headers["content-type"]
        result = run_tracking_client(app.url, "laptop")
    assert result["note"] == "trained on the bootcamp data\n"
    assert (tmp_path / "mlflow-local" / "mlflow.db").is_file()
    assert any((tmp_path / "mlflow-local" / "artifacts").rglob("notes.txt"))


def test_a_broken_credential_opens_the_setup_page_not_a_crash_loop(
    tmp_path: Path, pg_database: PgDatabase, s3_bucket: S3Bucket, postgres_cluster
):
    wrong = postgres_cluster.url(
        pg_database.user, "CANARY-not-the-password", pg_database.dbname, sslmode="require"
    )
    env = seed_env(wrong, s3_bucket, username="admin", password="CANARY-admin-password")
    server = AppProcess(env, ["server"], cwd=tmp_path, log_path=tmp_path / "server.log").start()
    assert server.wait_exit() == 2
    failures = [line for line in server.log().splitlines() if "[postgres." in line]
    assert len(failures) == 1 and "Password rejected" in failures[0]

    with AppProcess(env, cwd=tmp_path, log_path=tmp_path / "auto.log") as app:
        app.wait_for("/", timeout=90)
        text = page_text(app)
    assert f"Mot de passe refusé pour l'utilisateur {pg_database.user}" in text
    assert f"Password rejected for user {pg_database.user}" in text
    for output in (text, server.log(), app.log()):
        assert "CANARY" not in output


def test_hand_pasted_secrets_are_cleaned_at_start(
    tmp_path: Path, pg_database: PgDatabase, s3_bucket: S3Bucket
):
    """A secret pasted as Neon's psql snippet, or an S3 path with quotes, still works."""
    env = seed_env(pg_database.direct_url, s3_bucket)
    env["BACKEND_STORE_URI"] = f"psql '{pg_database.direct_url}'\n"
    env["ARTIFACT_ROOT"] = f'"{s3_bucket.artifact_root}/"'
    with AppProcess(env, cwd=tmp_path, log_path=tmp_path / "app.log") as app:
        app.wait_for("/health")
        created = requests.post(
            app.url + "/api/2.0/mlflow/experiments/create", json={"name": "pasted"}, timeout=10
        )
        assert created.status_code == 200, created.text
    assert "[paste.command_removed]" in app.log() or "[backend." in app.log()
    assert pg_database.password not in app.log()
