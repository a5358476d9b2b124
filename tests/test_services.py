"""The test services behave like the production ones the product meets (Neon + S3)."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import boto3
import psycopg
import pytest
from botocore.exceptions import ClientError
from services import (
    MotoS3,
    PgBouncer,
    PgDatabase,
    PostgresCluster,
    S3Bucket,
    client_config,
)

PREPARED_STATEMENT_ERRORS = (
    psycopg.errors.DuplicatePreparedStatement,
    psycopg.errors.InvalidSqlStatementName,
)


QUERY = "SELECT %s::int + 1"


def _with_password(url: str, user: str, password: str, wrong: str) -> str:
    return url.replace(f"{user}:{password}@", f"{user}:{wrong}@", 1)


# --- PostgreSQL --------------------------------------------------------------------------------


def test_direct_connection_uses_tls_scram_and_is_logged(
    pg_database: PgDatabase, postgres_cluster: PostgresCluster
) -> None:
    marker = f"marker_{uuid.uuid4().hex}"
    with psycopg.connect(pg_database.direct_url) as conn:
        row = conn.execute(
            "SELECT current_user, current_database(), ssl FROM pg_stat_ssl"
            " WHERE pid = pg_backend_pid()"
        ).fetchone()
        conn.execute(f"SELECT '{marker}'")
    assert row == (pg_database.user, pg_database.dbname, True)
    log = postgres_cluster.log_text()
    assert f"{pg_database.user}@{pg_database.dbname} LOG:  statement: SELECT '{marker}'" in log
    # Role passwords are sent pre-hashed, so they never reach the statement log.
    assert pg_database.password not in log


def test_certificate_verifies_for_127_0_0_1(
    pg_database: PgDatabase, postgres_cluster: PostgresCluster
) -> None:
    url = pg_database.direct_url.replace("sslmode=require", "sslmode=verify-full")
    with psycopg.connect(url, sslrootcert=str(postgres_cluster.cert_path)) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_plaintext_tcp_is_rejected(pg_database: PgDatabase) -> None:
    direct = pg_database.direct_url.replace("sslmode=require", "sslmode=disable").replace(
        "&channel_binding=require", ""
    )
    with pytest.raises(psycopg.OperationalError, match="no encryption"):
        psycopg.connect(direct)
    pooled = pg_database.pooled_url.replace("sslmode=require", "sslmode=disable")
    with pytest.raises(psycopg.OperationalError, match="SSL required"):
        psycopg.connect(pooled)


@pytest.mark.parametrize("via", ["direct", "pooled"])
def test_wrong_password_fails_scram(pg_database: PgDatabase, via: str) -> None:
    url = pg_database.direct_url if via == "direct" else pg_database.pooled_url
    url = _with_password(url, pg_database.user, pg_database.password, "not-the-password")
    # PostgreSQL says "password authentication failed for user ...", PgBouncer 1.18 just
    # "SASL authentication failed" (libpq exposes no SQLSTATE for connection failures).
    with pytest.raises(psycopg.OperationalError, match=r"(password|SASL) authentication failed"):
        psycopg.connect(url)


def test_restart_keeps_port_and_data(
    pg_database: PgDatabase, postgres_cluster: PostgresCluster
) -> None:
    with psycopg.connect(pg_database.direct_url) as conn:
        conn.execute("CREATE TABLE kept (v int)")
    port = postgres_cluster.port
    postgres_cluster.restart()
    assert postgres_cluster.port == port
    with psycopg.connect(pg_database.direct_url) as conn:
        assert conn.execute("SELECT count(*) FROM kept").fetchone() == (0,)


# --- PgBouncer (transaction pooling) -----------------------------------------------------------


def _concurrent_repeated_queries(
    url: str, prepare_threshold: int | None, *, clients: int = 4, rounds: int = 10
) -> list[BaseException]:
    """Each client runs the same parameterised query ``rounds`` times, one transaction each,
    with the clients' transactions overlapping so PgBouncer hands out different server
    connections.  Returns the errors raised."""
    barrier = threading.Barrier(clients)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def client(index: int) -> None:
        try:
            with psycopg.connect(url, autocommit=True, prepare_threshold=prepare_threshold) as conn:
                # Stagger warm-ups so clients cross the prepare threshold in different rounds:
                # if all prepared at once, every server would end up holding "_pg3_0" and the
                # identical statements would happen to work.
                for warm_up in range(index):
                    conn.execute(QUERY, (warm_up,))
                for round_ in range(rounds):
                    barrier.wait(timeout=10)
                    # Rotate the order in which clients grab a server connection each round.
                    time.sleep(((index + round_) % clients) * 0.002)
                    try:
                        with conn.transaction():
                            row = conn.execute(QUERY, (round_,)).fetchone()
                            assert row == (round_ + 1,)
                            time.sleep(0.01)  # hold the server connection: overlap the others
                    except psycopg.Error as exc:
                        with lock:
                            errors.append(exc)
        except BaseException as exc:  # report (don't hang the barrier) on unexpected failures
            barrier.abort()
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


def test_pgbouncer_breaks_psycopg_prepared_statements(pg_database: PgDatabase) -> None:
    errors = _concurrent_repeated_queries(pg_database.pooled_url, prepare_threshold=5)
    assert errors, "expected prepared-statement errors through transaction pooling"
    unexpected = [e for e in errors if not isinstance(e, PREPARED_STATEMENT_ERRORS)]
    assert not unexpected, unexpected


def test_pgbouncer_works_without_prepared_statements(
    pg_database: PgDatabase, pgbouncer: PgBouncer
) -> None:
    assert _concurrent_repeated_queries(pg_database.pooled_url, prepare_threshold=None) == []
    pools = [p for p in pgbouncer.admin_command("SHOW POOLS") if p["user"] == pg_database.user]
    assert [p["pool_mode"] for p in pools] == ["transaction"]


def test_pgbouncer_server_side_is_tls(pg_database: PgDatabase) -> None:
    with psycopg.connect(pg_database.pooled_url, prepare_threshold=None) as conn:
        row = conn.execute(
            "SELECT ssl, current_user FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
        ).fetchone()
    assert row == (True, pg_database.user)


# --- S3 (moto with IAM enforced) ---------------------------------------------------------------


def _s3(moto_s3: MotoS3, key_id: str, secret: str) -> Any:
    return moto_s3.client("s3", access_key_id=key_id, secret_access_key=secret)


def _error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_unknown_access_key_is_rejected(moto_s3: MotoS3, s3_bucket: S3Bucket) -> None:
    s3 = _s3(moto_s3, "AKIAFAKEUNKNOWNKEY00", "whatever")
    with pytest.raises(ClientError) as exc:
        s3.list_objects_v2(Bucket=s3_bucket.bucket)
    assert _error_code(exc) == "InvalidAccessKeyId"
    sts = moto_s3.client("sts", access_key_id="AKIAFAKEUNKNOWNKEY00", secret_access_key="x")
    with pytest.raises(ClientError) as exc:
        sts.get_caller_identity()
    assert _error_code(exc) == "InvalidClientTokenId"


def test_wrong_secret_is_rejected(moto_s3: MotoS3, s3_bucket: S3Bucket) -> None:
    s3 = _s3(moto_s3, s3_bucket.access_key_id, s3_bucket.secret_access_key + "x")
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=s3_bucket.bucket, Key=f"{s3_bucket.prefix}/a.txt", Body=b"a")
    assert _error_code(exc) == "SignatureDoesNotMatch"


def test_user_without_put_gets_access_denied(moto_s3: MotoS3, s3_bucket: S3Bucket) -> None:
    policy = moto_s3.s3_policy(
        s3_bucket.bucket, f"{s3_bucket.prefix}/", actions=["s3:GetObject", "s3:ListBucket"]
    )
    reader = _s3(moto_s3, *moto_s3.create_user(f"reader-{uuid.uuid4().hex[:8]}", policy))
    with pytest.raises(ClientError) as exc:
        reader.put_object(Bucket=s3_bucket.bucket, Key=f"{s3_bucket.prefix}/a.txt", Body=b"a")
    assert _error_code(exc) == "AccessDenied"
    reader.list_objects_v2(Bucket=s3_bucket.bucket, Prefix=s3_bucket.prefix)


def test_mlflow_user_can_put_list_get_delete_in_prefix_only(
    moto_s3: MotoS3, s3_bucket: S3Bucket
) -> None:
    # A plain boto3 client, configured the way the product configures one.
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_bucket.endpoint_url,
        region_name=s3_bucket.region,
        aws_access_key_id=s3_bucket.access_key_id,
        aws_secret_access_key=s3_bucket.secret_access_key,
        config=client_config(),
    )
    bucket, prefix = s3_bucket.bucket, s3_bucket.prefix
    assert s3_bucket.artifact_root == f"s3://{bucket}/{prefix}"
    s3.head_bucket(Bucket=bucket)
    keys = [f"{prefix}/run/a.txt", f"{prefix}/run/b.txt", f"{prefix}/other.txt"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    assert s3.get_object(Bucket=bucket, Key=keys[0])["Body"].read() == keys[0].encode()
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/")["Contents"]
    assert sorted(o["Key"] for o in listed) == sorted(keys)

    with pytest.raises(ClientError) as exc:  # outside the prefix
        s3.put_object(Bucket=bucket, Key="elsewhere.txt", Body=b"x")
    assert _error_code(exc) == "AccessDenied"

    s3.delete_object(Bucket=bucket, Key=keys[2])
    # MLflow's delete_artifacts uses DeleteObjects, which reports failures per key, not raising.
    result = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[:2]]})
    assert result.get("Errors", []) == []
    assert moto_s3.list_keys(bucket, prefix) == []

    identity = moto_s3.client(
        "sts",
        access_key_id=s3_bucket.access_key_id,
        secret_access_key=s3_bucket.secret_access_key,
    ).get_caller_identity()
    assert identity["Arn"].startswith("arn:aws:iam::")
    assert identity["Arn"].split(":user/")[1].startswith("mlflow-")


def test_bucket_is_in_requested_region(moto_s3: MotoS3, s3_bucket: S3Bucket) -> None:
    location = moto_s3.client("s3").get_bucket_location(Bucket=s3_bucket.bucket)
    assert location["LocationConstraint"] == s3_bucket.region
