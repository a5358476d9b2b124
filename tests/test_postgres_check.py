"""The database check against a real TLS-only, SCRAM PostgreSQL and a real PgBouncer."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from services import PgBouncer, PgDatabase, PostgresCluster, free_port

from server.checks import CHECK_BUDGET
from server.checks.postgres import check_postgres
from server.diagnoses import CATALOGUE


def codes(found) -> list[str]:
    return [d.code for d in found]


def statuses(found) -> set[str]:
    return {d.status for d in found}


@pytest.fixture
def hung_listener() -> Iterator[int]:
    """A loopback port that accepts TCP connections and never says a word."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]


def test_healthy_direct_database(pg_database: PgDatabase):
    found = check_postgres(pg_database.direct_url)
    assert codes(found) == ["postgres.ok", "postgres.schema_empty", "postgres.direct"]
    assert statuses(found) == {"ok"}
    assert found[0].details["tls"] == "yes"
    assert found[0].details["user"] == pg_database.user


def test_pooler_without_prepared_statements_is_detected(pg_database: PgDatabase):
    found = check_postgres(pg_database.pooled_url)
    assert "postgres.pooler_no_prepare" in codes(found)
    assert statuses(found) == {"ok"}


def test_wrong_password(pg_database: PgDatabase, postgres_cluster: PostgresCluster):
    url = postgres_cluster.url(
        pg_database.user, "wrong-password", pg_database.dbname, sslmode="require"
    )
    assert codes(check_postgres(url)) == ["postgres.auth_failed"]


def test_wrong_password_through_the_pooler(pg_database: PgDatabase, pgbouncer: PgBouncer):
    url = pgbouncer.url(pg_database.user, "wrong-password", pg_database.dbname, sslmode="require")
    assert codes(check_postgres(url)) == ["postgres.auth_failed"]


def test_missing_role(postgres_cluster: PostgresCluster, pg_database: PgDatabase):
    url = postgres_cluster.url("nobody_here", "whatever", pg_database.dbname, sslmode="require")
    # PostgreSQL answers an unknown role like a wrong password, so as not to reveal roles.
    assert codes(check_postgres(url)) in (["postgres.role_missing"], ["postgres.auth_failed"])


def test_missing_database(pg_database: PgDatabase, postgres_cluster: PostgresCluster):
    url = postgres_cluster.url(pg_database.user, pg_database.password, "nope", sslmode="require")
    found = check_postgres(url)
    assert codes(found) == ["postgres.database_missing"]
    assert "nope" in found[0].message("en")


def test_tls_disabled_against_tls_only_server(pg_database: PgDatabase):
    url = pg_database.direct_url.replace("sslmode=require", "sslmode=disable").replace(
        "&channel_binding=require", ""
    )
    assert codes(check_postgres(url)) == ["postgres.ssl_required"]


def test_unknown_host():
    found = check_postgres("postgresql://u:p@ep-typo-123.eu-central-1.aws.neon.invalid/neondb")
    assert codes(found) == ["postgres.dns"]


def test_closed_port():
    found = check_postgres(f"postgresql://u:p@127.0.0.1:{free_port()}/db?sslmode=require")
    assert codes(found) == ["postgres.refused"]


def test_hung_server_is_bounded(hung_listener: int):
    started = time.monotonic()
    found = check_postgres(f"postgresql://u:p@127.0.0.1:{hung_listener}/db?sslmode=require")
    assert time.monotonic() - started < CHECK_BUDGET
    assert codes(found) == ["postgres.login_timeout"]


def test_hung_server_from_a_space_mentions_the_port_rule(hung_listener: int):
    found = check_postgres(
        f"postgresql://u:p@127.0.0.1:{hung_listener}/db", {"SPACE_ID": "someone/mlflow"}
    )
    assert codes(found) == ["postgres.connect_timeout_space"]
    assert "443" in found[0].fix("en")


def test_foreign_alembic_schema(pg_database: PgDatabase):
    with psycopg.connect(pg_database.direct_url, autocommit=True) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)")
        connection.execute("INSERT INTO alembic_version VALUES ('0001_other_project')")
    found = check_postgres(pg_database.direct_url)
    assert "postgres.schema_foreign" in codes(found)
    assert {d.status for d in found if d.code == "postgres.schema_foreign"} == {"fail"}


def test_mlflow_schema_is_recognised(pg_database: PgDatabase):
    from mlflow.store.db.utils import _initialize_tables, create_sqlalchemy_engine

    from server.database import sqlalchemy_uri

    engine = create_sqlalchemy_engine(sqlalchemy_uri(pg_database.direct_url))
    try:
        _initialize_tables(engine)
    finally:
        engine.dispose()
    assert "postgres.schema_current" in codes(check_postgres(pg_database.direct_url))


def test_role_without_create_privilege(postgres_cluster: PostgresCluster, pg_database: PgDatabase):
    postgres_cluster.create_role("reader_only", "reader-password")
    postgres_cluster.execute(f'GRANT CONNECT ON DATABASE "{pg_database.dbname}" TO reader_only')
    try:
        url = postgres_cluster.url(
            "reader_only", "reader-password", pg_database.dbname, sslmode="require"
        )
        found = check_postgres(url)
        assert "postgres.no_create" in codes(found)
        assert any("GRANT CREATE ON SCHEMA public TO reader_only" in d.fix("en") for d in found)
    finally:
        postgres_cluster.execute(
            f'REVOKE CONNECT ON DATABASE "{pg_database.dbname}" FROM reader_only'
        )
        postgres_cluster.drop_role("reader_only")


def test_password_never_appears_in_a_diagnosis(pg_database: PgDatabase, postgres_cluster):
    url = postgres_cluster.url(pg_database.user, "CANARY-wrong-pw", "nope", sslmode="require")
    for found in (check_postgres(url), check_postgres(pg_database.direct_url)):
        for diagnosis in found:
            rendered = " ".join(
                [diagnosis.message("fr"), diagnosis.fix("en"), str(diagnosis.as_dict())]
            )
            assert "CANARY" not in rendered
            assert pg_database.password not in rendered


CLOSED_PORT = free_port()


@settings(max_examples=300, deadline=None)
@given(user=st.text(), password=st.text(), dbname=st.text(), query=st.text())
def test_hostile_fields_get_a_diagnosis_never_an_exception(user, password, dbname, query):
    # A closed loopback port: every generated URI is refused at once, nothing leaves.
    uri = f"postgresql://{user}:{password}@127.0.0.1:{CLOSED_PORT}/{dbname}?{query}"
    found = check_postgres(uri)
    assert found
    for diagnosis in found:
        assert diagnosis.code in CATALOGUE
        diagnosis.message("fr"), diagnosis.fix("en")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_as_uri_never_raises(text: str):
    found = check_postgres(text) if "@" not in text else check_postgres(text + "@x.invalid")
    assert found and all(d.code in CATALOGUE for d in found)
