"""Server mode through a transaction-mode PgBouncer without prepared-statement support,
as with a Neon `-pooler` URI when the pooler cannot keep prepared statements."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

import requests
from app_process import AppProcess, run_tracking_client, seed_env
from services import PgDatabase, S3Bucket
from sqlalchemy import create_engine, text

from server.database import sqlalchemy_uri

PASSWORD = "CANARY-pooled-password"


def _repeated_transactions(url: str) -> list[BaseException]:
    """Six clients run one statement forty times, a transaction each, through the pooler.

    Warm-ups are staggered so that clients cross psycopg's prepare threshold at different
    moments: the next transaction then lands on a server connection that lacks (or already
    has) the prepared statement, which is what breaks behind a transaction pooler.
    """
    engine = create_engine(url, pool_size=6, max_overflow=0)
    errors: list[BaseException] = []
    barrier = Barrier(6)

    def client(index: int) -> None:
        try:
            with engine.connect() as connection:
                for warm_up in range(index):
                    connection.execute(text("SELECT :n"), {"n": warm_up}).scalar_one()
                    connection.commit()
                barrier.wait(timeout=30)
                for step in range(40):
                    assert connection.execute(text("SELECT :n"), {"n": step}).scalar_one() == step
                    connection.commit()
        except Exception as error:  # collected: the test reports them all
            errors.append(error)

    try:
        with ThreadPoolExecutor(6) as pool:
            list(pool.map(client, range(6)))
    finally:
        engine.dispose()
    return errors


def test_engines_from_our_uri_survive_the_pooler(pg_database: PgDatabase):
    plain = pg_database.pooled_url.replace("postgresql://", "postgresql+psycopg://", 1)
    assert _repeated_transactions(plain), "psycopg's defaults should fail through this pooler"
    assert _repeated_transactions(sqlalchemy_uri(pg_database.pooled_url)) == []


def test_server_through_the_pooler(pg_database: PgDatabase, s3_bucket: S3Bucket, tmp_path: Path):
    env = seed_env(pg_database.pooled_url, s3_bucket, username="admin", password=PASSWORD)
    with AppProcess(env, cwd=tmp_path, log_path=tmp_path / "app.log") as app:
        app.wait_for("/health")
        result = run_tracking_client(app.url, "pooled", username="admin", password=PASSWORD)
        assert result["prediction"] == result["expected"]

        run_id = result["run_id"]

        def log_batches(client: int) -> None:
            for batch in range(25):
                metrics = [
                    {"key": f"m{client}", "value": float(i), "timestamp": 0, "step": batch * 4 + i}
                    for i in range(4)
                ]
                response = requests.post(
                    app.url + "/api/2.0/mlflow/runs/log-batch",
                    json={"run_id": run_id, "metrics": metrics},
                    auth=("admin", PASSWORD),
                    timeout=30,
                )
                assert response.status_code == 200, response.text

        with ThreadPoolExecutor(6) as pool:
            list(pool.map(log_batches, range(6)))

        history = requests.get(
            app.url + "/api/2.0/mlflow/metrics/get-history",
            params={"run_id": run_id, "metric_key": "m3", "max_results": 1000},
            auth=("admin", PASSWORD),
            timeout=30,
        ).json()
        assert len(history["metrics"]) == 100
    assert "DuplicatePreparedStatement" not in app.log()
    assert "InvalidSqlStatementName" not in app.log()
