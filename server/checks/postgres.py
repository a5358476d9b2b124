"""Live diagnosis of the backend store: DNS, TCP, TLS, login, database, privileges, schema,
and whether a pooler in front of it keeps prepared statements.

Each step is bounded: libpq resolves host names without any timeout and waits forever to
connect unless told, so the name is resolved here (in a thread with a deadline) and the
address handed to libpq with `hostaddr`, keeping `host` for TLS and Neon's SNI routing.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Mapping
from contextlib import closing
from functools import cache

import psycopg
from psycopg import conninfo, errors, sql

from server.checks import CONNECT_TIMEOUT, READ_TIMEOUT, concurrently
from server.database import BackendURIError, parse_backend_uri
from server.diagnoses import Diagnosis

DEFAULT_PORT = 5432
# Probe statement timeout: a compute that accepted the login answers in milliseconds.
STATEMENT_TIMEOUT_MS = int(READ_TIMEOUT * 1000)

# libpq's messages are in English whatever the student's locale; these name the causes.
_AUTH_FAILED = re.compile(r"password authentication failed|SASL authentication failed")
_ROLE_MISSING = re.compile(r'role "[^"]*" does not exist')
_DATABASE_MISSING = re.compile(r'database "[^"]*" does not exist')
_NO_ENCRYPTION = re.compile(r"no encryption|SSL off|connection requires a valid client certificate")
_NO_SSL_SUPPORT = re.compile(r"server does not support SSL")
_ENDPOINT_ID = re.compile(r"Endpoint ID is not specified|endpoint ID", re.IGNORECASE)
_CHANNEL_BINDING = re.compile(r"channel binding", re.IGNORECASE)
_TOO_MANY = re.compile(r"too many connections|remaining connection slots")
_QUOTA = re.compile(r"exceeded the compute time quota|data transfer quota", re.IGNORECASE)
_TIMEOUT = re.compile(r"timeout expired|timed out", re.IGNORECASE)
_REFUSED = re.compile(r"Connection refused", re.IGNORECASE)
_SUSPENDED = re.compile(r"endpoint is disabled|compute is suspended", re.IGNORECASE)


def check_postgres(uri: str, environ: Mapping[str, str] | None = None) -> list[Diagnosis]:
    """Diagnose `uri` from this machine. Never raises; returns within a few timeouts."""
    try:
        return _check(uri, environ or {})
    except Exception as error:  # the doctor must report, not crash
        return [Diagnosis("postgres.unexpected", details={"error": type(error).__name__})]


def _check(uri: str, environ: Mapping[str, str]) -> list[Diagnosis]:
    try:
        url = parse_backend_uri(uri)
    except BackendURIError as error:
        return [Diagnosis(error.code, params={"name": "BACKEND_STORE_URI", "scheme": error.scheme})]
    host = url.host or ""
    port = url.port or DEFAULT_PORT
    where = {
        "host": host,
        "port": str(port),
        "database": url.database or "",
        "user": url.username or "",
    }
    in_space = bool(environ.get("SPACE_ID"))

    address = _resolve(host, port)
    if address is None:
        return [Diagnosis("postgres.dns", params={"host": host}, details=where)]
    try:
        with closing(socket.create_connection((address, port), timeout=CONNECT_TIMEOUT)):
            pass
    except TimeoutError:
        code = "postgres.connect_timeout_space" if in_space else "postgres.connect_timeout"
        return [Diagnosis(code, params={"host": host, "port": port}, details=where)]
    except OSError:
        return [Diagnosis("postgres.refused", params={"host": host, "port": port}, details=where)]

    params = _libpq_params(uri, address)
    try:
        connection = psycopg.connect(**params, autocommit=True)
    except psycopg.Error as error:
        return [_login_failure(str(error), where, in_space)]
    found: list[Diagnosis] = []
    with connection:
        found += _inspect(connection, where)
    found += _pooler(params, where)
    return found


def _resolve(host: str, port: int) -> str | None:
    """The first address of `host`, or None if it cannot be resolved in time."""

    def lookup() -> str:
        return str(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][4][0])

    return concurrently({"address": lookup}, CONNECT_TIMEOUT).get("address")


def _libpq_params(uri: str, address: str) -> dict[str, str]:
    """The student's parameters, with the resolved address and a connect timeout."""
    url = parse_backend_uri(uri).set(drivername="postgresql")
    params = conninfo.conninfo_to_dict(url.render_as_string(hide_password=False))
    params["hostaddr"] = address
    params.setdefault("connect_timeout", str(int(CONNECT_TIMEOUT)))
    params.setdefault("application_name", "mlflow-space-doctor")
    return {key: str(value) for key, value in params.items()}


def _login_failure(message: str, where: dict[str, str], in_space: bool) -> Diagnosis:
    params = {"host": where["host"], "user": where["user"], "database": where["database"]}
    for pattern, code in (
        (_ENDPOINT_ID, "postgres.neon_endpoint_id"),
        (_AUTH_FAILED, "postgres.auth_failed"),
        (_ROLE_MISSING, "postgres.role_missing"),
        (_DATABASE_MISSING, "postgres.database_missing"),
        (_NO_ENCRYPTION, "postgres.ssl_required"),
        (_NO_SSL_SUPPORT, "postgres.ssl_unsupported"),
        (_CHANNEL_BINDING, "postgres.channel_binding"),
        (_TOO_MANY, "postgres.too_many_connections"),
        (_QUOTA, "postgres.neon_quota"),
        (_SUSPENDED, "postgres.neon_disabled"),
        (_REFUSED, "postgres.refused"),
    ):
        if pattern.search(message):
            return Diagnosis(code, params={**params, "port": where["port"]}, details=where)
    if _TIMEOUT.search(message):
        code = "postgres.connect_timeout_space" if in_space else "postgres.login_timeout"
        return Diagnosis(code, params={**params, "port": where["port"]}, details=where)
    return Diagnosis(
        "postgres.connect_failed", params=params, details={**where, "error": _first_line(message)}
    )


def _first_line(message: str) -> str:
    # libpq's text names hosts and roles, never the password; keep it short all the same.
    return message.strip().splitlines()[0][:200] if message.strip() else ""


def _inspect(connection: psycopg.Connection, where: dict[str, str]) -> list[Diagnosis]:
    with connection.transaction():
        connection.execute(
            sql.SQL("SET LOCAL statement_timeout = {}").format(sql.Literal(STATEMENT_TIMEOUT_MS))
        )
        version = str(connection.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
        can_create = connection.execute(
            "SELECT has_schema_privilege(current_schema(), 'CREATE')"
        ).fetchone()
        revision = None
        has_alembic = connection.execute(
            "SELECT to_regclass('alembic_version') IS NOT NULL"
        ).fetchone()
        if has_alembic and has_alembic[0]:
            row = connection.execute("SELECT version_num FROM alembic_version LIMIT 1").fetchone()
            revision = str(row[0]) if row else ""
    details = {
        **where,
        "server_version": version.split(" ")[0],
        "tls": "yes" if connection.pgconn.ssl_in_use else "no",
    }
    found = [Diagnosis("postgres.ok", status="ok", params={"host": where["host"]}, details=details)]
    if not connection.pgconn.ssl_in_use:
        found.append(Diagnosis("postgres.no_tls", status="warn", params={"host": where["host"]}))
    if not (can_create and can_create[0]):
        found.append(Diagnosis("postgres.no_create", params={"user": where["user"]}))
    found.append(_schema(revision))
    return found


@cache
def _mlflow_revisions() -> tuple[frozenset[str], frozenset[str]]:
    """Every revision of MLflow's tracking schema, and its heads."""
    from pathlib import Path

    import mlflow.store.db_migrations as migrations
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(Path(migrations.__file__).parent))
    return (
        frozenset(revision.revision for revision in scripts.walk_revisions()),
        frozenset(scripts.get_heads()),
    )


def _schema(revision: str | None) -> Diagnosis:
    if revision is None:
        return Diagnosis("postgres.schema_empty", status="ok")
    known, heads = _mlflow_revisions()
    if revision in heads:
        return Diagnosis("postgres.schema_current", status="ok", details={"revision": revision})
    if revision in known:
        return Diagnosis("postgres.schema_older", status="ok", details={"revision": revision})
    return Diagnosis("postgres.schema_foreign", details={"revision": revision[:40]})


def _pooler(params: dict[str, str], where: dict[str, str]) -> list[Diagnosis]:
    """Whether prepared statements survive the way to the server.

    Behind a transaction pooler without `max_prepared_statements`, a statement prepared by
    one client lands on a server connection another client is then given: the second
    prepare of psycopg's `_pg3_0` fails, or a later execute finds it missing.
    """
    pooled = where["host"].split(".", 1)[0].endswith("-pooler")
    try:
        with (
            psycopg.connect(**params, autocommit=True) as first,
            psycopg.connect(**params, autocommit=True) as second,
        ):
            for _ in range(2):
                first.execute("SELECT 1", prepare=True)
                second.execute("SELECT 1", prepare=True)
    except (errors.DuplicatePreparedStatement, errors.InvalidSqlStatementName):
        return [Diagnosis("postgres.pooler_no_prepare", status="ok", details={"pooled": "yes"})]
    except psycopg.Error:
        return []  # the connection itself was diagnosed above
    code = "postgres.pooled" if pooled else "postgres.direct"
    return [Diagnosis(code, status="ok", details={"pooled": "yes" if pooled else "no"})]
