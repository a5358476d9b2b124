"""Fixtures giving tests real backing services: PostgreSQL, PgBouncer and S3 (moto).

The servers are session-scoped (started once, stopped at the end); each test gets its own
database + role (:func:`pg_database`) and its own bucket + IAM user (:func:`s3_bucket`).
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from services import MotoS3, PgBouncer, PgDatabase, PostgresCluster, S3Bucket, fresh_database

S3_REGION = "eu-west-3"
S3_PREFIX = "mlflow-artifacts"


@pytest.fixture(scope="session")
def _services_dir() -> Iterator[Path]:
    # Not tmp_path_factory: /tmp/pytest-of-root is 0700, and as root the servers run as the
    # postgres user, who must be able to reach their files.  A mkdtemp dir in /tmp (1777) is.
    path = Path(tempfile.mkdtemp(prefix="mlflow-space-services-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_cluster(_services_dir: Path) -> Iterator[PostgresCluster]:
    cluster = PostgresCluster(_services_dir / "postgres")
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pgbouncer(_services_dir: Path, postgres_cluster: PostgresCluster) -> Iterator[PgBouncer]:
    bouncer = PgBouncer(_services_dir / "pgbouncer", postgres_cluster)
    try:
        bouncer.start()
        yield bouncer
    finally:
        bouncer.stop()


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[MotoS3]:
    server = MotoS3(region=S3_REGION)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def _fresh_bucket(moto: MotoS3) -> S3Bucket:
    suffix = secrets.token_hex(6)
    bucket = f"mlflow-test-{suffix}"
    moto.create_bucket(bucket, region=S3_REGION)
    access_key_id, secret_access_key = moto.create_user(
        f"mlflow-{suffix}", moto.s3_policy(bucket, f"{S3_PREFIX}/")
    )
    return S3Bucket(
        bucket=bucket,
        prefix=S3_PREFIX,
        artifact_root=f"s3://{bucket}/{S3_PREFIX}",
        access_key_id=access_key_id,
        secret_access_key=secret_access_key,
        region=S3_REGION,
        endpoint_url=moto.endpoint_url,
    )


@pytest.fixture
def pg_database(postgres_cluster: PostgresCluster, pgbouncer: PgBouncer) -> Iterator[PgDatabase]:
    """A database and role of its own for one test."""
    with fresh_database(postgres_cluster, pgbouncer) as database:
        yield database


@pytest.fixture(scope="module")
def module_database(
    postgres_cluster: PostgresCluster, pgbouncer: PgBouncer
) -> Iterator[PgDatabase]:
    """A database shared by one test module (for a server started once per module)."""
    with fresh_database(postgres_cluster, pgbouncer) as database:
        yield database


@pytest.fixture
def s3_bucket(moto_s3: MotoS3) -> S3Bucket:
    """A bucket and an IAM user allowed exactly what MLflow needs under its prefix."""
    return _fresh_bucket(moto_s3)


@pytest.fixture(scope="module")
def module_bucket(moto_s3: MotoS3) -> S3Bucket:
    return _fresh_bucket(moto_s3)


# -- Hugging Face Hub stand-in (tests/hub_standin.py) -------------------------------------------


@pytest.fixture
def hub():
    """A started Hub stand-in with the default world (alice, bob, carol, org bootcamp, their
    Spaces and tokens: see hub_standin.DefaultHub). Fresh for each test: it starts in ~1 ms."""
    from hub_standin import DefaultHub

    with DefaultHub() as standin:
        yield standin


# -- browser tests (tests/test_wizard_browser.py loads tests/browser.py as a plugin) -------------

# Its asserts read well in failures; it is imported by that module before pytest loads it.
pytest.register_assert_rewrite("browser")
